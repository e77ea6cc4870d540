// The CPU video conjecture engine: pyramid, hierarchical motion search, median smoothing,
// confidence, forward warp. Exposed beyond the VideoConjecturer interface so tests can read
// the motion field and compare it with the CUDA engine's.
#pragma once

#include <cstdint>
#include <vector>

#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/mock/video_motion_estimation.hpp"
#include "kinetic/mock/video_motion_field.hpp"
#include "kinetic/mock/video_pyramid.hpp"

namespace kinetic::mock {

class CpuVideoConjecturer final : public VideoConjecturer {
 public:
  explicit CpuVideoConjecturer(const VideoConjectureConfig& config);

  void push_real(const Frame& frame) override;
  Conjecture predict(int k) override;
  void reset() override;
  [[nodiscard]] std::string_view backend() const override { return "cpu"; }

  // The smoothed field and the raw search result between the two newest frames; nullptr
  // while fewer than two frames of one size have been pushed.
  const video::MotionField* motion_field();
  const video::MotionField* raw_motion_field();
  // Confidence of the newest pair (0 without one).
  float confidence();
  // Frames push_real refused (odd or empty size, planes of the wrong length, too large).
  [[nodiscard]] std::uint64_t rejected_frames() const noexcept { return rejected_; }

 private:
  bool ensure_field();
  Conjecture freeze(int k, float confidence) const;

  VideoConjectureConfig config_;
  video::VideoParams params_;
  video::MotionEstimator estimator_;
  Frame newest_;
  std::int64_t previous_pts_ = 0;
  bool has_previous_ = false;
  video::Pyramid newest_pyramid_;
  video::Pyramid previous_pyramid_;
  video::MotionField raw_;
  video::MotionField smooth_;
  float confidence_ = 0.0f;
  bool field_ready_ = false;
  std::vector<std::uint32_t> keys_;
  std::uint64_t rejected_ = 0;
};

}  // namespace kinetic::mock
