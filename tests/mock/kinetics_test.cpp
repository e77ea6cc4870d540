#include "kinetic/mock/kinetics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kinetic::mock {
namespace {

constexpr std::int64_t kFrameUs = 33'333;

// A path with a constant (unknown) clock offset, a linear drift and Gaussian jitter.
struct Path {
  double offset_us = -2'000'000.0 + 40'000.0;  // receiver clock 2 s behind, 40 ms base delay
  double drift_us_per_s = 50.0;
  double jitter_us = 4000.0;
  double late_fraction = 0.0;   // share of objects retransmitted
  double late_extra_us = 300'000.0;
  std::mt19937_64 rng{42};

  double mean_delay(std::int64_t ts) const { return offset_us + drift_us_per_s * static_cast<double>(ts) / 1e6; }
  std::int64_t arrival(std::int64_t ts, bool* late = nullptr) {
    std::normal_distribution<double> n(0.0, jitter_us);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double a = static_cast<double>(ts) + mean_delay(ts) + n(rng);
    const bool is_late = u(rng) < late_fraction;
    if (is_late) a += late_extra_us;
    if (late != nullptr) *late = is_late;
    return static_cast<std::int64_t>(std::llround(a));
  }
};

struct Stats {
  double err_sd = 0.0;
  double mean_spread = 0.0;
  double coverage95 = 0.0;
  double mean_abs_delay_err = 0.0;
};

// Predicts every object before observing it, as a player would.
Stats run(ArrivalModel& model, Path& path, int objects, int skip) {
  std::vector<double> errs;
  double spread_sum = 0.0, delay_err = 0.0;
  int inside = 0;
  for (int i = 0; i < objects; ++i) {
    const std::int64_t ts = 1'000'000 + i * kFrameUs;
    bool late = false;
    const std::int64_t arr = path.arrival(ts, &late);
    const Particle p = model.predict(ts);
    if (i >= skip && !late) {
      const double e = static_cast<double>(arr) - p.expected_arrival_us;
      errs.push_back(e);
      spread_sum += p.spread_us;
      if (std::fabs(e) < 1.959964 * p.spread_us) ++inside;
      delay_err += std::fabs(model.delay_us(ts) - path.mean_delay(ts));
    }
    model.observe(ts, arr);
  }
  Stats s;
  double mean = 0.0;
  for (double e : errs) mean += e;
  mean /= static_cast<double>(errs.size());
  double var = 0.0;
  for (double e : errs) var += (e - mean) * (e - mean);
  s.err_sd = std::sqrt(var / static_cast<double>(errs.size()));
  s.mean_spread = spread_sum / static_cast<double>(errs.size());
  s.coverage95 = static_cast<double>(inside) / static_cast<double>(errs.size());
  s.mean_abs_delay_err = delay_err / static_cast<double>(errs.size());
  return s;
}

TEST(Kinetics, NormalHelpers) {
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(1.959964), 0.975, 1e-6);
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-5);
  EXPECT_NEAR(normal_quantile(0.01), -2.326348, 1e-5);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-9);
  EXPECT_TRUE(std::isfinite(normal_quantile(0.0)));
  EXPECT_TRUE(std::isfinite(normal_quantile(1.0)));
}

TEST(Kinetics, ConvergesOnDelayAndDriftWithAnHonestSpread) {
  ArrivalModel model;
  Path path;
  const Stats s = run(model, path, 3000, 300);
  EXPECT_NEAR(model.drift_us_per_s(), 50.0, 15.0);
  EXPECT_LT(s.mean_abs_delay_err, 1500.0);
  // The predicted spread is the empirical spread of prediction errors, within 15 %.
  EXPECT_NEAR(s.mean_spread / s.err_sd, 1.0, 0.15);
  EXPECT_NEAR(s.coverage95, 0.95, 0.03);
  EXPECT_NEAR(model.jitter_us(), 4000.0, 800.0);
  EXPECT_TRUE(model.ready());
  EXPECT_EQ(model.outliers(), 0U);
}

// Jitter far below and far above the filter's initial assumption (5 ms) is learnt too.
class KineticsJitter : public ::testing::TestWithParam<double> {};

