// Hedging a prediction as it reaches further: the conjecture k intervals past the newest real
// frame is blended toward that real frame with weight w = w1 · confidence^γ · exp(−(k − 1) / horizon)
// on the prediction. Extrapolated motion goes wrong more often the further it runs (objects stop,
// turn, occlude), and where a prediction and the freeze err independently their mean has the
// smaller squared error. Wraps any engine (CPU or CUDA), so both paths hedge alike.
#pragma once

#include <memory>

#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/mock/video_conjecture_blend_config.hpp"

namespace kinetic::mock {


// Weight of the prediction (0..1) k >= 1 intervals ahead, given the engine's confidence.
double blend_weight(const BlendConfig& config, int k, float confidence) noexcept;

// out = w · prediction + (1 − w) · real, per plane, rounded; frames of one size.
void blend_frames(const Frame& prediction, const Frame& real, double w, Frame& out);

std::unique_ptr<VideoConjecturer> make_blending_conjecturer(std::unique_ptr<VideoConjecturer> inner,
                                                            const BlendConfig& config = {});

}  // namespace kinetic::mock
