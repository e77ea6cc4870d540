#include "kinetic/mock/video_motion_estimation.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "video_test_frames.hpp"

namespace kinetic::mock::video {
namespace {

struct Pair {
  Pyramid prev, cur;
};

// Two windows of a real picture whose content moves by (vx, vy) from the first to the second.
Pair shifted_pair(const Frame& real, int w, int h, int vx, int vy, int levels) {
  const int ox = (real.width - w) / 2;
  const int oy = (real.height - h) / 2;
  const Frame a = testing::window(real, ox, oy, w, h);
  const Frame b = testing::window(real, ox - vx, oy - vy, w, h);
  Pair p;
  build_pyramid(a.y, w, h, levels, p.prev);
  build_pyramid(b.y, w, h, levels, p.cur);
  return p;
}

// Blocks whose whole support, displaced, stays inside the picture: there the true shift is a
// perfect match, so the search must find it exactly.
int count_exact(const MotionField& f, int w, int h, int vx, int vy, int* interior) {
  int exact = 0;
  *interior = 0;
  for (int by = 0; by < f.blocks_y; ++by)
    for (int bx = 0; bx < f.blocks_x; ++bx) {
      const int x0 = bx * f.block_size, y0 = by * f.block_size;
      const int x1 = std::min(x0 + f.block_size, w), y1 = std::min(y0 + f.block_size, h);
      if (x0 - vx < 0 || y0 - vy < 0 || x1 - vx > w || y1 - vy > h) continue;
      ++*interior;
      if (f.at(bx, by) == MotionVector{static_cast<std::int16_t>(-vx), static_cast<std::int16_t>(-vy)}) ++exact;
    }
  return exact;
}

class KnownShift : public ::testing::TestWithParam<std::tuple<int, int, int, int>> {};

TEST_P(KnownShift, RecoversTheShiftOfRealTextureExactly) {
  const auto [w, h, vx, vy] = GetParam();
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Pair p = shifted_pair(real, w, h, vx, vy, 3);
  MotionEstimator est(clamp_params(16, 8, 3));
  MotionField f;
  est.estimate(p.cur, p.prev, f);
  EXPECT_EQ(f.blocks_x, (w + 15) / 16);
  EXPECT_EQ(f.blocks_y, (h + 15) / 16);
  int interior = 0;
  const int exact = count_exact(f, w, h, vx, vy, &interior);
  ASSERT_GT(interior, 0);
  EXPECT_EQ(exact, interior) << "blocks off the true shift (" << vx << "," << vy << ")";
  // After the median the whole field, borders included, agrees.
  MotionField s;
  smooth_motion_field(f, s);
  int all = 0;
  for (const auto v : s.mv) all += v == MotionVector{static_cast<std::int16_t>(-vx), static_cast<std::int16_t>(-vy)};
  EXPECT_GE(all, static_cast<int>(s.size()) * 95 / 100);
}

INSTANTIATE_TEST_SUITE_P(Sizes, KnownShift,
                         ::testing::Values(std::tuple{320, 240, 3, -2}, std::tuple{320, 240, 0, 0},
                                           std::tuple{320, 240, -21, 13},  // beyond one level's radius
                                           std::tuple{328, 246, 5, 4},     // partial edge blocks
                                           std::tuple{328, 246, -1, 7}));

TEST(MotionEstimation, FlatPictureTiesResolveToZero) {
  std::vector<std::uint8_t> flat(128 * 96, 77);
  Pyramid a, b;
  build_pyramid(flat, 128, 96, 3, a);
  build_pyramid(flat, 128, 96, 3, b);
  MotionEstimator est(clamp_params(16, 8, 3));
  MotionField f;
  est.estimate(b, a, f);
  for (const auto v : f.mv) EXPECT_EQ(v, (MotionVector{0, 0}));
  for (const auto c : f.cost) EXPECT_EQ(c, 0u);
}

TEST(MotionEstimation, BlockSadClampsReferenceCoordinates) {
  Plane cur{4, 2, {1, 2, 3, 4, 5, 6, 7, 8}};
  Plane ref{4, 2, {1, 2, 3, 4, 5, 6, 7, 8}};
  std::uint8_t scratch[4];
  EXPECT_EQ(block_sad(cur, ref, 0, 0, 4, 2, 0, 0, std::numeric_limits<std::uint32_t>::max(), scratch), 0u);
  // Displaced by -2 in x: reference columns -2,-1,0,1 clamp to 0,0,0,1.
  const std::uint32_t expect = (0 + 1 + 2 + 2) + (0 + 1 + 2 + 2);
  EXPECT_EQ(block_sad(cur, ref, 0, 0, 4, 2, -2, 0, std::numeric_limits<std::uint32_t>::max(), scratch), expect);
  // Displaced by +5 rows: every reference row clamps to the last.
  EXPECT_EQ(block_sad(cur, ref, 0, 0, 4, 1, 0, 5, std::numeric_limits<std::uint32_t>::max(), scratch), 16u);
  // Early termination reports some sum above the limit.
  EXPECT_GT(block_sad(cur, ref, 0, 0, 4, 2, -2, 0, 3, scratch), 3u);
}

TEST(MotionEstimation, CostsAreTheFullResolutionSadOfEachVector) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Pair p = shifted_pair(real, 320, 240, 4, 2, 3);
  MotionEstimator est(clamp_params(16, 8, 3));
  MotionField f;
  est.estimate(p.cur, p.prev, f);
  MotionField g = f;
  est.compute_costs(p.cur.levels[0], p.prev.levels[0], g);
  EXPECT_EQ(g.cost, f.cost);
  EXPECT_EQ(est.level_field(2).blocks_x, (80 + 15) / 16);
}

}  // namespace
}  // namespace kinetic::mock::video
