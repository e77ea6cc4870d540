// A block motion field and what is derived from it: 3x3 vector-median smoothing,
// constant-velocity extrapolation and the confidence of the motion model.
#pragma once

#include <cstdint>
#include <vector>

#include "kinetic/mock/video_algorithm.hpp"

namespace kinetic::mock::video {

struct MotionField {
  int block_size = 0;
  int blocks_x = 0;
  int blocks_y = 0;
  std::vector<MotionVector> mv;   // raster order of blocks
  std::vector<std::uint32_t> cost;  // full-resolution SAD of each block at its vector

  [[nodiscard]] std::size_t size() const noexcept { return mv.size(); }
  [[nodiscard]] MotionVector at(int bx, int by) const noexcept {
    return mv[static_cast<std::size_t>(by) * static_cast<std::size_t>(blocks_x) + static_cast<std::size_t>(bx)];
  }
  void resize(int block, int bx, int by);
};

// 3x3 vector median of `in` into `out` (costs are left for the caller to recompute, since a
// replaced vector no longer has the cost it was found with). Returns how many blocks kept
// their vector.
int smooth_motion_field(const MotionField& in, MotionField& out);

// Displacement of the content of block (bx, by) `k` intervals after the newest frame.
struct Displacement {
  int x = 0;
  int y = 0;
};
[[nodiscard]] inline Displacement extrapolate_block(const MotionField& f, int bx, int by, int k) noexcept {
  const MotionVector v = f.at(bx, by);
  return {extrapolate(v.dx, k), extrapolate(v.dy, k)};
}

// What the confidence is made of; sums are integers so that both paths feed the same numbers.
struct MotionStats {
  std::uint64_t residual_sum = 0;  // sum of block costs (SAD) at full resolution
  std::uint64_t pixels = 0;
  std::uint64_t texture_sum = 0;   // sum of |horizontal| + |vertical| neighbour differences
  std::uint64_t texture_terms = 0;
  std::uint64_t coherent_blocks = 0;  // blocks the median left unchanged
  std::uint64_t blocks = 0;
};

// 0..1. The residual per pixel is compared with the picture's own texture (a residual as
// large as the neighbour differences means the motion explains nothing), then weighted by
// how coherent the field is (a scene cut gives scattered vectors).
[[nodiscard]] float motion_confidence(const MotionStats& s) noexcept;

// Sum of |a[i+1]-a[i]| along rows and |a[x,y+1]-a[x,y]| down columns of a plane.
void add_texture(const std::uint8_t* plane, int width, int height, MotionStats& s) noexcept;

}  // namespace kinetic::mock::video
