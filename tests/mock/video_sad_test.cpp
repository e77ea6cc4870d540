#include "kinetic/mock/video_sad.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

namespace kinetic::mock::video {
namespace {

TEST(VideoSad, EqualsTheScalarSumAtEveryLength) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int n = 0; n <= 70; ++n) {
    std::vector<std::uint8_t> a(static_cast<std::size_t>(n) + 1), b(static_cast<std::size_t>(n) + 1);
    for (auto& x : a) x = static_cast<std::uint8_t>(byte(rng));
    for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
    // Offset by one so the vector loads are unaligned as in the motion search.
    std::uint32_t expect = 0;
    for (int i = 0; i < n; ++i) expect += static_cast<std::uint32_t>(std::abs(a[static_cast<std::size_t>(i) + 1] - b[static_cast<std::size_t>(i)]));
    EXPECT_EQ(row_sad(a.data() + 1, b.data(), n), expect) << "n=" << n;
  }
}

TEST(VideoSad, ExtremesDoNotOverflow) {
  std::vector<std::uint8_t> a(3840, 255), b(3840, 0);
  EXPECT_EQ(row_sad(a.data(), b.data(), 3840), 255u * 3840u);
  EXPECT_EQ(row_sad(b.data(), a.data(), 3840), 255u * 3840u);
  EXPECT_EQ(row_sad(a.data(), a.data(), 3840), 0u);
}

TEST(VideoSad, WholeBlockSumEqualsRowSumsAndStopsOnlyAboveTheLimit) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::uint8_t> a(40 * 20), b(33 * 20);
  for (auto& x : a) x = static_cast<std::uint8_t>(byte(rng));
  for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
  for (int rows = 1; rows <= 16; ++rows) {
    std::uint32_t expect = 0;
    for (int j = 0; j < rows; ++j) expect += row_sad(a.data() + 3 + j * 40, b.data() + 1 + j * 33, 16);
    EXPECT_EQ(sad_16xn(a.data() + 3, 40, b.data() + 1, 33, rows, 0xFFFFFFFFu), expect);
    EXPECT_EQ(sad_16xn(a.data() + 3, 40, b.data() + 1, 33, rows, expect), expect);  // equal is not above
    if (expect > 0 && rows >= 4) {
      EXPECT_GT(sad_16xn(a.data() + 3, 40, b.data() + 1, 33, rows, 0), 0u);
    }
  }
}

}  // namespace
}  // namespace kinetic::mock::video
