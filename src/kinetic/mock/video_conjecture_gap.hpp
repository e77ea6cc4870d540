// Motion scaled by the real timestamp gap. An engine measures motion between the two newest real
// frames it was given and extrapolates it per interval; when a frame between them never came,
// that motion spans several intervals, and predicting k intervals ahead with it overshoots by
// the gap. This wrapper rescales the horizon to k / gap (in the engine's own units) and, where
// that is less than one of them, cross-fades the one-step prediction with the newest real frame
// by the fraction. The frame interval is the smallest gap seen between pushed frames.
#pragma once

#include <memory>

#include "kinetic/mock/video_conjecture.hpp"

namespace kinetic::mock {

// The engine's horizon for a prediction `k` intervals past the newest frame when the newest two
// frames are `gap` intervals apart: k / gap, rounded; `fraction` gets the share of the one-step
// prediction to show when k / gap < 1 (1 otherwise).
int gap_scaled_horizon(int k, double gap, double& fraction) noexcept;

std::unique_ptr<VideoConjecturer> make_gap_scaled_conjecturer(std::unique_ptr<VideoConjecturer> inner);

}  // namespace kinetic::mock
