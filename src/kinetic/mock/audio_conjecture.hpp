// Audio conjecture with libopus. A missing packet is replaced by in-band FEC (the low-bitrate
// copy of packet n that the encoder put inside packet n+1) when packet n+1 is already here and
// really carries one, otherwise by a mix of libopus's packet-loss concealment and a repetition
// of the last pitch period, weighted by how well each predicted this signal's recent packets
// (audio_concealment_fit.hpp). Either way exactly one frame of samples comes out, so the audio
// clock never slips, and the next real packet decodes normally because the decoder state ran
// through the gap (libopus PLC always runs on the state; the mix only changes what is played).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kinetic/mock/audio_concealment_fit.hpp"
#include "kinetic/mock/audio_pitch_repeat.hpp"
#include "kinetic/base/result.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace kinetic::mock {

// How the decoder fills a missing packet beyond what libopus does by itself.
struct OpusConcealmentConfig {
  // Mix PLC and pitch repetition by the weights their predictions of arrived packets earned.
  // False: libopus's PLC as it comes.
  bool learned_gain = true;
  double forgetting = 0.99;  // per decoded packet: the weights follow about the last 100 packets (2 s)
  // The weights are fit_scale times the least-squares ones. 1 minimises the expected waveform
  // error; any value below 2 still keeps it below silence's (error ∝ 1 − 2gρ + g² for
  // correlation ρ), while leaving more of the predicted spectrum, which the ear wants.
  double fit_scale = 1.0;
  double burst_decay = 0.7;  // further factor per packet lost in a row, as predictions drift
  // Take FEC only when the packet carried redundancy for the one before. libopus answers a
  // FEC request on a packet without it by running PLC, so trusting the TOC byte alone counts
  // (and leaves unmixed) PLC frames as recovered ones. False: trust the TOC byte.
  bool verify_fec = true;
};

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
  static Result<OpusPacketEncoder> create(const OpusEncoderConfig& config = {});
  OpusPacketEncoder(OpusPacketEncoder&&) noexcept = default;
  OpusPacketEncoder& operator=(OpusPacketEncoder&&) noexcept = default;
  ~OpusPacketEncoder();

  // Encodes exactly frame_samples·channels interleaved samples into one packet.
  Result<std::vector<std::uint8_t>> encode(std::span<const std::int16_t> pcm);
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
  double gain = 1.0;    // mean weight of libopus's PLC in a concealed frame (1 for real and FEC frames)
  double repeat = 0.0;  // mean weight of the pitch repetition
};

// True when the packet's mode (SILK or hybrid, from its TOC byte) can carry in-band FEC for
// the packet before it; CELT-only packets never do. libopus 1.3 offers no cheaper exact test,
// and when the flag is set but the encoder sent no redundancy, libopus falls back to PLC.
bool opus_packet_may_have_fec(std::span<const std::uint8_t> packet) noexcept;

class OpusConcealingDecoder {
 public:
  static Result<OpusConcealingDecoder> create(int sample_rate = 48000, int channels = 1,
                                                    int frame_samples = 960,
                                                    const OpusConcealmentConfig& config = {});
  OpusConcealingDecoder(const OpusConcealingDecoder& other);
  OpusConcealingDecoder& operator=(const OpusConcealingDecoder& other);
  OpusConcealingDecoder(OpusConcealingDecoder&&) noexcept = default;
  OpusConcealingDecoder& operator=(OpusConcealingDecoder&&) noexcept = default;
  ~OpusConcealingDecoder() = default;

  // Decodes a real packet. A corrupt packet is an error and leaves the output clock unmoved
  // (the caller may conceal() that slot instead). With a learned gain, PLC is first run on a
  // copy of the state to score it against this packet.
  Result<AudioFrame> decode(std::span<const std::uint8_t> packet);

  // Fills the slot of a missing packet. `next_packet` is the packet after the gap when it is
  // already here: then FEC is used if that packet's mode may carry it. Output is always
  // exactly frame_samples per channel.
  Result<AudioFrame> conceal(std::span<const std::uint8_t> next_packet = {});

  // The weights segment `segment` (of kConcealmentSegments) of the next first lost frame of a
  // gap would get; libopus's PLC alone (1, 0) before any evidence or without a learned gain.
  [[nodiscard]] ConcealmentWeights weights(int segment) const noexcept;
  // The mean PLC weight over the segments.
  [[nodiscard]] double plc_gain() const noexcept;

  [[nodiscard]] int sample_rate() const noexcept { return sample_rate_; }
  [[nodiscard]] int channels() const noexcept { return channels_; }
  [[nodiscard]] int frame_samples() const noexcept { return frame_samples_; }
  [[nodiscard]] std::size_t concealed() const noexcept { return concealed_; }

 private:
  // libopus documents the decoder state as position independent, so a copy is a memcpy of
  // opus_decoder_get_size() bytes; that is how the timeline decodes a late packet against
  // the state the decoder had before the gap, to score the conjecture.
  using Storage = std::vector<std::max_align_t>;
  OpusConcealingDecoder(int sample_rate, int channels, int frame_samples, const OpusConcealmentConfig& config);
  [[nodiscard]] static OpusDecoder* state(Storage& s) noexcept;
  [[nodiscard]] OpusDecoder* state() noexcept { return state(storage_); }
  using Weights = std::array<ConcealmentWeights, kConcealmentSegments>;
  // Plays plc·w.plc + repeat·w.repeat with weights that start at last_weights_, pass through
  // weights[s] at the centre of segment s and hold the last to the end: no step (click) where
  // they change. Returns the mean weights.
  ConcealmentWeights mix(std::span<std::int16_t> pcm, std::span<const std::int16_t> repeat, const Weights& weights) noexcept;
  // After a gap, moves from the gap's mix back to the real decode over one segment.
  void blend_in(std::span<std::int16_t> pcm);
  Storage storage_;
  Storage scratch_;  // a second state for trial decodes, kept to avoid a fresh allocation each time
  std::vector<std::int16_t> trial_pcm_;
  std::vector<std::int16_t> repeat_pcm_;
  ConcealmentFit fit_;
  PitchRepeater repeater_;
  ConcealmentWeights last_weights_;  // at the end of the last frame played
  int lost_in_a_row_ = 0;
  int sample_rate_ = 48000;
  int channels_ = 1;
  int frame_samples_ = 960;
  std::size_t concealed_ = 0;
  OpusConcealmentConfig config_;
};

}  // namespace kinetic::mock
