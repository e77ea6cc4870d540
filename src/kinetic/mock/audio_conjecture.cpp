#include "kinetic/mock/audio_conjecture.hpp"

#include <opus/opus.h>

#include <algorithm>
#include <cmath>

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

std::int16_t saturate_s16(double v) noexcept {
  return static_cast<std::int16_t>(std::lround(std::clamp(v, -32768.0, 32767.0)));
}

}  // namespace

void OpusPacketEncoder::Free::operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }

OpusPacketEncoder::~OpusPacketEncoder() = default;

Result<OpusPacketEncoder> OpusPacketEncoder::create(const OpusEncoderConfig& config) {
  if (!valid_rate(config.sample_rate) || (config.channels != 1 && config.channels != 2) ||
      !valid_frame(config.sample_rate, config.frame_samples))
    return Error{Errc::kInvalidValue, "unsupported Opus rate, channels or frame size"};
  if (config.expected_loss_pct < 0 || config.expected_loss_pct > 100 || config.complexity < 0 ||
      config.complexity > 10 || config.bitrate < 500)
    return Error{Errc::kInvalidValue, "Opus encoder setting out of range"};
  int err = OPUS_OK;
  std::unique_ptr<OpusEncoder, Free> enc(
      opus_encoder_create(config.sample_rate, config.channels,
                          config.voip ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO, &err));
  if (err != OPUS_OK || !enc) return Error{Errc::kInvalidValue, "opus_encoder_create failed"};
  if (opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(config.bitrate)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_INBAND_FEC(config.inband_fec ? 1 : 0)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_PACKET_LOSS_PERC(config.expected_loss_pct)) != OPUS_OK ||
      opus_encoder_ctl(enc.get(), OPUS_SET_COMPLEXITY(config.complexity)) != OPUS_OK)
    return Error{Errc::kInvalidValue, "opus_encoder_ctl rejected a setting"};
  return OpusPacketEncoder(std::move(enc), config);
}

