#include "kinetic/mock/video_conjecture_cpu.hpp"

#include <algorithm>
#include <utility>

#include "kinetic/mock/video_conjecture_blend.hpp"
#include "kinetic/mock/video_conjecture_gap.hpp"
#include "kinetic/mock/video_frame_check.hpp"
#include "kinetic/mock/video_warp.hpp"

#if defined(KINETIC_HAVE_CUDA)
#include "kinetic/mock/cuda/video_conjecture_cuda.hpp"
#endif

namespace kinetic::mock {

CpuVideoConjecturer::CpuVideoConjecturer(const VideoConjectureConfig& config)
    : config_(config),
      params_(video::clamp_params(config.block_size, config.search_radius, config.pyramid_levels)),
      estimator_(params_) {}

void CpuVideoConjecturer::push_real(const Frame& frame) {
  if (!video::acceptable_frame(frame)) {
    ++rejected_;
    return;
  }
  has_previous_ = !newest_.empty() && newest_.same_size(frame);
  if (has_previous_) {
    std::swap(previous_pyramid_, newest_pyramid_);
    previous_pts_ = newest_.pts_us;
  }
  newest_ = frame;
  video::build_pyramid(newest_.y, newest_.width, newest_.height, params_.pyramid_levels, newest_pyramid_);
  field_ready_ = false;
}

void CpuVideoConjecturer::reset() {
  newest_ = Frame{};
  has_previous_ = false;
  field_ready_ = false;
  confidence_ = 0.0f;
}

bool CpuVideoConjecturer::ensure_field() {
  if (!has_previous_) return false;
  if (field_ready_) return true;
  estimator_.estimate(newest_pyramid_, previous_pyramid_, raw_);
  const int kept = video::smooth_motion_field(raw_, smooth_);
  estimator_.compute_costs(newest_pyramid_.levels[0], previous_pyramid_.levels[0], smooth_);

  video::MotionStats stats;
  for (const std::uint32_t c : smooth_.cost) stats.residual_sum += c;
  stats.pixels = static_cast<std::uint64_t>(newest_.width) * static_cast<std::uint64_t>(newest_.height);
  video::add_texture(newest_.y.data(), newest_.width, newest_.height, stats);
  stats.coherent_blocks = static_cast<std::uint64_t>(kept);
  stats.blocks = smooth_.size();
  confidence_ = video::motion_confidence(stats);
  field_ready_ = true;
  return true;
}

const video::MotionField* CpuVideoConjecturer::motion_field() { return ensure_field() ? &smooth_ : nullptr; }
const video::MotionField* CpuVideoConjecturer::raw_motion_field() { return ensure_field() ? &raw_ : nullptr; }
float CpuVideoConjecturer::confidence() { return ensure_field() ? confidence_ : 0.0f; }

Conjecture CpuVideoConjecturer::freeze(int k, float confidence) const {
  Conjecture c;
  c.frame = newest_;
  c.frame.pts_us = video::predicted_pts(newest_.pts_us, previous_pts_, has_previous_, k);
  c.confidence = confidence;
  c.fell_back = true;
  return c;
}

Conjecture CpuVideoConjecturer::predict(int k) {
  if (newest_.empty()) return Conjecture{Frame{}, 0.0f, true};
  if (k < 1 || !ensure_field()) return freeze(std::max(k, 0), 0.0f);
  k = std::min(k, video::kMaxPredictAhead);
  if (confidence_ < config_.min_confidence) return freeze(k, confidence_);
  Conjecture c;
  video::forward_warp(newest_, smooth_, k, keys_, c.frame);
  c.frame.pts_us = video::predicted_pts(newest_.pts_us, previous_pts_, has_previous_, k);
  c.confidence = confidence_;
  c.fell_back = false;
  return c;
}

std::unique_ptr<VideoConjecturer> make_cpu_video_conjecturer(const VideoConjectureConfig& config) {
  return std::make_unique<CpuVideoConjecturer>(config);
}

std::unique_ptr<VideoConjecturer> make_video_conjecturer(const VideoConjectureConfig& config, bool prefer_gpu) {
  std::unique_ptr<VideoConjecturer> engine;
#if defined(KINETIC_HAVE_CUDA)
  if (prefer_gpu && cuda::video_device_available()) engine = cuda::make_cuda_video_conjecturer(config);
#else
  (void)prefer_gpu;
#endif
  if (!engine) engine = make_cpu_video_conjecturer(config);
  if (config.scale_by_gap) engine = make_gap_scaled_conjecturer(std::move(engine));
  if (!config.blend.enabled()) return engine;
  return make_blending_conjecturer(std::move(engine), config.blend);
}

}  // namespace kinetic::mock
