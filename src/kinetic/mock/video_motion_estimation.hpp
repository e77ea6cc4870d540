// Hierarchical block motion estimation between the previous and the newest real frame:
// full search at the coarsest pyramid level, refinement around the upscaled vector at each
// finer one, candidates ordered by candidate_key (video_algorithm.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "kinetic/mock/video_algorithm.hpp"
#include "kinetic/mock/video_motion_field.hpp"
#include "kinetic/mock/video_pyramid.hpp"

namespace kinetic::mock::video {

// SAD of the `bw` x `bh` block at (x0, y0) of `cur` against `ref` displaced by (dx, dy),
// reference coordinates clamped to the picture. Stops once the sum exceeds `limit` (the
// value returned is then some partial sum > limit), which never changes which candidate wins.
std::uint32_t block_sad(const Plane& cur, const Plane& ref, int x0, int y0, int bw, int bh, int dx, int dy,
                        std::uint32_t limit, std::uint8_t* scratch) noexcept;

class MotionEstimator {
 public:
  explicit MotionEstimator(VideoParams params) : params_(params) {}

  // Motion of `cur` relative to `prev` (same level count and sizes) into `out`, blocks of
  // params.block_size at level 0; `out.cost` holds each block's SAD at full resolution.
  void estimate(const Pyramid& cur, const Pyramid& prev, MotionField& out);

  // Recomputes every block's full-resolution SAD at its (possibly smoothed) vector.
  void compute_costs(const Plane& cur, const Plane& prev, MotionField& field);

  // The field found at pyramid level `level` by the last estimate (level 0 is `out`).
  [[nodiscard]] const MotionField& level_field(std::size_t level) const { return levels_.at(level); }

 private:
  void search_level(const Plane& cur, const Plane& prev, const MotionField* parent, int radius, MotionField& out);

  VideoParams params_;
  std::vector<MotionField> levels_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace kinetic::mock::video
