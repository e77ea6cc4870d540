#include "kinetic/mock/audio_pitch_repeat.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

constexpr int kRate = 48000;

std::vector<std::int16_t> periodic(std::size_t from, std::size_t n, double period) {
  std::vector<std::int16_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(from + i) / period;
    out[i] = static_cast<std::int16_t>(8000.0 * std::sin(2 * M_PI * t) + 3000.0 * std::sin(6 * M_PI * t + 0.4));
  }
  return out;
}

TEST(PitchRepeater, FindsThePeriodAndContinuesInPhaseAcrossCalls) {
  PitchRepeater rep(kRate, 1);
  rep.remember(periodic(0, 960, 240.0));
  rep.remember(periodic(960, 960, 240.0));
  rep.start();
  EXPECT_EQ(rep.period(), 240u);
  std::vector<std::int16_t> first(960);
  std::vector<std::int16_t> second(960);
  rep.predict(first);
  rep.predict(second);
  EXPECT_GT(*snr_db(periodic(1920, 960, 240.0), first), 40.0);
  EXPECT_GT(*snr_db(periodic(2880, 960, 240.0), second), 40.0);
}

TEST(PitchRepeater, StereoRepeatsEachChannel) {
  PitchRepeater rep(kRate, 2);
  const auto mono = periodic(0, 1920, 300.0);
  std::vector<std::int16_t> stereo;
  for (auto v : mono) {
    stereo.push_back(v);
    stereo.push_back(static_cast<std::int16_t>(-v / 2));
  }
  rep.remember(stereo);
  rep.start();
  EXPECT_EQ(rep.period(), 300u);
  std::vector<std::int16_t> out(2 * 480);
  rep.predict(out);
  const auto truth = periodic(1920, 480, 300.0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(out[2 * i], truth[i], 2);
    EXPECT_NEAR(out[2 * i + 1], -truth[i] / 2, 2);
  }
}

TEST(PitchRepeater, SilenceOrTooLittleHistoryPredictsZeros) {
  PitchRepeater rep(kRate, 1);
  std::vector<std::int16_t> out(960, 7);
  rep.remember(periodic(0, 100, 240.0));
  rep.start();
  rep.predict(out);
  EXPECT_EQ(rep.period(), 0u);
  for (auto v : out) EXPECT_EQ(v, 0);
  rep.remember(std::vector<std::int16_t>(2000, 0));
  rep.start();
  std::fill(out.begin(), out.end(), std::int16_t{7});
  rep.predict(out);
  for (auto v : out) EXPECT_EQ(v, 0);
}

}  // namespace
}  // namespace kinetic::mock