Result<std::vector<std::uint8_t>> OpusPacketEncoder::encode(std::span<const std::int16_t> pcm) {
  const auto expected = static_cast<std::size_t>(config_.frame_samples) * static_cast<std::size_t>(config_.channels);
  if (pcm.size() != expected) return Error{Errc::kInvalidValue, "PCM is not exactly one frame"};
  std::vector<std::uint8_t> out(kMaxPacketBytes);
  const opus_int32 n = opus_encode(enc_.get(), pcm.data(), config_.frame_samples, out.data(), kMaxPacketBytes);
  if (n < 0) return Error{Errc::kInvalidValue, "opus_encode failed"};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool opus_packet_may_have_fec(std::span<const std::uint8_t> packet) noexcept {
  if (packet.empty()) return false;
  // TOC configs 0–11 are SILK-only and 12–15 hybrid; both carry SILK's LBRR (FEC) frames.
  return (packet[0] >> 3) < 16;
}

OpusConcealingDecoder::OpusConcealingDecoder(int sample_rate, int channels, int frame_samples,
                                             const OpusConcealmentConfig& config)
    : fit_(config.forgetting, config.fit_scale),
      repeater_(sample_rate, channels),
      sample_rate_(sample_rate),
      channels_(channels),
      frame_samples_(frame_samples),
      config_(config) {
  const auto bytes = static_cast<std::size_t>(opus_decoder_get_size(channels));
  storage_.resize((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
  scratch_.resize(storage_.size());
  trial_pcm_.resize(static_cast<std::size_t>(frame_samples) * static_cast<std::size_t>(channels));
  repeat_pcm_.resize(trial_pcm_.size());
}

OpusConcealingDecoder::OpusConcealingDecoder(const OpusConcealingDecoder& other) = default;
OpusConcealingDecoder& OpusConcealingDecoder::operator=(const OpusConcealingDecoder& other) = default;

OpusDecoder* OpusConcealingDecoder::state(Storage& s) noexcept { return reinterpret_cast<OpusDecoder*>(s.data()); }

Result<OpusConcealingDecoder> OpusConcealingDecoder::create(int sample_rate, int channels, int frame_samples,
                                                                  const OpusConcealmentConfig& config) {
  if (!valid_rate(sample_rate) || (channels != 1 && channels != 2) || !valid_frame(sample_rate, frame_samples))
    return Error{Errc::kInvalidValue, "unsupported Opus rate, channels or frame size"};
  if (!(config.forgetting > 0.0 && config.forgetting <= 1.0) || !(config.burst_decay >= 0.0 && config.burst_decay <= 1.0) ||
      !(config.fit_scale >= 0.0 && config.fit_scale <= 2.0))
    return Error{Errc::kInvalidValue,
                       "Opus concealment: forgetting outside (0, 1], burst decay outside [0, 1] or fit scale outside [0, 2]"};
  OpusConcealingDecoder d(sample_rate, channels, frame_samples, config);
  if (opus_decoder_init(d.state(), sample_rate, channels) != OPUS_OK)
    return Error{Errc::kInvalidValue, "opus_decoder_init failed"};
  return d;
}

ConcealmentWeights OpusConcealingDecoder::weights(int segment) const noexcept {
  if (!config_.learned_gain) return {};
  return fit_.weights(segment);
}

double OpusConcealingDecoder::plc_gain() const noexcept {
  double sum = 0.0;
  for (int s = 0; s < kConcealmentSegments; ++s) sum += weights(s).plc;
  return sum / kConcealmentSegments;
}

ConcealmentWeights OpusConcealingDecoder::mix(std::span<std::int16_t> pcm, std::span<const std::int16_t> repeat,
                                              const Weights& w) noexcept {
  const ConcealmentWeights from = last_weights_;
  last_weights_ = w.back();
  const auto ch = static_cast<std::size_t>(channels_);
  const double seg = static_cast<double>(frame_samples_) / kConcealmentSegments;
  ConcealmentWeights mean{0.0, 0.0};
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    // Position in segment-centre units: 0 at the first centre, kConcealmentSegments − 1 at the last.
    const double x = (static_cast<double>(i / ch) + 0.5) / seg - 0.5;
    ConcealmentWeights g;
    if (x < 0.0) {
      const double t = (x + 0.5) / 0.5;
      g = {from.plc + (w[0].plc - from.plc) * t, from.repeat + (w[0].repeat - from.repeat) * t};
    } else if (x >= kConcealmentSegments - 1) {
      g = w.back();
    } else {
      const auto k = static_cast<std::size_t>(x);
      const double t = x - static_cast<double>(k);
      g = {w[k].plc + (w[k + 1].plc - w[k].plc) * t, w[k].repeat + (w[k + 1].repeat - w[k].repeat) * t};
    }
    mean.plc += g.plc;
    mean.repeat += g.repeat;
    pcm[i] = saturate_s16(pcm[i] * g.plc + repeat[i] * g.repeat);
  }
  const auto n = static_cast<double>(pcm.size());
  return {mean.plc / n, mean.repeat / n};
}

void OpusConcealingDecoder::blend_in(std::span<std::int16_t> pcm) {
  const ConcealmentWeights from = last_weights_;
  last_weights_ = {};
  if (from.plc == 1.0 && from.repeat == 0.0) return;
  // The decode continues libopus's PLC smoothly, so the PLC share of the gap's mix is the
  // decode itself; the repetition share fades out along its own continuation.
  repeater_.predict(repeat_pcm_);
  const auto ch = static_cast<std::size_t>(channels_);
  const auto ramp = static_cast<std::size_t>(frame_samples_ / kConcealmentSegments);
  for (std::size_t i = 0; i < ramp * ch && i < pcm.size(); ++i) {
    const double t = (static_cast<double>(i / ch) + 0.5) / static_cast<double>(ramp);
    pcm[i] = saturate_s16(pcm[i] * (t + (1.0 - t) * from.plc) + (1.0 - t) * from.repeat * repeat_pcm_[i]);
  }
}

Result<AudioFrame> OpusConcealingDecoder::decode(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return Error{Errc::kInvalidValue, "empty Opus packet"};
  const auto len = static_cast<opus_int32>(packet.size());
  const int n = opus_packet_get_nb_samples(packet.data(), len, sample_rate_);
  if (n < 0) return Error{Errc::kInvalidValue, "malformed Opus packet"};
  if (n != frame_samples_) return Error{Errc::kInvalidValue, "Opus packet duration differs from the track's frame"};
  AudioFrame out;
  out.pcm.resize(static_cast<std::size_t>(frame_samples_) * static_cast<std::size_t>(channels_));
  // What PLC would have made of this slot, from the state before it; scored once the real
  // decode is in. (The repetition's guess needs no state: it is taken after the decode.)
  bool trial = false;
  if (config_.learned_gain) {
    std::copy(storage_.begin(), storage_.end(), scratch_.begin());
    trial = opus_decode(state(scratch_), nullptr, 0, trial_pcm_.data(), frame_samples_, 0) == frame_samples_;
  }
  const int got = opus_decode(state(), packet.data(), len, out.pcm.data(), frame_samples_, 0);
  if (got != frame_samples_) return Error{Errc::kInvalidValue, "opus_decode failed"};
  blend_in(out.pcm);
  if (trial) {
    repeater_.start();
    repeater_.predict(repeat_pcm_);
    fit_.learn(out.pcm, trial_pcm_, repeat_pcm_);
  }
  repeater_.remember(out.pcm);
  lost_in_a_row_ = 0;
  out.source = AudioSource::kDecoded;
  return out;
}

Result<AudioFrame> OpusConcealingDecoder::conceal(std::span<const std::uint8_t> next_packet) {
  AudioFrame out;
  out.pcm.resize(static_cast<std::size_t>(frame_samples_) * static_cast<std::size_t>(channels_));
  ++concealed_;
  ++lost_in_a_row_;
  bool plc_done = false;
  if (opus_packet_may_have_fec(next_packet) &&
      opus_packet_get_nb_samples(next_packet.data(), static_cast<opus_int32>(next_packet.size()), sample_rate_) > 0) {
    // FEC is decoded on the scratch state so that, when the packet turns out to carry no
    // redundancy, the real state can run plain PLC instead. A failed FEC decode changes nothing.
    std::copy(storage_.begin(), storage_.end(), scratch_.begin());
    const int got = opus_decode(state(scratch_), next_packet.data(), static_cast<opus_int32>(next_packet.size()),
                                out.pcm.data(), frame_samples_, 1);
    if (got == frame_samples_) {
      bool recovered = true;
      if (config_.verify_fec) {
        // Without redundancy libopus's FEC path is its PLC, sample for sample.
        if (opus_decode(state(), nullptr, 0, trial_pcm_.data(), frame_samples_, 0) != frame_samples_)
          return Error{Errc::kInvalidValue, "Opus concealment failed"};
        plc_done = true;
        recovered = !std::equal(out.pcm.begin(), out.pcm.end(), trial_pcm_.begin());
      }
      if (recovered) {
        storage_.swap(scratch_);
        blend_in(out.pcm);
        repeater_.remember(out.pcm);
        lost_in_a_row_ = 0;
        out.source = AudioSource::kFec;
        return out;
      }
      std::copy(trial_pcm_.begin(), trial_pcm_.end(), out.pcm.begin());
    }
  }
  if (!plc_done && opus_decode(state(), nullptr, 0, out.pcm.data(), frame_samples_, 0) != frame_samples_)
    return Error{Errc::kInvalidValue, "Opus concealment failed"};
  out.source = AudioSource::kPlc;
  if (!config_.learned_gain) {
    repeater_.remember(out.pcm);
    return out;
  }
  // The repetition continues one waveform through a burst, from the cycle found before it.
  if (lost_in_a_row_ == 1) repeater_.start();
  repeater_.predict(repeat_pcm_);
  Weights w{};
  const double decay = std::pow(config_.burst_decay, lost_in_a_row_ - 1);
  for (int k = 0; k < kConcealmentSegments; ++k) {
    // Deeper in a burst both predictors continue their own output; the end of the first
    // frame is the best evidence of how far they have drifted by then.
    const ConcealmentWeights c = lost_in_a_row_ == 1 ? weights(k) : weights(kConcealmentSegments - 1);
    w[static_cast<std::size_t>(k)] = {c.plc * decay, c.repeat * decay};
  }
  const ConcealmentWeights mean = mix(out.pcm, repeat_pcm_, w);
  out.gain = mean.plc;
  out.repeat = mean.repeat;
  repeater_.remember(out.pcm);
  return out;
}

}  // namespace kinetic::mock
