// Frequency-weighted segmental SNR (fwSNRseg, Hu & Loizou, "Evaluation of objective quality
// measures for speech enhancement", IEEE TASLP 16(1), 2008), the perceptual audio score
// reported beside the waveform SNR.
//
// Why this measure: waveform SNR punishes a concealment that has the right spectrum but not
// the exact phase as hard as noise, so it prefers silence to a plausible continuation, which
// is not how a listener hears a gap. fwSNRseg compares critical-band magnitude spectra frame
// by frame, weights each band by the reference's loudness there (W = X^0.2), and clamps each
// frame to [-10, 35] dB; in the paper it tracks listeners' overall quality ratings far better
// than SNR or segmental SNR. Silence scores exactly 0 dB on every frame (X − 0 = X), so a
// positive score means the gap sounds closer to the original than a dropout.
//
// As published the bands are 25 Gaussian-shaped critical-band filters for 8 kHz speech; here
// they are rectangular one-Bark bands (Zwicker's Bark formula) up to 20 kHz or Nyquist, so
// full-band music is scored as well. Frames are 30 ms, Hann-windowed, hopped by a quarter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/base/result.hpp"

struct AVTXContext;

namespace kinetic::mock {

inline constexpr double kFwSnrSegMinDb = -10.0;
inline constexpr double kFwSnrSegMaxDb = 35.0;

class FwSnrSeg {
 public:
  static Result<FwSnrSeg> create(int sample_rate);
  FwSnrSeg(FwSnrSeg&&) noexcept;
  FwSnrSeg& operator=(FwSnrSeg&&) noexcept;
  ~FwSnrSeg();

  // One score per frame of mono `test` against `reference` (same length): frame i covers
  // samples [i·hop, i·hop + frame_length). A frame whose reference is below -70 dBFS has no
  // score (nullopt): there is no spectrum to match, and both silence and concealment are
  // equally right there.
  Result<std::vector<std::optional<double>>> frames(std::span<const std::int16_t> reference,
                                                          std::span<const std::int16_t> test);

  [[nodiscard]] std::size_t frame_length() const noexcept { return frame_; }
  [[nodiscard]] std::size_t hop() const noexcept { return frame_ / 4; }
  [[nodiscard]] std::size_t bands() const noexcept { return band_first_bin_.size() - 1; }

 private:
  struct TxFree { void operator()(AVTXContext* c) const noexcept; };
  // libavutil's transforms use SIMD loads that need av_malloc's alignment.
  struct AvFree { void operator()(float* p) const noexcept; };
  FwSnrSeg() = default;
  void band_magnitudes(std::span<const std::int16_t> samples, std::vector<double>& out);

  std::size_t frame_ = 0;
  std::size_t fft_ = 0;
  std::unique_ptr<AVTXContext, TxFree> tx_;
  void (*fn_)(AVTXContext*, void*, void*, std::ptrdiff_t) = nullptr;
  std::vector<float> window_;
  std::unique_ptr<float, AvFree> in_;        // fft_ samples (+2 spare)
  std::unique_ptr<float, AvFree> spectrum_;  // fft_/2 + 1 complex values, interleaved
  std::vector<std::size_t> band_first_bin_;  // band b is bins [first[b], first[b+1])
};

// Mean of the scores whose frame centre lies in a sample range flagged in `in_range` (one flag
// per sample of the scored stream); nullopt when no scored frame qualifies.
std::optional<double> mean_fwsnrseg(std::span<const std::optional<double>> scores, std::size_t frame_length,
                                    std::size_t hop, std::span<const std::uint8_t> in_range);

}  // namespace kinetic::mock
