// The hedge toward the newest real frame: its weight law, the pixel blend, and that it only
// touches real predictions (a fallback stays the engine's).
#include "kinetic/mock/video_conjecture_blend.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kinetic::mock {
namespace {

Frame flat(int w, int h, std::uint8_t y) {
  Frame f(w, h);
  std::fill(f.y.begin(), f.y.end(), y);
  std::fill(f.u.begin(), f.u.end(), 128);
  std::fill(f.v.begin(), f.v.end(), 128);
  return f;
}

// Predicts a fixed picture, or falls back, as told.
class Scripted final : public VideoConjecturer {
 public:
  void push_real(const Frame& f) override { last = f; }
  Conjecture predict(int) override {
    if (fall_back) return {last, 0.2f, true};
    return {flat(last.width, last.height, 200), confidence, false};
  }
  void reset() override {}
  [[nodiscard]] std::string_view backend() const override { return "scripted"; }
  Frame last;
  bool fall_back = false;
  float confidence = 1.0f;
};

TEST(VideoConjectureBlend, WeightFallsWithDistanceAndDoubt) {
  const BlendConfig c{1.0, 4.0, 1.0};
  EXPECT_DOUBLE_EQ(blend_weight(c, 1, 1.0f), 1.0);
  EXPECT_NEAR(blend_weight(c, 5, 1.0f), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(blend_weight(c, 1, 0.5f), 0.5, 1e-12);
  EXPECT_LT(blend_weight(c, 3, 1.0f), blend_weight(c, 2, 1.0f));
  const BlendConfig off{1.0, 1e12, 0.0};
  EXPECT_FALSE(off.enabled());
  EXPECT_NEAR(blend_weight(off, 8, 0.1f), 1.0, 1e-9);
}

TEST(VideoConjectureBlend, BlendsPixelsTowardTheNewestRealFrame) {
  Frame out;
  blend_frames(flat(16, 16, 200), flat(16, 16, 100), 0.25, out);
  ASSERT_EQ(out.y.size(), 256u);
  EXPECT_EQ(out.y[0], 125);  // 0.25 · 200 + 0.75 · 100
  EXPECT_EQ(out.u[0], 128);
}

TEST(VideoConjectureBlend, WrapsPredictionsButNotFallbacks) {
  auto inner = std::make_unique<Scripted>();
  Scripted* raw = inner.get();
  auto engine = make_blending_conjecturer(std::move(inner), BlendConfig{1.0, 1.0, 0.0});
  EXPECT_EQ(engine->backend(), "scripted");
  Frame real = flat(16, 16, 100);
  real.pts_us = 7;
  engine->push_real(real);
  const Conjecture one = engine->predict(1);
  EXPECT_EQ(one.frame.y[0], 200);  // w = 1 one interval ahead
  const Conjecture two = engine->predict(2);
  EXPECT_EQ(two.frame.y[0], static_cast<std::uint8_t>(std::lround(100 + 100 * std::exp(-1.0))));
  raw->fall_back = true;
  const Conjecture fb = engine->predict(2);
  EXPECT_TRUE(fb.fell_back);
  EXPECT_EQ(fb.frame.y[0], 100);
}

}  // namespace
}  // namespace kinetic::mock
