#include "kinetic/mock/video_pyramid.hpp"

#include <gtest/gtest.h>

#include "kinetic/mock/video_algorithm.hpp"
#include "video_test_frames.hpp"

namespace kinetic::mock::video {
namespace {

TEST(VideoPyramid, EveryLevelIsTheDefinedBoxAverageOfTheOneBefore) {
  const Frame real = testing::load_data_frame("vtest_400x300.yuv");
  ASSERT_FALSE(real.empty()) << "tests/mock/data/vtest_400x300.yuv missing";
  for (auto [w, h] : {std::pair{320, 240}, std::pair{328, 246}, std::pair{250, 198}}) {
    const Frame f = testing::window(real, 11, 7, w, h);
    Pyramid p;
    build_pyramid(f.y, w, h, 4, p);
    ASSERT_EQ(static_cast<int>(p.levels.size()), pyramid_level_count(w, h, 4));
    EXPECT_EQ(p.levels[0].px, f.y);
    for (std::size_t l = 1; l < p.levels.size(); ++l) {
      const Plane& s = p.levels[l - 1];
      const Plane& d = p.levels[l];
      ASSERT_EQ(d.width, (s.width + 1) / 2);
      ASSERT_EQ(d.height, (s.height + 1) / 2);
      for (int y = 0; y < d.height; ++y)
        for (int x = 0; x < d.width; ++x)
          ASSERT_EQ(d.at(x, y), downsample_pixel(s.px.data(), s.width, s.height, x, y))
              << w << "x" << h << " level " << l << " at " << x << "," << y;
    }
  }
}

TEST(VideoPyramid, RebuildReusesAndResizes) {
  Pyramid p;
  std::vector<std::uint8_t> a(64 * 64, 200);
  build_pyramid(a, 64, 64, 3, p);
  ASSERT_EQ(p.levels.size(), 3u);
  EXPECT_EQ(p.levels[2].at(5, 5), 200);
  std::vector<std::uint8_t> b(32 * 20, 10);
  build_pyramid(b, 32, 20, 3, p);
  ASSERT_EQ(p.levels.size(), 1u);  // 16x10 would be below the smallest level side
  EXPECT_EQ(p.levels[0].width, 32);
}

}  // namespace
}  // namespace kinetic::mock::video
