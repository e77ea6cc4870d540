#include "kinetic/mock/video_conjecture_cpu.hpp"

#include <gtest/gtest.h>

#include "video_test_frames.hpp"

namespace kinetic::mock {
namespace {

// Frame t of real texture translated by (vx, vy) per frame, timestamped at 25 fps.
Frame moving(const Frame& real, int w, int h, int vx, int vy, int t) {
  const int ox = (real.width - w) / 2 + 2 * vx;
  const int oy = (real.height - h) / 2 + 2 * vy;
  Frame f = testing::window(real, ox - t * vx, oy - t * vy, w, h);
  f.pts_us = 40'000 * t;
  return f;
}

class ConstantSpeed : public ::testing::TestWithParam<std::tuple<int, int, int, int>> {};

TEST_P(ConstantSpeed, ExtrapolationIsNearExactAwayFromBorders) {
  const auto [w, h, vx, vy] = GetParam();
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  CpuVideoConjecturer engine({});
  engine.push_real(moving(real, w, h, vx, vy, 0));
  engine.push_real(moving(real, w, h, vx, vy, 1));
  for (int k : {1, 2}) {
    const Conjecture c = engine.predict(k);
    ASSERT_FALSE(c.fell_back) << "confidence " << c.confidence;
    EXPECT_GT(c.confidence, 0.9f);
    const Frame truth = moving(real, w, h, vx, vy, 1 + k);
    EXPECT_EQ(c.frame.pts_us, truth.pts_us);
    const int margin = 16 + k * std::max(std::abs(vx), std::abs(vy));
    const double psnr = testing::luma_psnr(c.frame, truth, margin);
    EXPECT_GT(psnr, 35.0) << w << "x" << h << " k=" << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ConstantSpeed,
                         ::testing::Values(std::tuple{320, 240, 4, -2}, std::tuple{320, 240, -7, 3},
                                           std::tuple{328, 246, 2, 6}, std::tuple{328, 246, -3, -1}));

TEST(CpuVideoConjecture, SceneCutFallsBackToTheLastFrame) {
  const Frame a = testing::window(testing::load_data_frame("vtest_400x300.yuv"), 40, 30, 320, 240);
  const Frame b = testing::window(testing::load_data_frame("megamind_400x300.yuv"), 40, 30, 320, 240);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  CpuVideoConjecturer engine({});
  engine.push_real(a);
  engine.push_real(b);
  const Conjecture c = engine.predict(1);
  EXPECT_TRUE(c.fell_back);
  EXPECT_LT(c.confidence, VideoConjectureConfig{}.min_confidence);
  EXPECT_EQ(c.frame.y, b.y);
  EXPECT_EQ(c.frame.u, b.u);
}

TEST(CpuVideoConjecture, RealMotionIsConjecturedNotFrozen) {
  const Frame a = testing::load_data_frame("vtest_400x300.yuv");
  const Frame b = testing::load_data_frame("vtest_400x300_next.yuv");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  CpuVideoConjecturer engine({});
  engine.push_real(a);
  engine.push_real(b);
  const Conjecture c = engine.predict(1);
  EXPECT_FALSE(c.fell_back) << "confidence " << c.confidence;
  // Walking people move; the still camera keeps most blocks at rest.
  const auto* f = engine.motion_field();
  ASSERT_NE(f, nullptr);
  int moving_blocks = 0;
  for (const auto v : f->mv) moving_blocks += !(v == video::MotionVector{});
  EXPECT_GT(moving_blocks, 0);
  EXPECT_LT(moving_blocks, static_cast<int>(f->size()) / 2);
}

TEST(CpuVideoConjecture, FullHdSmoke) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Frame big = testing::upscale(real, 5, 1, 2000, 1500);
  Frame a = testing::window(big, 40, 210, 1920, 1080);
  Frame b = testing::window(big, 30, 216, 1920, 1080);  // content moves (+10, -6)
  CpuVideoConjecturer engine({});
  engine.push_real(a);
  engine.push_real(b);
  const Conjecture c = engine.predict(1);
  ASSERT_FALSE(c.fell_back);
  ASSERT_EQ(c.frame.width, 1920);
  ASSERT_EQ(c.frame.height, 1080);
  const Frame truth = testing::window(big, 20, 222, 1920, 1080);
  EXPECT_GT(testing::luma_psnr(c.frame, truth, 32), 35.0);
}

TEST(CpuVideoConjecture, UltraHdIsTheLargestAcceptedSize) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  const Frame big = testing::upscale(real, 10, 1, 3900, 2200);
  CpuVideoConjecturer engine({});
  engine.push_real(testing::window(big, 40, 20, 3840, 2160));
  engine.push_real(testing::window(big, 34, 24, 3840, 2160));
  EXPECT_EQ(engine.rejected_frames(), 0u);
  const Conjecture c = engine.predict(1);
  ASSERT_FALSE(c.fell_back);
  EXPECT_GT(testing::luma_psnr(c.frame, testing::window(big, 28, 28, 3840, 2160), 32), 35.0);
}

TEST(CpuVideoConjecture, WithoutTwoFramesItRepeatsOrReturnsNothing) {
  CpuVideoConjecturer engine({});
  Conjecture none = engine.predict(1);
  EXPECT_TRUE(none.fell_back);
  EXPECT_TRUE(none.frame.empty());
  EXPECT_EQ(engine.motion_field(), nullptr);
  const Frame a = testing::window(testing::load_data_frame("vtest_400x300.yuv"), 0, 0, 320, 240);
  engine.push_real(a);
  const Conjecture one = engine.predict(3);
  EXPECT_TRUE(one.fell_back);
  EXPECT_EQ(one.frame.y, a.y);
  // A size change starts over rather than comparing unlike pictures.
  engine.push_real(testing::window(a, 0, 0, 160, 120));
  EXPECT_EQ(engine.motion_field(), nullptr);
  engine.reset();
  EXPECT_TRUE(engine.predict(1).frame.empty());
  EXPECT_EQ(engine.backend(), "cpu");
}

TEST(CpuVideoConjecture, MalformedFramesAreRefused) {
  CpuVideoConjecturer engine({});
  Frame odd(322, 240);
  odd.width = 321;
  engine.push_real(odd);
  Frame short_planes(320, 240);
  short_planes.u.resize(10);
  engine.push_real(short_planes);
  engine.push_real(Frame{});
  Frame huge;
  huge.width = 4096;
  huge.height = 4096;
  engine.push_real(huge);
  EXPECT_EQ(engine.rejected_frames(), 4u);
  EXPECT_TRUE(engine.predict(1).frame.empty());
  // Nonsense k is answered with a freeze, not a crash.
  engine.push_real(Frame(64, 64));
  engine.push_real(Frame(64, 64));
  EXPECT_TRUE(engine.predict(0).fell_back);
  EXPECT_TRUE(engine.predict(-5).fell_back);
  EXPECT_FALSE(engine.predict(1000).frame.empty());
}

TEST(CpuVideoConjecture, ConfigurationOutsideItsRangeIsClamped) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty());
  VideoConjectureConfig cfg;
  cfg.block_size = 1;
  cfg.search_radius = 500;
  cfg.pyramid_levels = 0;
  CpuVideoConjecturer engine(cfg);
  engine.push_real(moving(real, 320, 240, 2, 2, 0));
  engine.push_real(moving(real, 320, 240, 2, 2, 1));
  const auto* f = engine.motion_field();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->block_size, video::kMinBlock);
}

TEST(CpuVideoConjecture, FactoryFallsBackToCpuWithoutGpu) {
  auto cpu = make_cpu_video_conjecturer();
  EXPECT_EQ(cpu->backend(), "cpu");
  auto any = make_video_conjecturer({}, false);
  EXPECT_EQ(any->backend(), "cpu");
}

}  // namespace
}  // namespace kinetic::mock