TEST_P(KineticsJitter, SpreadMatchesEmpiricalJitter) {
  ArrivalModel model;
  Path path;
  path.jitter_us = GetParam();
  const Stats s = run(model, path, 3000, 600);
  EXPECT_NEAR(s.mean_spread / s.err_sd, 1.0, 0.15) << "jitter " << GetParam();
  EXPECT_NEAR(s.coverage95, 0.95, 0.03);
  EXPECT_NEAR(model.jitter_us(), GetParam(), 0.2 * GetParam());
}

INSTANTIATE_TEST_SUITE_P(Levels, KineticsJitter, ::testing::Values(500.0, 2'000.0, 15'000.0, 40'000.0));

TEST(Kinetics, ProbabilityOfArrivalFollowsTheParticle) {
  ArrivalModel model;
  Path path;
  (void)run(model, path, 600, 0);
  const Particle p = model.predict(1'000'000 + 600 * kFrameUs);
  EXPECT_NEAR(p.p_arrived_by(p.expected_arrival_us), 0.5, 1e-9);
  EXPECT_NEAR(p.p_arrived_by(p.arrival_quantile(0.99)), 0.99, 1e-6);
  EXPECT_LT(p.p_arrived_by(p.expected_arrival_us - 3 * p.spread_us), 0.01);
}

TEST(Kinetics, LateRetransmissionsAreGated) {
  ArrivalModel model;
  Path path;
  path.late_fraction = 0.03;
  const Stats s = run(model, path, 3000, 300);
  EXPECT_LT(s.mean_abs_delay_err, 2000.0);
  EXPECT_NEAR(s.mean_spread / s.err_sd, 1.0, 0.2);
  EXPECT_GT(model.outliers(), 40U);
  EXPECT_NEAR(static_cast<double>(model.outliers()) / static_cast<double>(model.observations()), 0.03, 0.01);
  EXPECT_GT(model.outlier_rate(), 0.0);
  EXPECT_LT(model.outlier_rate(), 0.1);

  // The same path without the gate: the retransmissions inflate the spread several-fold.
  KineticsConfig ungated;
  ungated.gate_sigma = 1e9;
  ArrivalModel naive(ungated);
  Path same;
  same.late_fraction = 0.03;
  const Stats n = run(naive, same, 3000, 300);
  EXPECT_GT(n.mean_spread, 2.0 * s.mean_spread);
}

TEST(Kinetics, FollowsAPermanentPathChange) {
  ArrivalModel model;
  Path path;
  (void)run(model, path, 600, 0);
  path.offset_us += 100'000.0;  // new route: 100 ms more
  std::int64_t ts = 1'000'000 + 600 * kFrameUs;
  for (int i = 0; i < 30; ++i, ts += kFrameUs) model.observe(ts, path.arrival(ts));
  EXPECT_NEAR(model.delay_us(ts), path.mean_delay(ts), 10'000.0);
}

TEST(Kinetics, ReorderedArrivalsAreUsedWithoutMovingTimeBack) {
  ArrivalModel model;
  Path path;
  path.jitter_us = 1000.0;
  std::vector<std::int64_t> order;
  for (int i = 0; i < 400; ++i) order.push_back(i);
  for (std::size_t i = 0; i + 1 < order.size(); i += 7) std::swap(order[i], order[i + 1]);
  for (auto i : order) {
    const std::int64_t ts = i * kFrameUs;
    model.observe(ts, path.arrival(ts));
  }
  const std::int64_t next = 400 * kFrameUs;
  EXPECT_NEAR(model.delay_us(next), path.mean_delay(next), 1000.0);
  EXPECT_EQ(model.observations(), 400U);
}

TEST(Kinetics, UnobservedModelPredictsTheTimestampWithTheInitialSpread) {
  ArrivalModel model;
  const Particle p = model.predict(5'000'000);
  EXPECT_DOUBLE_EQ(p.expected_arrival_us, 5'000'000.0);
  EXPECT_DOUBLE_EQ(p.spread_us, KineticsConfig{}.initial_jitter_us);
  EXPECT_FALSE(model.ready());
}

}  // namespace
}  // namespace kinetic::mock
