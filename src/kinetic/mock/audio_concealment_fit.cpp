#include "kinetic/mock/audio_concealment_fit.hpp"

#include <algorithm>

namespace kinetic::mock {

void ConcealmentFit::learn(std::span<const std::int16_t> real, std::span<const std::int16_t> plc,
                           std::span<const std::int16_t> repeat) noexcept {
  constexpr auto kSegments = static_cast<std::size_t>(kConcealmentSegments);
  for (std::size_t s = 0; s < kSegments; ++s) {
    Sums add;
    // Frames that do not split evenly (20 samples at 8 kHz, 2.5 ms) leave uneven segments.
    for (std::size_t i = s * real.size() / kSegments; i < (s + 1) * real.size() / kSegments; ++i) {
      const double x = real[i];
      const double p = plc[i];
      const double r = repeat[i];
      add.pp += p * p;
      add.rr += r * r;
      add.pr += p * r;
      add.sp += x * p;
      add.sr += x * r;
    }
    Sums& acc = sums_[s];
    acc.pp = forgetting_ * acc.pp + add.pp;
    acc.rr = forgetting_ * acc.rr + add.rr;
    acc.pr = forgetting_ * acc.pr + add.pr;
    acc.sp = forgetting_ * acc.sp + add.sp;
    acc.sr = forgetting_ * acc.sr + add.sr;
  }
}

ConcealmentWeights ConcealmentFit::weights(int segment) const noexcept {
  if (segment < 0 || segment >= kConcealmentSegments) return {};
  const Sums& s = sums_[static_cast<std::size_t>(segment)];
  if (s.pp <= 0.0 && s.rr <= 0.0) return {};
  // A small ridge keeps the 2×2 system solvable when the predictors coincide or one is silent.
  const double ridge = 1e-3 * (s.pp + s.rr) + 1.0;
  const double a = s.pp + ridge;
  const double d = s.rr + ridge;
  const double det = a * d - s.pr * s.pr;
  if (det <= 0.0) return {};
  const double plc = (s.sp * d - s.sr * s.pr) / det;
  const double repeat = (s.sr * a - s.sp * s.pr) / det;
  return {std::clamp(scale_ * plc, -1.0, 1.0), std::clamp(scale_ * repeat, -1.0, 1.0)};
}

}  // namespace kinetic::mock
