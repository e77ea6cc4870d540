#include "kinetic/transport/memory/path_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kinetic::transport::memory {
namespace {

const TimePoint kStart = TimePoint(std::chrono::hours(1));

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Sends `n` unreliable packets `gap` apart and returns the one-way delays (ms) of those
// that arrived; `lost` counts the rest.
std::vector<double> send_spaced(PathModel& path, int n, Duration gap, int& lost) {
  std::vector<double> delays;
  lost = 0;
  TimePoint now = kStart;
  for (int i = 0; i < n; ++i, now += gap) {
    const Transmission t = path.transmit(now, 100, false);
    if (t.lost) {
      ++lost;
    } else {
      delays.push_back(ms(t.arrival - now));
    }
  }
  return delays;
}

void mean_and_sd(const std::vector<double>& v, double& mean, double& sd) {
  double sum = 0, sq = 0;
  for (double x : v) sum += x;
  mean = sum / static_cast<double>(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  sd = std::sqrt(sq / static_cast<double>(v.size()));
}

TEST(PathModel, FixedDelayWithoutImpairment) {
  PathConfig c;
  c.delay = 25ms;
  PathModel path(c, 1, 100ms);
  const Transmission t = path.transmit(kStart, 1000, false);
  EXPECT_FALSE(t.lost);
  EXPECT_EQ(t.losses, 0u);
  EXPECT_EQ(t.arrival, kStart + 25ms);
  EXPECT_EQ(path.free_at(), kStart);  // unlimited bandwidth never occupies the wire
}

TEST(PathModel, RandomLossRateWithinTolerance) {
  PathConfig c;
  c.loss = 0.05;
  PathModel path(c, 42, 100ms);
  int lost = 0;
  send_spaced(path, 10000, 1ms, lost);
  EXPECT_NEAR(lost / 10000.0, 0.05, 0.01);
  EXPECT_EQ(path.packets_lost(), static_cast<std::uint64_t>(lost));
  EXPECT_EQ(path.packets_sent(), 10000u);
}

TEST(PathModel, GilbertElliottBurstLengthAndRate) {
  PathConfig c;
  c.burst.p_good_to_bad = 0.01;
  c.burst.p_bad_to_good = 0.25;  // mean burst of 4 packets
  c.burst.loss_good = 0.0;
  c.burst.loss_bad = 1.0;
  PathModel path(c, 7, 100ms);
  std::vector<bool> lost;
  for (int i = 0; i < 200000; ++i) lost.push_back(path.transmit(kStart + i * 1ms, 100, false).lost);
  int bursts = 0, lost_total = 0;
  for (std::size_t i = 0; i < lost.size(); ++i) {
    if (lost[i]) {
      ++lost_total;
      if (i == 0 || !lost[i - 1]) ++bursts;
    }
  }
  ASSERT_GT(bursts, 100);
  const double mean_burst = static_cast<double>(lost_total) / bursts;
  EXPECT_NEAR(mean_burst, 4.0, 0.4);
  // Stationary share of Bad: p_gb / (p_gb + p_bg).
  EXPECT_NEAR(lost_total / 200000.0, 0.01 / 0.26, 0.006);
}

TEST(PathModel, NormalJitterMatchesItsMeanAndSpread) {
  PathConfig c;
  c.delay = 50ms;
  c.jitter = {JitterModel::Kind::kNormal, 5ms};
  PathModel path(c, 3, 100ms);
  int lost = 0;
  // Packets far apart, so that no-reordering never clips a sample.
  const auto delays = send_spaced(path, 5000, 100ms, lost);
  double mean = 0, sd = 0;
  mean_and_sd(delays, mean, sd);
  EXPECT_NEAR(mean, 50.0, 0.5);
  EXPECT_NEAR(sd, 5.0, 0.3);
}

TEST(PathModel, UniformJitterStaysInItsRange) {
  PathConfig c;
  c.delay = 30ms;
  c.jitter = {JitterModel::Kind::kUniform, 10ms};
  PathModel path(c, 4, 100ms);
  int lost = 0;
  const auto delays = send_spaced(path, 5000, 100ms, lost);
  double mean = 0, sd = 0;
  mean_and_sd(delays, mean, sd);
  for (double d : delays) {
    EXPECT_GE(d, 20.0);
    EXPECT_LE(d, 40.0);
  }
  EXPECT_NEAR(mean, 30.0, 0.4);
  EXPECT_NEAR(sd, 20.0 / std::sqrt(12.0), 0.3);
}

TEST(PathModel, ExponentialJitterOnlyAddsDelay) {
  PathConfig c;
  c.delay = 20ms;
  c.jitter = {JitterModel::Kind::kExponential, 4ms};
  PathModel path(c, 5, 100ms);
  int lost = 0;
  const auto delays = send_spaced(path, 5000, 200ms, lost);
  double mean = 0, sd = 0;
  mean_and_sd(delays, mean, sd);
  for (double d : delays) EXPECT_GE(d, 20.0);
  EXPECT_NEAR(mean, 24.0, 0.3);
}

TEST(PathModel, JitterNeverReorders) {
  PathConfig c;
  c.delay = 20ms;
  c.jitter = {JitterModel::Kind::kNormal, 10ms};
  PathModel path(c, 6, 100ms);
  TimePoint last{};
  for (int i = 0; i < 2000; ++i) {
    const Transmission t = path.transmit(kStart + i * 1ms, 100, false);
    EXPECT_GE(t.arrival, last);
    last = t.arrival;
  }
}

TEST(PathModel, ReorderKnobLetsPacketsOvertake) {
  PathConfig c;
  c.delay = 20ms;
  c.reorder = 0.1;
  c.reorder_delay = 5ms;
  PathModel path(c, 8, 100ms);
  std::vector<TimePoint> arrival;
  for (int i = 0; i < 2000; ++i) arrival.push_back(path.transmit(kStart + i * 1ms, 100, false).arrival);
  // A held-back packet arrives after the one sent next.
  int held_back = 0;
  for (std::size_t i = 0; i + 1 < arrival.size(); ++i) held_back += arrival[i] > arrival[i + 1] ? 1 : 0;
  EXPECT_NEAR(held_back / 2000.0, 0.1 * 0.9, 0.02);
}

TEST(PathModel, BandwidthSerializesPacketsOneAfterAnother) {
  PathConfig c;
  c.delay = 10ms;
  c.bandwidth_bps = 8'000'000;  // one byte per microsecond
  c.overhead = 0;
  PathModel path(c, 9, 100ms);
  EXPECT_EQ(path.serialization_time(1000), std::chrono::microseconds(1000));
  const Transmission a = path.transmit(kStart, 1000, true);
  EXPECT_EQ(path.free_at(), kStart + 1ms);
  EXPECT_EQ(a.arrival, kStart + 11ms);
  // Handed over early, the second waits for the wire.
  const Transmission b = path.transmit(kStart, 1000, true);
  EXPECT_EQ(b.arrival, kStart + 12ms);
  EXPECT_EQ(path.free_at(), kStart + 2ms);
}

TEST(PathModel, ReliablePacketsAreDelayedNotLost) {
  PathConfig c;
  c.delay = 10ms;
  c.loss = 0.3;
  PathModel path(c, 10, 45ms);
  int recovered = 0;
  for (int i = 0; i < 1000; ++i) {
    const TimePoint now = kStart + i * 10ms;
    const Transmission t = path.transmit(now, 100, true);
    EXPECT_FALSE(t.lost);
    EXPECT_EQ(t.arrival, now + 10ms + 45ms * t.losses);
    if (t.losses > 0) ++recovered;
  }
  EXPECT_NEAR(recovered / 1000.0, 0.3, 0.05);
}

TEST(PathModel, RetransmissionsTakeTheWireAgain) {
  PathConfig c;
  c.bandwidth_bps = 8'000'000;
  c.overhead = 0;
  c.loss = 1.0;
  PathModel path(c, 12, 10ms);
  const Transmission t = path.transmit(kStart, 1000, true);
  EXPECT_EQ(path.free_at(), kStart + 1ms * (1 + t.losses));
}

TEST(PathModel, TotalLossStillEndsForReliablePackets) {
  PathConfig c;
  c.loss = 1.0;
  PathModel path(c, 11, 10ms);
  const Transmission t = path.transmit(kStart, 100, true);
  EXPECT_FALSE(t.lost);
  EXPECT_GT(t.losses, 0u);
  EXPECT_TRUE(path.transmit(kStart, 100, false).lost);
}

std::vector<TimePoint> arrivals(std::uint64_t seed) {
  PathConfig c;
  c.delay = 20ms;
  c.jitter = {JitterModel::Kind::kNormal, 3ms};
  c.loss = 0.05;
  PathModel path(c, seed, 50ms);
  std::vector<TimePoint> out;
  for (int i = 0; i < 500; ++i) {
    const Transmission t = path.transmit(kStart + i * 10ms, 100, false);
    out.push_back(t.lost ? TimePoint{} : t.arrival);
  }
  return out;
}

TEST(PathModel, SameSeedSameDrawsDifferentSeedDifferent) {
  EXPECT_EQ(arrivals(123), arrivals(123));
  EXPECT_NE(arrivals(123), arrivals(124));
}

}  // namespace
}  // namespace kinetic::transport::memory
