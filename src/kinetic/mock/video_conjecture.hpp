// The video conjecture engine: given the most recent real decoded frames, predict the
// frame `k` frame intervals after the newest one. The CPU path and the CUDA path implement
// the same interface and the same algorithm (motion vectors equal, pixels within ±1).
#pragma once

#include <memory>
#include <string_view>

#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/video_conjecture_blend_config.hpp"

namespace kinetic::mock {

struct VideoConjectureConfig {
  int block_size = 16;          // luma block of one motion vector
  int search_radius = 8;        // per pyramid level, in that level's pixels
  int pyramid_levels = 3;       // 1 = full resolution only
  float min_confidence = 0.35f; // below it the engine freezes the last frame instead
  // make_video_conjecturer hedges the engine's predictions toward the newest real frame, and
  // (scale_by_gap) scales motion measured across a missing frame down to one interval.
  BlendConfig blend;
  bool scale_by_gap = true;
};

struct Conjecture {
  Frame frame;              // the predicted picture
  float confidence = 0.0f;  // 0..1: how well the motion model explained the last interval
  bool fell_back = false;   // true when the last frame was repeated (low confidence, scene cut)
};

class VideoConjecturer {
 public:
  virtual ~VideoConjecturer() = default;
  // Feeds the next real decoded frame (in display order). Conjectures never come back
  // through here, so a prediction never becomes a reference for another.
  virtual void push_real(const Frame& frame) = 0;
  // Predicts the frame `k` >= 1 intervals after the newest real frame pushed.
  virtual Conjecture predict(int k) = 0;
  virtual void reset() = 0;
  [[nodiscard]] virtual std::string_view backend() const = 0;  // "cpu" or "cuda"
};

// The CPU engine always exists; make_video_conjecturer picks CUDA when it was built and a
// GPU is present, unless `prefer_gpu` is false, and wraps it in the blend (config.blend).
std::unique_ptr<VideoConjecturer> make_cpu_video_conjecturer(const VideoConjectureConfig& config = {});
std::unique_ptr<VideoConjecturer> make_video_conjecturer(const VideoConjectureConfig& config = {},
                                                         bool prefer_gpu = true);

}  // namespace kinetic::mock
