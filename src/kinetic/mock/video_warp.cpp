#include "kinetic/mock/video_warp.hpp"

#include <algorithm>

#include "kinetic/mock/video_algorithm.hpp"

namespace kinetic::mock::video {

WarpStats forward_warp(const Frame& newest, const MotionField& field, int k, std::vector<std::uint32_t>& keys,
                       Frame& out) {
  const int w = newest.width;
  const int h = newest.height;
  const auto uw = static_cast<std::size_t>(w);
  keys.assign(uw * static_cast<std::size_t>(h), kHoleKey);
  const int block = field.block_size;

  for (int by = 0; by < field.blocks_y; ++by) {
    const int y0 = by * block;
    const int bh = std::min(block, h - y0);
    for (int bx = 0; bx < field.blocks_x; ++bx) {
      const int x0 = bx * block;
      const int bw = std::min(block, w - x0);
      const Displacement d = extrapolate_block(field, bx, by, k);
      const auto bi = static_cast<std::size_t>(by) * static_cast<std::size_t>(field.blocks_x) + static_cast<std::size_t>(bx);
      // splat_key's priority part is the same for the whole block.
      const std::uint32_t prio = splat_key(field.cost[bi], bw * bh, 0);
      const int xs = std::max(x0, -d.x);
      const int xe = std::min(x0 + bw, w - d.x);
      if (xs >= xe) continue;
      for (int y = y0; y < y0 + bh; ++y) {
        const int yd = y + d.y;
        if (yd < 0 || yd >= h) continue;
        std::uint32_t* dst = keys.data() + static_cast<std::size_t>(yd) * uw;
        const std::uint32_t src_row = static_cast<std::uint32_t>(y) * static_cast<std::uint32_t>(w);
        for (int x = xs; x < xe; ++x) {
          const std::uint32_t key = prio | (src_row + static_cast<std::uint32_t>(x));
          std::uint32_t& slot = dst[x + d.x];
          slot = std::min(slot, key);
        }
      }
    }
  }

  if (!out.same_size(newest)) out = Frame(w, h);
  WarpStats stats;
  const std::size_t n = keys.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t key = keys[i];
    if (key == kHoleKey) {
      out.y[i] = newest.y[i];
      ++stats.holes;
    } else {
      out.y[i] = newest.y[key & kSplatIndexMask];
    }
  }
  const int cw = newest.chroma_width();
  const int ch = newest.chroma_height();
  const auto ucw = static_cast<std::size_t>(cw);
  // s / w as a multiply: with s < 2^23 and w < 2^13 the rounded-up 2^40 / w is exact.
  const std::uint64_t inverse_w = (std::uint64_t{1} << 40) / static_cast<std::uint64_t>(w) + 1;
  for (int cy = 0; cy < ch; ++cy) {
    for (int cx = 0; cx < cw; ++cx) {
      const std::size_t ci = static_cast<std::size_t>(cy) * ucw + static_cast<std::size_t>(cx);
      const std::uint32_t key = keys[static_cast<std::size_t>(2 * cy) * uw + static_cast<std::size_t>(2 * cx)];
      std::size_t src = ci;
      if (key != kHoleKey) {
        const std::uint32_t s = key & kSplatIndexMask;
        const auto sy = static_cast<std::uint32_t>((static_cast<std::uint64_t>(s) * inverse_w) >> 40);
        const std::uint32_t sx = s - sy * static_cast<std::uint32_t>(w);
        src = static_cast<std::size_t>(sy / 2) * ucw + static_cast<std::size_t>(sx / 2);
      }
      out.u[ci] = newest.u[src];
      out.v[ci] = newest.v[src];
    }
  }
  return stats;
}

}  // namespace kinetic::mock::video
