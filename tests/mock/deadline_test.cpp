#include "kinetic/mock/deadline.hpp"

#include <gtest/gtest.h>

#include <random>

namespace kinetic::mock {
namespace {

constexpr std::int64_t kFrameUs = 33'333;

DeadlineConfig adaptive() {
  DeadlineConfig c;
  c.mode = DeadlineMode::kAdaptive;
  c.latency_us = 500'000;
  c.target_stall = 0.01;
  c.step_us = 5'000;
  c.hysteresis_us = 20'000;
  c.max_decrease_per_s = 0.05;
  return c;
}

// Feeds `frames` objects with the given jitter and re-plans after each, like a player does.
void drive(ArrivalModel& model, DeadlinePolicy& policy, std::mt19937_64& rng, std::int64_t& ts, int frames,
           double jitter_us, std::vector<std::int64_t>* trace = nullptr) {
  std::normal_distribution<double> n(0.0, jitter_us);
  for (int i = 0; i < frames; ++i, ts += kFrameUs) {
    const auto arrival = ts + 50'000 + static_cast<std::int64_t>(n(rng));
    model.observe(ts, arrival);
    policy.update(model, ts + kFrameUs, arrival);
    if (trace != nullptr) trace->push_back(policy.latency_us());
  }
}

TEST(Deadline, FixedPolicyAddsOffsetAndBudget) {
  DeadlineConfig c;
  c.latency_us = 150'000;
  DeadlinePolicy p(c);
  p.set_clock_offset_us(-1'000'000);
  EXPECT_EQ(p.deadline_us(5'000'000), 5'000'000 - 1'000'000 + 150'000);
  ArrivalModel model;
  for (int i = 0; i < 50; ++i) model.observe(i * kFrameUs, i * kFrameUs + 400'000);
  EXPECT_EQ(p.update(model, 50 * kFrameUs, 3'000'000), 150'000);
}

TEST(Deadline, RequiredLatencyIsTheStallQuantileRoundedUp) {
  DeadlinePolicy p(adaptive());
  Particle particle;
  particle.timestamp_us = 1'000'000;
  particle.expected_arrival_us = 1'050'000;
  particle.spread_us = 10'000;
  // 50 ms + 2.326·10 ms = 73.3 ms → 75 ms in 5 ms steps.
  const auto need = p.required_latency_us(particle);
  EXPECT_EQ(need, 75'000);
  EXPECT_LE(p.stall_probability(particle, need), 0.01);
  EXPECT_GT(p.stall_probability(particle, need - 5'000), 0.01);
}

TEST(Deadline, LateTailBeyondTargetAsksForTheMaximum) {
  DeadlineConfig c = adaptive();
  c.count_late_tail = true;
  DeadlinePolicy p(c);
  Particle particle;
  particle.timestamp_us = 0;
  particle.expected_arrival_us = 50'000;
  particle.spread_us = 1'000;
  particle.late_tail = 0.005;
  EXPECT_LT(p.required_latency_us(particle), 100'000);
  particle.late_tail = 0.02;
  EXPECT_EQ(p.required_latency_us(particle), c.max_latency_us);
}

TEST(Deadline, AdaptiveRisesAtOnceAndFallsSlowly) {
  ArrivalModel model;
  DeadlinePolicy policy(adaptive());
  std::mt19937_64 rng(9);
  std::int64_t ts = 0;
  // Quiet path: 4 ms jitter. The budget falls from 500 ms towards ~60 ms, but slowly.
  std::vector<std::int64_t> trace;
  drive(model, policy, rng, ts, 300, 4'000.0, &trace);  // 10 s
  for (std::size_t i = 1; i < trace.size(); ++i) {
    // Never more than 5 %/s: one frame interval allows 0.17 %, so a step at most now and then.
    EXPECT_LE(trace[i - 1] - trace[i], 5'000) << i;
  }
  EXPECT_LT(policy.latency_us(), 500'000);
  EXPECT_GT(policy.latency_us(), 250'000);  // 10 s at 5 %/s cannot get lower than 500·0.95^10
  drive(model, policy, rng, ts, 3000, 4'000.0);  // 100 s more
  EXPECT_GE(policy.latency_us(), 55'000);
  EXPECT_LE(policy.latency_us(), 95'000);  // within hysteresis of ~60 ms
  const std::int64_t quiet = policy.latency_us();

  // Jitter jumps to 20 ms. The budget follows the model at once (never below what it asks
  // for after any update) and ends near 50 + 2.33·20 ms once the jitter estimate caught up.
  std::normal_distribution<double> n(0.0, 20'000.0);
  for (int i = 0; i < 150; ++i, ts += kFrameUs) {
    const auto arrival = ts + 50'000 + static_cast<std::int64_t>(n(rng));
    model.observe(ts, arrival);
    policy.update(model, ts + kFrameUs, arrival);
    EXPECT_GE(policy.latency_us(), policy.required_latency_us(model.predict(ts + kFrameUs))) << i;
  }
  EXPECT_GT(policy.latency_us(), quiet);
  EXPECT_GE(policy.latency_us(), 90'000);
}

TEST(Deadline, HysteresisIgnoresSmallImprovements) {
  DeadlineConfig c = adaptive();
  c.latency_us = 100'000;
  DeadlinePolicy p(c);
  ArrivalModel model;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n(0.0, 8'000.0);
  // 50 ms + 2.33 · ~8 ms ≈ 70 ms: more than hysteresis below 100 ms, so it falls …
  std::int64_t ts = 0;
  for (int i = 0; i < 3000; ++i, ts += kFrameUs) {
    model.observe(ts, ts + 50'000 + static_cast<std::int64_t>(n(rng)));
    p.update(model, ts + kFrameUs, ts);
  }
  EXPECT_LT(p.latency_us(), 100'000);
  // … but never below what the path needs.
  EXPECT_GE(p.latency_us(), p.required_latency_us(model.predict(ts)) - c.step_us);
}

}  // namespace
}  // namespace kinetic::mock
