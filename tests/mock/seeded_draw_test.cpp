#include "kinetic/mock/seeded_draw.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace kinetic::mock {
namespace {

TEST(SeededDraw, SameSeedSameSequence) {
  SeededDraw a(42);
  SeededDraw b(42);
  SeededDraw c(43);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const double x = a.open01();
    EXPECT_EQ(x, b.open01());
    if (x != c.open01()) ++differ;
  }
  EXPECT_GT(differ, 90);
}

// mt19937_64 is specified bit for bit; its first output for the default seed 5489 is
// 14514284786278117030. Pinning the draw built from it guards the same-on-every-library promise.
TEST(SeededDraw, FirstDrawIsPinned) {
  SeededDraw d(5489);
  const double expected = (static_cast<double>(14514284786278117030ULL >> 11) + 0.5) * 0x1.0p-53;
  EXPECT_EQ(d.open01(), expected);
}

TEST(SeededDraw, DrawsHaveTheirMeans) {
  SeededDraw d(7);
  const int n = 200'000;
  double u = 0, g = 0, pe = 0, nsum = 0;
  for (int i = 0; i < n; ++i) {
    const double x = d.open01();
    ASSERT_GT(x, 0.0);
    ASSERT_LT(x, 1.0);
    u += x;
    g += d.gamma(3.0, 2.0);
    pe += d.pareto_excess(3.0, 4.0);
    nsum += d.normal();
  }
  EXPECT_NEAR(u / n, 0.5, 0.01);
  EXPECT_NEAR(g / n, 6.0, 0.1);          // k * theta
  EXPECT_NEAR(pe / n, 2.0, 0.1);         // xm * alpha / (alpha - 1) - xm
  EXPECT_NEAR(nsum / n, 0.0, 0.02);
  EXPECT_GT(d.gamma(0.5, 1.0), 0.0);     // shapes below 1 go through the boost identity
}

TEST(SeededDraw, DerivedSeedsAreDistinctAndStable) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    for (std::uint64_t stream = 0; stream < 16; ++stream) seen.insert(derive_seed(seed, stream));
  }
  EXPECT_EQ(seen.size(), 256u);
  EXPECT_EQ(derive_seed(1, 2), derive_seed(1, 2));
}

}  // namespace
}  // namespace kinetic::mock
