// The bucketed durations behind the relay's send-delay metric: bucket edges as Prometheus's
// `le` (at most the bound), shares and quantiles of a window, and summing workers.
#include "kinetic/base/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kinetic {
namespace {

using namespace std::chrono_literals;

TEST(LatencyHistogram, ABoundItselfCountsInItsBucket) {
  LatencyHistogram h;
  h.record(1ms);                      // le 1 ms
  h.record(1001us);                   // le 1.5 ms
  h.record(-5us);                     // a clock that went back counts as 0
  h.record(std::chrono::seconds(5));  // +Inf
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.bucket(0), 1u);
  EXPECT_EQ(h.bucket(5), 1u);  // kBoundsMs[5] == 1
  EXPECT_EQ(h.bucket(6), 1u);
  EXPECT_EQ(h.bucket(LatencyHistogram::kBoundsMs.size()), 1u);
  EXPECT_EQ(h.sum_ns(), 1'000'000u + 1'001'000u + 5'000'000'000u);
}

TEST(LatencyCounts, ShareAndQuantilesOfAWindow) {
  LatencyHistogram h;
  for (int i = 0; i < 50; ++i) h.record(200us);  // (0.1, 0.25]
  const auto before = LatencyCounts::of(h);
  for (int i = 0; i < 98; ++i) h.record(800us);  // (0.75, 1]
  h.record(2500us);                              // (2, 3]
  h.record(40ms);                                // (30, 50]
  const auto window = LatencyCounts::of(h).since(before);
  EXPECT_EQ(window.count(), 100u);
  EXPECT_DOUBLE_EQ(window.share_within(1), 0.98);
  EXPECT_DOUBLE_EQ(window.share_within(3), 0.99);
  // The median is inside (0.75, 1]; the 99th percentile is the last of (2, 3].
  EXPECT_GT(window.quantile_ms(0.5), 0.75);
  EXPECT_LE(window.quantile_ms(0.5), 1.0);
  EXPECT_DOUBLE_EQ(window.quantile_ms(0.99), 3.0);
  EXPECT_GT(window.quantile_ms(1.0), 30.0);
  EXPECT_EQ(LatencyCounts{}.quantile_ms(0.99), 0.0);
}

TEST(LatencyHistogram, WorkersAddUpAndAssignCopies) {
  LatencyHistogram a, b, sum;
  a.record(100us);
  b.record(100us);
  b.record(20ms);
  sum.add(a);
  sum.add(b);
  EXPECT_EQ(sum.count(), 3u);
  LatencyHistogram reported;
  reported.record(1ms);
  reported.assign(sum);
  EXPECT_EQ(reported.count(), 3u);
  EXPECT_EQ(reported.sum_ns(), sum.sum_ns());
  reported.reset();
  EXPECT_EQ(reported.count(), 0u);
}

}  // namespace
}  // namespace kinetic
