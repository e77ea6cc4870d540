#include "kinetic/mock/audio_concealment_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kinetic::mock {
namespace {

std::vector<std::int16_t> noise(std::mt19937_64& rng, std::size_t n = 960) {
  std::normal_distribution<double> d(0.0, 4000.0);
  std::vector<std::int16_t> out(n);
  for (auto& v : out) v = static_cast<std::int16_t>(std::clamp(d(rng), -32768.0, 32767.0));
  return out;
}

std::vector<std::int16_t> scaled(const std::vector<std::int16_t>& x, double g) {
  std::vector<std::int16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = static_cast<std::int16_t>(std::lround(x[i] * g));
  return out;
}

TEST(ConcealmentFit, NoEvidenceMeansPlcAlone) {
  ConcealmentFit fit(0.99, 1.0);
  EXPECT_EQ(fit.weights(0).plc, 1.0);
  EXPECT_EQ(fit.weights(0).repeat, 0.0);
  EXPECT_EQ(fit.weights(-1).plc, 1.0);
  EXPECT_EQ(fit.weights(kConcealmentSegments).plc, 1.0);
}

TEST(ConcealmentFit, RecoversTheMixThatMadeTheSignal) {
  // real = 0.6·plc + 0.3·repeat with independent predictors: least squares finds both.
  std::mt19937_64 rng(11);
  ConcealmentFit fit(0.99, 1.0);
  for (int i = 0; i < 60; ++i) {
    const auto plc = noise(rng);
    const auto rep = noise(rng);
    std::vector<std::int16_t> real(plc.size());
    for (std::size_t k = 0; k < real.size(); ++k)
      real[k] = static_cast<std::int16_t>(std::lround(0.6 * plc[k] + 0.3 * rep[k]));
    fit.learn(real, plc, rep);
  }
  for (int s = 0; s < kConcealmentSegments; ++s) {
    EXPECT_NEAR(fit.weights(s).plc, 0.6, 0.02);
    EXPECT_NEAR(fit.weights(s).repeat, 0.3, 0.02);
  }
}

TEST(ConcealmentFit, UnpredictableSignalFallsTowardSilenceAndScaleIsClamped) {
  std::mt19937_64 rng(12);
  ConcealmentFit fit(0.99, 1.0);
  ConcealmentFit doubled(0.99, 2.0);
  for (int i = 0; i < 60; ++i) {
    const auto real = noise(rng);
    const auto plc = noise(rng);
    const auto rep = noise(rng);
    fit.learn(real, plc, rep);
    doubled.learn(real, real, scaled(real, 0.1));
  }
  for (int s = 0; s < kConcealmentSegments; ++s) {
    EXPECT_LT(std::abs(fit.weights(s).plc), 0.1);
    EXPECT_LT(std::abs(fit.weights(s).repeat), 0.1);
    EXPECT_LE(doubled.weights(s).plc, 1.0);  // 2 × about 1, clamped
    EXPECT_GT(doubled.weights(s).plc, 0.9);
  }
}

}  // namespace
}  // namespace kinetic::mock
