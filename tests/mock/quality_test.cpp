#include "kinetic/mock/quality.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kinetic::mock {
namespace {

// A picture with structure at several scales (so blur removes detail progressively) and
// seeded noise for fine texture.
Frame textured(int w, int h, unsigned seed) {
  Frame f(w, h);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-20, 20);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double v = 128 + 50 * std::sin(x * 0.07) * std::cos(y * 0.05) + 25 * std::sin((x + 2 * y) * 0.4) + noise(rng);
      f.luma(x, y) = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  for (std::size_t i = 0; i < f.u.size(); ++i) {
    f.u[i] = static_cast<std::uint8_t>(100 + (i % 37));
    f.v[i] = static_cast<std::uint8_t>(150 - (i % 23));
  }
  return f;
}

Frame box_blur(const Frame& src, int r) {
  Frame out = src;
  if (r == 0) return out;
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < src.width; ++x) {
      int sum = 0, n = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const int xx = std::clamp(x + dx, 0, src.width - 1);
          const int yy = std::clamp(y + dy, 0, src.height - 1);
          sum += src.luma(xx, yy);
          ++n;
        }
      out.luma(x, y) = static_cast<std::uint8_t>((sum + n / 2) / n);
    }
  return out;
}

TEST(Quality, IdenticalFramesHitTheCaps) {
  const Frame a = textured(64, 48, 1);
  auto p = psnr(a, a);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->y, kPsnrCapDb);
  EXPECT_EQ(p->u, kPsnrCapDb);
  EXPECT_EQ(p->v, kPsnrCapDb);
  EXPECT_EQ(p->combined, kPsnrCapDb);
  auto s = ssim(a, a);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(*s, 1.0);
}

TEST(Quality, PsnrOfAKnownErrorIsAnalytic) {
  Frame a = textured(64, 48, 2);
  // Keep away from the clip limits so the ±4 error is exact everywhere.
  for (auto& v : a.y) v = static_cast<std::uint8_t>(std::clamp<int>(v, 10, 245));
  Frame b = a;
  for (std::size_t i = 0; i < b.y.size(); ++i) b.y[i] = static_cast<std::uint8_t>(b.y[i] + ((i % 2) != 0U ? 4 : -4));
  EXPECT_DOUBLE_EQ(mse(a.y, b.y), 16.0);
  auto p = psnr(a, b);
  ASSERT_TRUE(p.ok());
  const double expected = 10.0 * std::log10(255.0 * 255.0 / 16.0);
  EXPECT_NEAR(p->y, expected, 1e-9);
  EXPECT_EQ(p->u, kPsnrCapDb);
  EXPECT_NEAR(p->combined, 10.0 * std::log10(255.0 * 255.0 / (6.0 * 16.0 / 8.0)), 1e-9);
}

TEST(Quality, PsnrOfGaussianNoiseMatchesItsVariance) {
  Frame a(320, 240);
  std::fill(a.y.begin(), a.y.end(), 128);
  Frame b = a;
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0.0, 5.0);
  for (auto& v : b.y) v = static_cast<std::uint8_t>(std::lround(128.0 + n(rng)));
  auto p = psnr_plane(a.y, b.y);
  ASSERT_TRUE(p.ok());
  // Rounding adds 1/12 to the variance of the continuous noise.
  const double expected = 10.0 * std::log10(255.0 * 255.0 / (25.0 + 1.0 / 12.0));
  EXPECT_NEAR(*p, expected, 0.1);
}

TEST(Quality, SsimOfFlatPlanesIsTheLuminanceTerm) {
  Frame a(32, 32), b(32, 32);
  std::fill(a.y.begin(), a.y.end(), 100);
  std::fill(b.y.begin(), b.y.end(), 110);
  const double c1 = (0.01 * 255) * (0.01 * 255);
  const double expected = (2.0 * 100 * 110 + c1) / (100.0 * 100 + 110.0 * 110 + c1);
  auto s = ssim(a, b);
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(*s, expected, 1e-12);
}

TEST(Quality, SsimFallsMonotonicallyWithBlur) {
  const Frame a = textured(128, 96, 3);
  double previous = 1.0;
  for (int r = 1; r <= 4; ++r) {
    auto s = ssim(a, box_blur(a, r));
    ASSERT_TRUE(s.ok());
    EXPECT_LT(*s, previous) << "radius " << r;
    EXPECT_GT(*s, 0.0);
    previous = *s;
  }
  EXPECT_LT(previous, 0.8);
}

TEST(Quality, MismatchedInputsAreErrors) {
  const Frame a = textured(64, 48, 4);
  const Frame b = textured(32, 48, 4);
  EXPECT_FALSE(psnr(a, b).ok());
  EXPECT_FALSE(ssim(a, b).ok());
  EXPECT_FALSE(psnr(Frame{}, Frame{}).ok());
  Frame broken = a;
  broken.u.pop_back();
  EXPECT_FALSE(psnr(a, broken).ok());
  std::vector<std::uint8_t> tiny(16, 1);
  EXPECT_FALSE(ssim_plane(tiny, tiny, 4, 4).ok());
  EXPECT_FALSE(ssim_plane(tiny, tiny, 8, 8).ok());  // length does not match 8x8
  EXPECT_FALSE(psnr_plane(tiny, std::vector<std::uint8_t>(15, 1)).ok());
  std::vector<std::int16_t> s1(10, 1), s2(9, 1);
  EXPECT_FALSE(snr_db(s1, s2).ok());
}

TEST(Quality, SnrOfAScaledSignalIsAnalytic) {
  std::vector<std::int16_t> ref(4800), test(4800);
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ref[i] = static_cast<std::int16_t>((i % 2) != 0U ? 1000 : -1000);
    test[i] = static_cast<std::int16_t>(ref[i] * 9 / 10);
  }
  auto s = snr_db(ref, test);
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(*s, 20.0, 1e-9);  // noise is a tenth of the amplitude
  EXPECT_EQ(*snr_db(ref, ref), kSnrCapDb);
  std::vector<std::int16_t> silence(4800, 0);
  EXPECT_EQ(*snr_db(silence, ref), -kSnrCapDb);
}

}  // namespace
}  // namespace kinetic::mock

namespace kinetic::mock {
namespace {

TEST(PsnrMoving, ScoresOnlyTheBlocksThatMoved) {
  Frame prev(32, 32), ref(32, 32), shown(32, 32);
  for (auto* f : {&prev, &ref, &shown}) {
    std::fill(f->y.begin(), f->y.end(), 100);
    std::fill(f->u.begin(), f->u.end(), 128);
    std::fill(f->v.begin(), f->v.end(), 128);
  }
  // The top-left block moves (ref differs from prev); the shown picture is wrong there by 10
  // and wrong by 50 in a static block, which the measure must ignore.
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      ref.luma(x, y) = 150;
      shown.luma(x, y) = 140;
    }
  }
  for (int y = 16; y < 32; ++y) shown.luma(20, y) = 150;
  auto m = psnr_moving(shown, ref, prev);
  ASSERT_TRUE(m);
  ASSERT_TRUE(*m);
  EXPECT_NEAR(**m, 10.0 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  auto still = psnr_moving(shown, prev, prev);
  ASSERT_TRUE(still);
  EXPECT_FALSE(*still) << "nothing moved";
  EXPECT_FALSE(psnr_moving(shown, ref, Frame(16, 16)));
}

}  // namespace
}  // namespace kinetic::mock
