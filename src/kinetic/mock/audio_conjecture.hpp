// Audio conjecture with libopus. A missing packet is replaced by libopus's own concealment:
// in-band FEC (the low-bitrate copy of packet n that the encoder put inside packet n+1) when
// packet n+1 is already here, otherwise packet-loss concealment (decode with no data). Either
// way exactly one frame of samples comes out, so the audio clock never slips, and the next
// real packet decodes normally because the decoder state ran through the gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kinetic/wire/result.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace kinetic::mock {

struct OpusEncoderConfig {
  int sample_rate = 48000;      // 8000, 12000, 16000, 24000 or 48000
  int channels = 1;             // 1 or 2
  int frame_samples = 960;      // per channel: 2.5, 5, 10, 20, 40 or 60 ms at sample_rate
  int bitrate = 32000;          // bits per second
  bool voip = false;            // OPUS_APPLICATION_VOIP instead of _AUDIO
  bool inband_fec = true;       // OPUS_SET_INBAND_FEC
  int expected_loss_pct = 10;   // OPUS_SET_PACKET_LOSS_PERC: how much redundancy FEC carries
  int complexity = 10;
};

// Makes Opus packets (tests and the evaluation harness produce their tracks with it).
class OpusPacketEncoder {
 public:
  static wire::Result<OpusPacketEncoder> create(const OpusEncoderConfig& config = {});
  OpusPacketEncoder(OpusPacketEncoder&&) noexcept = default;
  OpusPacketEncoder& operator=(OpusPacketEncoder&&) noexcept = default;
  ~OpusPacketEncoder();

  // Encodes exactly frame_samples·channels interleaved samples into one packet.
  wire::Result<std::vector<std::uint8_t>> encode(std::span<const std::int16_t> pcm);
  [[nodiscard]] const OpusEncoderConfig& config() const noexcept { return config_; }

 private:
  struct Free { void operator()(OpusEncoder* e) const noexcept; };
  OpusPacketEncoder(std::unique_ptr<OpusEncoder, Free> enc, const OpusEncoderConfig& config)
      : enc_(std::move(enc)), config_(config) {}
  std::unique_ptr<OpusEncoder, Free> enc_;
  OpusEncoderConfig config_;
};

enum class AudioSource {
  kDecoded,  // a real packet
  kFec,      // rebuilt from the in-band FEC data of the following packet
  kPlc,      // libopus packet-loss concealment
};

struct AudioFrame {
  std::vector<std::int16_t> pcm;  // frame_samples · channels, interleaved
  AudioSource source = AudioSource::kDecoded;
};

// True when the packet's mode (SILK or hybrid, from its TOC byte) can carry in-band FEC for
// the packet before it; CELT-only packets never do. libopus 1.3 offers no cheaper exact test,
// and when the flag is set but the encoder sent no redundancy, libopus falls back to PLC.
bool opus_packet_may_have_fec(std::span<const std::uint8_t> packet) noexcept;

class OpusConcealingDecoder {
 public:
  static wire::Result<OpusConcealingDecoder> create(int sample_rate = 48000, int channels = 1,
                                                    int frame_samples = 960);
  OpusConcealingDecoder(const OpusConcealingDecoder& other);
  OpusConcealingDecoder& operator=(const OpusConcealingDecoder& other);
  OpusConcealingDecoder(OpusConcealingDecoder&&) noexcept = default;
  OpusConcealingDecoder& operator=(OpusConcealingDecoder&&) noexcept = default;
  ~OpusConcealingDecoder() = default;

  // Decodes a real packet. A corrupt packet is an error and leaves the output clock unmoved
  // (the caller may conceal() that slot instead).
  wire::Result<AudioFrame> decode(std::span<const std::uint8_t> packet);

  // Fills the slot of a missing packet. `next_packet` is the packet after the gap when it is
  // already here: then FEC is used if that packet's mode may carry it. Output is always
  // exactly frame_samples per channel.
  wire::Result<AudioFrame> conceal(std::span<const std::uint8_t> next_packet = {});

  [[nodiscard]] int sample_rate() const noexcept { return sample_rate_; }
  [[nodiscard]] int channels() const noexcept { return channels_; }
  [[nodiscard]] int frame_samples() const noexcept { return frame_samples_; }
  [[nodiscard]] std::size_t concealed() const noexcept { return concealed_; }

 private:
  // libopus documents the decoder state as position independent, so a copy is a memcpy of
  // opus_decoder_get_size() bytes; that is how the timeline decodes a late packet against
  // the state the decoder had before the gap, to score the conjecture.
  OpusConcealingDecoder(int sample_rate, int channels, int frame_samples);
  [[nodiscard]] OpusDecoder* state() noexcept;
  std::vector<std::max_align_t> storage_;
  int sample_rate_ = 48000;
  int channels_ = 1;
  int frame_samples_ = 960;
  std::size_t concealed_ = 0;
};

}  // namespace kinetic::mock
