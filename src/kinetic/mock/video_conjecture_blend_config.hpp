// How far a conjecture is hedged toward the newest real frame (see video_conjecture_blend.hpp).
#pragma once

namespace kinetic::mock {

// The defaults were chosen with `kinetic mock-eval --blend` on vtest and Megamind over the lte
// (seeds 1, 2), congested and wifi traces: 0.8 / 3 / 0 gained 0.1-0.5 dB over the unblended
// engine on every clip, trace and budget. Weighting by the engine's confidence (γ = 1) lost
// 0.2 dB on Megamind: below min_confidence the engine already freezes, and above it the
// confidence does not rank predictions well, so γ defaults to 0.
struct BlendConfig {
  double weight_at_1 = 0.8;      // w1: the prediction's share one interval ahead, at full confidence
  double horizon = 3.0;          // intervals over which that share falls by a factor e
  double confidence_power = 0.0; // γ: how much a shaky motion field leans toward the real frame
  [[nodiscard]] bool enabled() const noexcept { return weight_at_1 < 1.0 || horizon < 1e9 || confidence_power > 0; }
};

}  // namespace kinetic::mock
