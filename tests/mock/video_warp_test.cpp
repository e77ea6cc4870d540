#include "kinetic/mock/video_warp.hpp"

#include <gtest/gtest.h>

#include "video_test_frames.hpp"

namespace kinetic::mock::video {
namespace {

MotionField uniform_field(const Frame& f, int block, MotionVector v, std::uint32_t cost) {
  MotionField m;
  m.resize(block, blocks_along(f.width, block), blocks_along(f.height, block));
  for (auto& x : m.mv) x = v;
  for (auto& c : m.cost) c = cost;
  return m;
}

TEST(VideoWarp, UniformMotionShiftsEveryPlaneExactly) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Frame f = testing::window(real, 20, 10, 320, 240);
  // Content moves by (+4, -2) per interval; two intervals ahead it has moved (+8, -4).
  const MotionField m = uniform_field(f, 16, {-4, 2}, 0);
  std::vector<std::uint32_t> keys;
  Frame out;
  const WarpStats st = forward_warp(f, m, 2, keys, out);
  ASSERT_TRUE(out.same_size(f));
  for (int y = 0; y < 240; ++y)
    for (int x = 0; x < 320; ++x) {
      const bool hole = x < 8 || y >= 236;
      ASSERT_EQ(out.luma(x, y), hole ? f.luma(x, y) : f.luma(x - 8, y + 4)) << x << "," << y;
    }
  EXPECT_EQ(st.holes, 8u * 240u + 4u * 312u);
  for (int y = 0; y < 118; ++y)
    for (int x = 4; x < 160; ++x) {
      const auto d = static_cast<std::size_t>(y * 160 + x);
      const auto s = static_cast<std::size_t>((y + 2) * 160 + x - 4);
      ASSERT_EQ(out.u[d], f.u[s]);
      ASSERT_EQ(out.v[d], f.v[s]);
    }
}

TEST(VideoWarp, CollisionsGoToTheBetterMatchedBlock) {
  Frame f(32, 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) f.luma(x, y) = static_cast<std::uint8_t>(x < 16 ? 50 : 200);
  MotionField m;
  m.resize(16, 2, 1);
  m.mv = {{-8, 0}, {0, 0}};  // the left block moves right by 8 onto the resting right block
  for (std::uint32_t left_cost : {10u, 5000u}) {
    m.cost = {left_cost, 1000u};
    std::vector<std::uint32_t> keys;
    Frame out;
    forward_warp(f, m, 1, keys, out);
    const int winner = left_cost < 1000u ? 50 : 200;
    for (int y = 0; y < 16; ++y) {
      EXPECT_EQ(out.luma(20, y), winner);
      EXPECT_EQ(out.luma(10, y), 50);  // left block's own destination
      EXPECT_EQ(out.luma(3, y), 50);   // uncovered: kept from the same place
    }
  }
}

TEST(VideoWarp, PartialEdgeBlocksAndOddHalfChroma) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Frame f = testing::window(real, 0, 0, 328, 246);
  const MotionField m = uniform_field(f, 16, {1, -3}, 100);
  std::vector<std::uint32_t> keys;
  Frame out;
  forward_warp(f, m, 1, keys, out);
  // Content moves (-1, +3): pixel (x, y) shows source (x+1, y-3).
  for (int y = 3; y < 246; ++y)
    for (int x = 0; x < 327; ++x) ASSERT_EQ(out.luma(x, y), f.luma(x + 1, y - 3));
  // Chroma takes the chroma under the winning luma source, (2cx+1)/2, (2cy-3)/2.
  for (int cy = 2; cy < 123; ++cy)
    for (int cx = 0; cx < 163; ++cx)
      ASSERT_EQ(out.u[static_cast<std::size_t>(cy * 164 + cx)],
                f.u[static_cast<std::size_t>(((2 * cy - 3) / 2) * 164 + (2 * cx + 1) / 2)]);
}

}  // namespace
}  // namespace kinetic::mock::video
