#include "kinetic/mock/video_pyramid.hpp"

#include <algorithm>

#include "kinetic/mock/video_algorithm.hpp"

namespace kinetic::mock::video {

void downsample(const Plane& src, Plane& dst) {
  dst.width = next_level_side(src.width);
  dst.height = next_level_side(src.height);
  dst.px.resize(static_cast<std::size_t>(dst.width) * static_cast<std::size_t>(dst.height));
  const int sw = src.width;
  const int full_w = sw / 2;  // output columns whose two sources both exist
  for (int y = 0; y < dst.height; ++y) {
    const int y0 = 2 * y;
    const int y1 = std::min(y0 + 1, src.height - 1);
    const std::uint8_t* r0 = src.row(y0);
    const std::uint8_t* r1 = src.row(y1);
    std::uint8_t* out = dst.px.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(dst.width);
    // Same arithmetic as downsample_pixel, written as a loop the compiler can vectorise.
    for (int x = 0; x < full_w; ++x) {
      const int sum = r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
      out[x] = static_cast<std::uint8_t>((sum + 2) >> 2);
    }
    for (int x = full_w; x < dst.width; ++x) out[x] = downsample_pixel(src.px.data(), sw, src.height, x, y);
  }
}

void build_pyramid(std::span<const std::uint8_t> luma, int width, int height, int levels, Pyramid& out) {
  const int count = pyramid_level_count(width, height, levels);
  out.levels.resize(static_cast<std::size_t>(count));
  Plane& base = out.levels[0];
  base.width = width;
  base.height = height;
  base.px.assign(luma.begin(), luma.end());
  for (std::size_t l = 1; l < out.levels.size(); ++l) downsample(out.levels[l - 1], out.levels[l]);
}

}  // namespace kinetic::mock::video
