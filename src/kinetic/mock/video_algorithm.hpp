// The exact integer arithmetic of the video conjecture, shared word for word by the CPU path
// and the CUDA kernels: compiled by g++ for the host and by nvcc for the device, so both
// paths round, order and break ties identically and their motion vectors agree exactly.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define KINETIC_HD __host__ __device__ __forceinline__
#else
#define KINETIC_HD inline
#endif

namespace kinetic::mock::video {

// Bounds keep every packed key below in range: with radius <= 24 and 5 levels a vector
// component stays within ±(24*16 + 2*15) < 512.
constexpr int kMinBlock = 4;
constexpr int kMaxBlock = 64;
constexpr int kMaxRadius = 24;
constexpr int kMaxLevels = 5;
constexpr int kRefineRadius = 2;   // search around the upscaled vector at finer levels
constexpr int kMaxVector = 511;
constexpr int kMaxPredictAhead = 64;
constexpr int kSplatIndexBits = 23;  // 3840x2160 = 8'294'400 < 2^23 source pixels
constexpr std::uint32_t kSplatIndexMask = (1u << kSplatIndexBits) - 1u;
constexpr std::uint32_t kHoleKey = 0xFFFFFFFFu;
constexpr std::int64_t kMaxPixels = (std::int64_t{1} << kSplatIndexBits) - 1;  // keeps every key below kHoleKey
constexpr int kMinLevelSide = 16;  // no pyramid level is made smaller than this

// One motion vector: block content at (x, y) of the newest frame was at (x + dx, y + dy) in
// the previous one, so the content moves by (-dx, -dy) per frame interval.
struct MotionVector {
  std::int16_t dx = 0;
  std::int16_t dy = 0;
};

KINETIC_HD bool operator==(MotionVector a, MotionVector b) { return a.dx == b.dx && a.dy == b.dy; }

KINETIC_HD int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
KINETIC_HD int abs_int(int v) { return v < 0 ? -v : v; }

// Configuration after clamping to the ranges the packed keys allow.
struct VideoParams {
  int block_size = 16;
  int search_radius = 8;
  int pyramid_levels = 3;
};

KINETIC_HD VideoParams clamp_params(int block_size, int search_radius, int pyramid_levels) {
  VideoParams p;
  p.block_size = clamp_int(block_size, kMinBlock, kMaxBlock);
  p.search_radius = clamp_int(search_radius, 1, kMaxRadius);
  p.pyramid_levels = clamp_int(pyramid_levels, 1, kMaxLevels);
  return p;
}

// Level l+1 is ceil(w/2) x ceil(h/2) of level l.
KINETIC_HD int next_level_side(int side) { return (side + 1) / 2; }

// Levels actually built for a picture: as many as asked, while the next level keeps both
// sides at least kMinLevelSide.
KINETIC_HD int pyramid_level_count(int width, int height, int wanted) {
  int levels = 1;
  while (levels < wanted) {
    width = next_level_side(width);
    height = next_level_side(height);
    if (width < kMinLevelSide || height < kMinLevelSide) break;
    ++levels;
  }
  return levels;
}

// 2x2 box average, rounding half up; the odd last row or column repeats itself.
KINETIC_HD std::uint8_t downsample_pixel(const std::uint8_t* src, int src_w, int src_h, int x, int y) {
  const int x0 = 2 * x;
  const int y0 = 2 * y;
  const int x1 = x0 + 1 < src_w ? x0 + 1 : src_w - 1;
  const int y1 = y0 + 1 < src_h ? y0 + 1 : src_h - 1;
  const int sum = src[y0 * src_w + x0] + src[y0 * src_w + x1] + src[y1 * src_w + x0] + src[y1 * src_w + x1];
  return static_cast<std::uint8_t>((sum + 2) >> 2);
}

KINETIC_HD int blocks_along(int side, int block) { return (side + block - 1) / block; }

// Candidate order: lowest SAD, then smallest |dx|+|dy|, then raster order (dy, then dx).
// Packed so that a plain unsigned comparison (or a 64-bit atomicMin) is that order.
KINETIC_HD std::uint64_t candidate_key(std::uint32_t cost, int dx, int dy) {
  const auto l1 = static_cast<std::uint64_t>(abs_int(dx) + abs_int(dy));
  const auto by = static_cast<std::uint64_t>(dy + kMaxVector + 1);
  const auto bx = static_cast<std::uint64_t>(dx + kMaxVector + 1);
  return (static_cast<std::uint64_t>(cost) << 32) | (l1 << 20) | (by << 10) | bx;
}
KINETIC_HD std::uint32_t candidate_key_cost(std::uint64_t key) { return static_cast<std::uint32_t>(key >> 32); }
KINETIC_HD int candidate_key_dx(std::uint64_t key) { return static_cast<int>(key & 0x3FFu) - (kMaxVector + 1); }
KINETIC_HD int candidate_key_dy(std::uint64_t key) { return static_cast<int>((key >> 10) & 0x3FFu) - (kMaxVector + 1); }

// The parent of block (bx, by) one level coarser, clamped into the parent grid.
KINETIC_HD int parent_block(int b, int parent_count) { return clamp_int(b / 2, 0, parent_count - 1); }

// Search centres of block (bx, by) at a finer level: the upscaled vectors of its parent and
// of the parent's eight neighbours (clamped into the grid), i = 0..kPredictors-1. The
// neighbours rescue blocks whose own parent went astray in a low-texture area.
constexpr int kPredictors = 9;
KINETIC_HD MotionVector predictor(const MotionVector* parent, int parent_x, int parent_y, int bx, int by, int i) {
  const int px = clamp_int(parent_block(bx, parent_x) + (i % 3) - 1, 0, parent_x - 1);
  const int py = clamp_int(parent_block(by, parent_y) + (i / 3) - 1, 0, parent_y - 1);
  const MotionVector p = parent[py * parent_x + px];
  MotionVector c;
  c.dx = static_cast<std::int16_t>(clamp_int(2 * p.dx, -kMaxVector, kMaxVector));
  c.dy = static_cast<std::int16_t>(clamp_int(2 * p.dy, -kMaxVector, kMaxVector));
  return c;
}

// 3x3 vector median over the block grid: the neighbour whose summed L1 distance to all
// neighbours is least; ties go to the earliest neighbour in raster order.
KINETIC_HD MotionVector vector_median(const MotionVector* field, int blocks_x, int blocks_y, int bx, int by) {
  MotionVector n[9];
  int count = 0;
  for (int oy = -1; oy <= 1; ++oy) {
    for (int ox = -1; ox <= 1; ++ox) {
      const int x = bx + ox;
      const int y = by + oy;
      if (x < 0 || y < 0 || x >= blocks_x || y >= blocks_y) continue;
      n[count++] = field[y * blocks_x + x];
    }
  }
  int best = 0;
  int best_sum = 0x7FFFFFFF;
  for (int i = 0; i < count; ++i) {
    int sum = 0;
    for (int j = 0; j < count; ++j) sum += abs_int(n[i].dx - n[j].dx) + abs_int(n[i].dy - n[j].dy);
    if (sum < best_sum) {
      best_sum = sum;
      best = i;
    }
  }
  return n[best];
}

// Splat priority of a source pixel: its block's mean SAD in half grey levels (9 bits),
// then its raster index, so the best-matched block wins a collision and ties are fixed.
KINETIC_HD std::uint32_t splat_key(std::uint32_t block_cost, int block_pixels, std::uint32_t src_index) {
  const std::uint32_t n = static_cast<std::uint32_t>(block_pixels);
  std::uint32_t q = (2u * block_cost + n / 2u) / n;
  if (q > 511u) q = 511u;
  return (q << kSplatIndexBits) | src_index;
}

// Content displacement k intervals ahead under constant velocity.
KINETIC_HD int extrapolate(int d, int k) { return -d * k; }

}  // namespace kinetic::mock::video
