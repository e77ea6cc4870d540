#include "kinetic/mock/audio_conjecture.hpp"

#include <opus/opus.h>

namespace kinetic::mock {

namespace {

// Large enough for any single Opus frame at the bitrates Opus supports (RFC 6716 caps a
// packet at 1275 bytes per frame, up to 3 frames of 20 ms in 60 ms).
constexpr int kMaxPacketBytes = 4000;

bool valid_rate(int rate) noexcept {
  return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

bool valid_frame(int rate, int samples) noexcept {
  // 2.5, 5, 10, 20, 40, 60 ms in units of 0.5 ms so the check stays integral.
  for (int half_ms : {5, 10, 20, 40, 80, 120})
    if (static_cast<long long>(samples) * 2000 == static_cast<long long>(rate) * half_ms) return true;
  return false;
}

}  // namespace

void OpusPacketEncoder::Free::operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }

OpusPacketEncoder::~OpusPacketEncoder() = default;

wire::Result<OpusPacketEncoder> OpusPacketEncoder::create(const OpusEncoderConfig& config) {
  if (!valid_rate(config.sample_rate) || (config.channels != 1 && config.channels != 2) ||
      !valid_frame(config.sample_rate, config.frame_samples))
    return wire::Error{wire::Errc::kInvalidValue, "unsupported Opus rate, channels or frame size"};
  if (config.expected_loss_pct < 0 || config.expected_loss_pct > 100 || config.complexity < 0 ||
      config.complexity > 10 || config.bitrate < 500)
    return wire::Error{wire::Errc::kInvalidValue, "Opus encoder setting out of range"};
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, Free> enc(
      opus_encoder_create(config.sample_rate, config.channels,
                          config.voip ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO, &err));
  if (err != OPUS_OK || !enc) return wire::Error{wire::Errc::kInvalidValue, "opus_encoder_create failed"};
  if (opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(config.bitrate)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_INBAND_FEC(config.inband_fec ? 1 : 0)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_PACKET_LOSS_PERC(config.expected_loss_pct)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_COMPLEXITY(config.complexity)) != OPUS_OK)
    return wire::Error{wire::Errc::kInvalidValue, "opus_encoder_ctl rejected a setting"};
  return OpusPacketEncoder(std::move(enc), config);
}

wire::Result<std::vector<std::uint8_t>> OpusPacketEncoder::encode(std::span<const std::int16_t> pcm) {
  const auto expected = static_cast<std::size_t>(config_.frame_samples) * static_cast<std::size_t>(config_.channels);
  if (pcm.size() != expected) return wire::Error{wire::Errc::kInvalidValue, "PCM is not exactly one frame"};
  std::vector<std::uint8_t> out(kMaxPacketBytes);
  const opus_int32 n = opus_encode(enc_.get(), pcm.data(), config_.frame_samples, out.data(), kMaxPacketBytes);
  if (n < 0) return wire::Error{wire::Errc::kInvalidValue, "opus_encode failed"};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool opus_packet_may_have_fec(std::span<const std::uint8_t> packet) noexcept {
  if (packet.empty()) return false;
  // TOC configs 0–11 are SILK-only and 12–15 hybrid; both carry SILK's LBRR (FEC) frames.
  return (packet[0] >> 3) < 16;
}

OpusConcealingDecoder::OpusConcealingDecoder(int sample_rate, int channels, int frame_samples)
    : sample_rate_(sample_rate), channels_(channels), frame_samples_(frame_samples) {
  const auto bytes = static_cast<std::size_t>(opus_decoder_get_size(channels));
  storage_.resize((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
}

OpusConcealingDecoder::OpusConcealingDecoder(const OpusConcealingDecoder& other) = default;
OpusConcealingDecoder& OpusConcealingDecoder::operator=(const OpusConcealingDecoder& other) = default;

OpusDecoder* OpusConcealingDecoder::state() noexcept { return reinterpret_cast<OpusDecoder*>(storage_.data()); }

wire::Result<OpusConcealingDecoder> OpusConcealingDecoder::create(int sample_rate, int channels, int frame_samples) {
  if (!valid_rate(sample_rate) || (channels != 1 && channels != 2) || !valid_frame(sample_rate, frame_samples))
    return wire::Error{wire::Errc::kInvalidValue, "unsupported Opus rate, channels or frame size"};
  OpusConcealingDecoder d(sample_rate, channels, frame_samples);
  if (opus_decoder_init(d.state(), sample_rate, channels) != OPUS_OK)
    return wire::Error{wire::Errc::kInvalidValue, "opus_decoder_init failed"};
  return d;
}

wire::Result<AudioFrame> OpusConcealingDecoder::decode(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return wire::Error{wire::Errc::kInvalidValue, "empty Opus packet"};
  const auto len = static_cast<opus_int32>(packet.size());
  const int n = opus_packet_get_nb_samples(packet.data(), len, sample_rate_);
  if (n < 0) return wire::Error{wire::Errc::kInvalidValue, "malformed Opus packet"};
  if (n != frame_samples_) return wire::Error{wire::Errc::kInvalidValue, "Opus packet duration differs from the track's frame"};
  AudioFrame out;
  out.pcm.resize(static_cast<std::size_t>(frame_samples_) * static_cast<std::size_t>(channels_));
  const int got = opus_decode(state(), packet.data(), len, out.pcm.data(), frame_samples_, 0);
  if (got != frame_samples_) return wire::Error{wire::Errc::kInvalidValue, "opus_decode failed"};
  out.source = AudioSource::kDecoded;
  return out;
}

wire::Result<AudioFrame> OpusConcealingDecoder::conceal(std::span<const std::uint8_t> next_packet) {
  AudioFrame out;
  out.pcm.resize(static_cast<std::size_t>(frame_samples_) * static_cast<std::size_t>(channels_));
  ++concealed_;
  if (opus_packet_may_have_fec(next_packet) &&
      opus_packet_get_nb_samples(next_packet.data(), static_cast<opus_int32>(next_packet.size()), sample_rate_) > 0) {
    // A failed FEC decode leaves the state as it was, so PLC below is still correct.
    const int got = opus_decode(state(), next_packet.data(), static_cast<opus_int32>(next_packet.size()),
                                out.pcm.data(), frame_samples_, 1);
    if (got == frame_samples_) {
      out.source = AudioSource::kFec;
      return out;
    }
  }
  const int got = opus_decode(state(), nullptr, 0, out.pcm.data(), frame_samples_, 0);
  if (got != frame_samples_) return wire::Error{wire::Errc::kInvalidValue, "Opus concealment failed"};
  out.source = AudioSource::kPlc;
  return out;
}

}  // namespace kinetic::mock
