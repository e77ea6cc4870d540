#include "kinetic/mock/video_algorithm.hpp"

#include <gtest/gtest.h>

namespace kinetic::mock::video {
namespace {

TEST(VideoAlgorithm, CandidateKeyOrdersByCostThenLengthThenRaster) {
  EXPECT_LT(candidate_key(10, 5, 5), candidate_key(11, 0, 0));
  EXPECT_LT(candidate_key(10, 1, 0), candidate_key(10, 1, 1));
  EXPECT_LT(candidate_key(10, 0, -1), candidate_key(10, -1, 0));  // same length: dy first
  EXPECT_LT(candidate_key(10, -1, 0), candidate_key(10, 1, 0));   // same dy: dx
  EXPECT_LT(candidate_key(0, -kMaxVector, -kMaxVector), candidate_key(1, 0, 0));
}

TEST(VideoAlgorithm, CandidateKeyRoundTrips) {
  for (int dy : {-kMaxVector, -37, 0, 5, kMaxVector}) {
    for (int dx : {-kMaxVector, -1, 0, 200, kMaxVector}) {
      const auto key = candidate_key(123456u, dx, dy);
      EXPECT_EQ(candidate_key_dx(key), dx);
      EXPECT_EQ(candidate_key_dy(key), dy);
      EXPECT_EQ(candidate_key_cost(key), 123456u);
    }
  }
}

TEST(VideoAlgorithm, ClampedParametersKeepVectorsInKeyRange) {
  const VideoParams p = clamp_params(1000, 1000, 1000);
  EXPECT_EQ(p.block_size, kMaxBlock);
  EXPECT_EQ(p.search_radius, kMaxRadius);
  EXPECT_EQ(p.pyramid_levels, kMaxLevels);
  int reach = p.search_radius;
  for (int l = 1; l < p.pyramid_levels; ++l) reach = 2 * reach + kRefineRadius;
  EXPECT_LE(reach, kMaxVector);
  const VideoParams q = clamp_params(0, -3, 0);
  EXPECT_EQ(q.block_size, kMinBlock);
  EXPECT_EQ(q.search_radius, 1);
  EXPECT_EQ(q.pyramid_levels, 1);
}

TEST(VideoAlgorithm, PyramidLevelCountStopsAtSmallSides) {
  EXPECT_EQ(pyramid_level_count(320, 240, 3), 3);
  EXPECT_EQ(pyramid_level_count(64, 64, 5), 3);  // 64, 32, 16
  EXPECT_EQ(pyramid_level_count(20, 20, 4), 1);
  EXPECT_EQ(pyramid_level_count(1920, 1080, 1), 1);
}

TEST(VideoAlgorithm, SplatKeyPrefersBetterBlocksThenRasterIndex) {
  EXPECT_LT(splat_key(100, 256, 9000), splat_key(400, 256, 1));
  EXPECT_LT(splat_key(100, 256, 1), splat_key(100, 256, 2));
  EXPECT_EQ(splat_key(255u * 256u * 4u, 256, 0) >> kSplatIndexBits, 511u);  // saturates
  EXPECT_NE(splat_key(511u * 256u, 256, static_cast<std::uint32_t>(kMaxPixels - 1)), kHoleKey);
}

TEST(VideoAlgorithm, VectorMedianRejectsAnOutlier) {
  MotionVector f[9];
  for (auto& v : f) v = MotionVector{2, -1};
  f[4] = MotionVector{30, 17};
  EXPECT_EQ(vector_median(f, 3, 3, 1, 1), (MotionVector{2, -1}));
  // Ties go to the first neighbour in raster order.
  MotionVector g[2] = {{1, 0}, {0, 1}};
  EXPECT_EQ(vector_median(g, 2, 1, 0, 0), (MotionVector{1, 0}));
}

TEST(VideoAlgorithm, DownsampleRoundsHalfUpAndRepeatsOddEdges) {
  const std::uint8_t src[3 * 2] = {0, 1, 10, 1, 1, 13};
  EXPECT_EQ(downsample_pixel(src, 3, 2, 0, 0), 1);   // (0+1+1+1+2)>>2
  EXPECT_EQ(downsample_pixel(src, 3, 2, 1, 0), 12);  // (10+10+13+13+2)>>2
}

}  // namespace
}  // namespace kinetic::mock::video
