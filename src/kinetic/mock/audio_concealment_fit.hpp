// How much of each audio predictor to play in a gap, learned from the packets that arrived.
//
// Why: PLC and pitch repetition are close for voiced speech and tones, but on noise-like
// sound (applause, drums, unvoiced speech) each is a plausible waveform uncorrelated with the
// lost one, which doubles the error energy that silence would leave. Before each real packet
// is played, both predictors are asked for it, so every arrival tells how well each would have
// done; the least-squares weights (α, β) of ŝ = α·plc + β·repeat over recent packets minimise
// the expected error of the next conjecture, and fall toward zero (silence) on a signal that
// neither can predict. It is the reconciliation of audio: each real object corrects how the
// next conjecture is made. Weights are fitted per segment of the frame, since both predictors
// are close at the start of a gap and drift later.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace kinetic::mock {

// 2.5 ms segments of a 20 ms frame.
inline constexpr int kConcealmentSegments = 8;

struct ConcealmentWeights {
  double plc = 1.0;
  double repeat = 0.0;
};

class ConcealmentFit {
 public:
  // `forgetting` per learned frame (0.95: about the last 20 frames); weights are the
  // least-squares ones times `scale` (see OpusConcealmentConfig::fit_scale), each clamped to [-1, 1].
  ConcealmentFit(double forgetting, double scale) : forgetting_(forgetting), scale_(scale) {}

  // One arrived frame and what each predictor said it would be (equal lengths, interleaved).
  void learn(std::span<const std::int16_t> real, std::span<const std::int16_t> plc,
             std::span<const std::int16_t> repeat) noexcept;

  // The weights for segment `segment` of a first lost frame: libopus's PLC alone (1, 0)
  // before any evidence.
  [[nodiscard]] ConcealmentWeights weights(int segment) const noexcept;

 private:
  struct Sums {
    double pp = 0, rr = 0, pr = 0, sp = 0, sr = 0;  // ⟨plc,plc⟩ ⟨rep,rep⟩ ⟨plc,rep⟩ ⟨real,plc⟩ ⟨real,rep⟩
  };
  double forgetting_;
  double scale_;
  std::array<Sums, kConcealmentSegments> sums_{};
};

}  // namespace kinetic::mock
