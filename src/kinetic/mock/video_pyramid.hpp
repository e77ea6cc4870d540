// The luma pyramid both motion searches walk: level 0 is the picture, each further level a
// 2x2 box average of the one before (rounding and edges as in video_algorithm.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kinetic::mock::video {

struct Plane {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> px;  // stride == width

  [[nodiscard]] const std::uint8_t* row(int y) const noexcept {
    return px.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width);
  }
  [[nodiscard]] std::uint8_t at(int x, int y) const noexcept { return row(y)[x]; }
};

struct Pyramid {
  std::vector<Plane> levels;  // levels[0] is full resolution
};

// Half-size 2x2 box average of `src` into `dst` (resized as needed).
void downsample(const Plane& src, Plane& dst);

// Rebuilds `out` from a luma plane, reusing its storage. `levels` is the number wanted; the
// count built follows pyramid_level_count.
void build_pyramid(std::span<const std::uint8_t> luma, int width, int height, int levels, Pyramid& out);

}  // namespace kinetic::mock::video
