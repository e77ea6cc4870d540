#include "kinetic/mock/video_motion_field.hpp"

#include <gtest/gtest.h>

#include "video_test_frames.hpp"

namespace kinetic::mock::video {
namespace {

MotionField uniform(int bx, int by, MotionVector v) {
  MotionField f;
  f.resize(16, bx, by);
  for (auto& m : f.mv) m = v;
  for (auto& c : f.cost) c = 5;
  return f;
}

TEST(MotionField, MedianKeepsAUniformFieldAndItsCosts) {
  const MotionField f = uniform(7, 5, {3, -4});
  MotionField s;
  EXPECT_EQ(smooth_motion_field(f, s), 35);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s.mv[i], (MotionVector{3, -4}));
    EXPECT_EQ(s.cost[i], 5u);
  }
}

TEST(MotionField, MedianReplacesIsolatedOutliers) {
  MotionField f = uniform(6, 6, {1, 1});
  f.mv[2 * 6 + 3] = {40, -9};
  f.mv[0] = {-7, 7};  // corner: four neighbours
  MotionField s;
  EXPECT_EQ(smooth_motion_field(f, s), 34);
  EXPECT_EQ(s.at(3, 2), (MotionVector{1, 1}));
  EXPECT_EQ(s.at(0, 0), (MotionVector{1, 1}));
}

TEST(MotionField, MedianKeepsAnObjectLargerThanOneBlock) {
  MotionField f = uniform(8, 8, {0, 0});
  for (int y = 2; y < 6; ++y)
    for (int x = 2; x < 6; ++x) f.mv[static_cast<std::size_t>(y * 8 + x)] = {-4, 0};
  MotionField s;
  smooth_motion_field(f, s);
  // Interior and edges survive; only the object's convex corners are outvoted.
  EXPECT_EQ(s.at(3, 3), (MotionVector{-4, 0}));
  EXPECT_EQ(s.at(2, 3), (MotionVector{-4, 0}));
  EXPECT_EQ(s.at(1, 3), (MotionVector{0, 0}));
}

TEST(MotionField, ExtrapolationIsConstantVelocity) {
  const MotionField f = uniform(2, 2, {3, -2});
  const Displacement d1 = extrapolate_block(f, 1, 1, 1);
  const Displacement d3 = extrapolate_block(f, 1, 1, 3);
  EXPECT_EQ(d1.x, -3);
  EXPECT_EQ(d1.y, 2);
  EXPECT_EQ(d3.x, -9);
  EXPECT_EQ(d3.y, 6);
}

TEST(MotionField, TextureSumsNeighbourDifferences) {
  const std::uint8_t p[2 * 3] = {0, 10, 30,  //
                                 5, 5, 5};
  MotionStats s;
  add_texture(p, 3, 2, s);
  EXPECT_EQ(s.texture_sum, (10u + 20u) + (0u + 0u) + (5u + 5u + 25u));
  EXPECT_EQ(s.texture_terms, 4u + 3u);
}

TEST(MotionField, ConfidenceFallsWithResidualAndIncoherence) {
  MotionStats s;
  s.pixels = 1000;
  s.texture_sum = 8000;
  s.texture_terms = 1000;  // texture 8 per pixel
  s.blocks = 10;
  s.coherent_blocks = 10;
  s.residual_sum = 0;
  EXPECT_FLOAT_EQ(motion_confidence(s), 1.0f);
  s.residual_sum = 8000;  // residual as large as the texture
  EXPECT_NEAR(motion_confidence(s), 0.5f, 1e-6);
  s.coherent_blocks = 0;
  EXPECT_NEAR(motion_confidence(s), 0.25f, 1e-6);
  s.residual_sum = 24000;
  EXPECT_LT(motion_confidence(s), 0.1f);
  EXPECT_EQ(motion_confidence(MotionStats{}), 0.0f);
}

}  // namespace
}  // namespace kinetic::mock::video
