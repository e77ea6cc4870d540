#include "kinetic/mock/packet_impairment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace kinetic::mock {
namespace {

PacketImpairmentConfig preset(std::string_view name) {
  PacketImpairmentConfig c;
  auto p = impairment_preset(name);
  EXPECT_TRUE(p.ok());
  c.path = *p;
  return c;
}

PacketImpairment make(const PacketImpairmentConfig& c, std::uint64_t seed = 1) {
  auto m = PacketImpairment::create(c, seed);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().what);
  return std::move(*m);
}

// Every packet of `n`, one every `interval_us`, through a fresh model.
std::vector<PacketFate> run(const PacketImpairmentConfig& c, std::uint64_t seed, int n, std::int64_t interval_us,
                            std::size_t bytes = 1200) {
  auto m = make(c, seed);
  std::vector<PacketFate> out;
  for (int i = 0; i < n; ++i) out.push_back(m.on_packet(i * interval_us, bytes));
  return out;
}

bool same(const std::vector<PacketFate>& a, const std::vector<PacketFate>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].drop != b[i].drop || a[i].deliver_at_us != b[i].deliver_at_us || a[i].reordered != b[i].reordered) {
      return false;
    }
  }
  return true;
}

TEST(PacketImpairment, CleanIsAConstantDelay) {
  auto m = make(preset("clean"));
  for (int i = 0; i < 100; ++i) {
    const auto f = m.on_packet(i * 1000, 1200);
    ASSERT_TRUE(f.delivered());
    EXPECT_EQ(f.deliver_at_us, i * 1000 + 5000);
  }
  EXPECT_EQ(m.counters().delivered, 100u);
  EXPECT_EQ(m.counters().delivered_bytes, 120'000u);
}

TEST(PacketImpairment, SameSeedSameFatesOtherSeedOthers) {
  auto c = preset("congested");
  c.reorder = 0.05;
  const auto a = run(c, 7, 5000, 2000);
  EXPECT_TRUE(same(a, run(c, 7, 5000, 2000)));
  EXPECT_FALSE(same(a, run(c, 8, 5000, 2000)));
}

TEST(PacketImpairment, LossNearTheChainsStationaryRate) {
  for (const char* name : {"wifi", "lte", "congested"}) {
    const auto c = preset(name);
    auto m = make(c, 3);
    const int n = 200'000;
    for (int i = 0; i < n; ++i) m.on_packet(i * 500, 1200);
    const auto& k = m.counters();
    const double rate = static_cast<double>(k.lost + k.burst_lost) / n;
    EXPECT_NEAR(rate, c.path.stationary_loss(), 0.15 * c.path.stationary_loss()) << name;
    EXPECT_GT(k.burst_lost, k.lost) << name;  // the presets lose mostly in bursts
  }
}

TEST(PacketImpairment, RandomLossAddsToTheChain) {
  auto c = preset("clean");
  c.loss = 0.1;
  auto m = make(c);
  const int n = 100'000;
  for (int i = 0; i < n; ++i) m.on_packet(i * 100, 100);
  EXPECT_NEAR(static_cast<double>(m.counters().lost) / n, 0.1, 0.01);
  EXPECT_EQ(m.counters().burst_lost, 0u);
  c.loss = 1.0;
  auto all = make(c);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(all.on_packet(i, 100).drop, PacketDrop::kLoss);
}

TEST(PacketImpairment, JitterKeepsPacketsInOrderWithoutReordering) {
  auto c = preset("congested");
  c.loss = 0;
  c.path.loss_good = c.path.loss_bad = 0;
  c.jitter_interval_ms = 0;  // a fresh value per packet: the hardest case for order
  auto m = make(c, 11);
  std::int64_t last = 0;
  std::int64_t max_delay = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t now = i * 1000;
    const auto f = m.on_packet(now, 1200);
    ASSERT_TRUE(f.delivered());
    ASSERT_GE(f.deliver_at_us, last);
    ASSERT_GE(f.deliver_at_us - now, 50'000);  // never below the base delay
    max_delay = std::max(max_delay, f.deliver_at_us - now);
    last = f.deliver_at_us;
  }
  EXPECT_GT(max_delay, 100'000);  // the Pareto tail did show
}

TEST(PacketImpairment, JitterIsHeldForItsInterval) {
  auto c = preset("lte");
  c.path.loss_good = c.path.loss_bad = 0;
  c.jitter_interval_ms = 50;
  auto m = make(c, 5);
  // Packets 1 ms apart inside one interval see one jitter value: spacing is preserved.
  const auto first = m.on_packet(100'000, 100);
  for (int i = 1; i < 40; ++i) EXPECT_EQ(m.on_packet(100'000 + i * 1000, 100).deliver_at_us, first.deliver_at_us + i * 1000);
}

TEST(PacketImpairment, ReorderedPacketsAreOvertaken) {
  auto c = preset("clean");
  c.reorder = 0.2;
  c.reorder_ms = 10;
  auto m = make(c, 2);
  std::vector<std::pair<std::int64_t, int>> arrivals;
  for (int i = 0; i < 1000; ++i) {
    const auto f = m.on_packet(i * 1000, 1200);
    ASSERT_TRUE(f.delivered());
    EXPECT_EQ(f.deliver_at_us, i * 1000 + 5000 + (f.reordered ? 10'000 : 0));
    arrivals.emplace_back(f.deliver_at_us, i);
  }
  EXPECT_NEAR(static_cast<double>(m.counters().reordered), 200, 50);
  std::stable_sort(arrivals.begin(), arrivals.end());
  int out_of_order = 0;
  for (std::size_t i = 1; i < arrivals.size(); ++i) out_of_order += arrivals[i].second < arrivals[i - 1].second;
  EXPECT_GT(out_of_order, 100);
}

TEST(PacketImpairment, RateLimitSpacesPackets) {
  auto c = preset("clean");
  c.path.base_delay_ms = 0;
  c.rate_kbps = 1000;  // 1250-byte packets take 10 ms each
  c.queue_ms = 1000;
  auto m = make(c);
  for (int i = 0; i < 10; ++i) {
    const auto f = m.on_packet(0, 1250);  // a burst of ten at once
    ASSERT_TRUE(f.delivered());
    EXPECT_EQ(f.deliver_at_us, (i + 1) * 10'000);
  }
  // An idle link sends at once again.
  EXPECT_EQ(m.on_packet(1'000'000, 1250).deliver_at_us, 1'010'000);
}

TEST(PacketImpairment, FullQueueDropsTheTail) {
  auto c = preset("clean");
  c.rate_kbps = 1000;  // 10 ms per 1250-byte packet
  c.queue_ms = 45;     // a packet may wait at most 45 ms: five are in line or on the wire
  auto m = make(c);
  std::vector<PacketDrop> drops;
  for (int i = 0; i < 8; ++i) drops.push_back(m.on_packet(0, 1250).drop);
  EXPECT_EQ(std::count(drops.begin(), drops.begin() + 5, PacketDrop::kNone), 5);
  EXPECT_EQ(std::count(drops.begin() + 5, drops.end(), PacketDrop::kQueue), 3);
  EXPECT_EQ(m.counters().queue_dropped, 3u);
  // Once it drains, packets pass again.
  EXPECT_TRUE(m.on_packet(50'000, 1250).delivered());

  c.queue_ms = 0;
  c.queue_bytes = 3000;  // two 1250-byte packets fit, the third would pass the limit
  auto b = make(c);
  EXPECT_TRUE(b.on_packet(0, 1250).delivered());   // on the wire, nothing queued ahead
  EXPECT_TRUE(b.on_packet(0, 1250).delivered());   // 1250 ahead
  EXPECT_TRUE(b.on_packet(0, 500).delivered());    // 2500 ahead + 500 fits
  EXPECT_EQ(b.on_packet(0, 1250).drop, PacketDrop::kQueue);
}

TEST(PacketImpairment, TraceStepsTakeOverAtTheirTimes) {
  auto c = preset("lte");  // until the first step: the preset
  c.trace = {{1000, 20, 0, 0, 0}, {2000, 80, 0, 100, 0}, {3000, 10, 0, 0, 1000}};
  auto m = make(c);
  for (int i = 0; i < 10; ++i) {
    const auto f = m.on_packet(1'000'000 + i * 10'000, 1200);
    ASSERT_TRUE(f.delivered());  // the chain is off while a step rules
    EXPECT_EQ(f.deliver_at_us, 1'000'000 + i * 10'000 + 20'000);
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(m.on_packet(2'000'000 + i * 1000, 1200).drop, PacketDrop::kLoss);
  // 1000 kbit/s: 1250 bytes take 10 ms, then 10 ms of path.
  EXPECT_EQ(m.on_packet(3'000'000, 1250).deliver_at_us, 3'020'000);
  EXPECT_EQ(m.on_packet(3'000'000, 1250).deliver_at_us, 3'030'000);
}

TEST(PacketImpairment, TraceJitterIsUniformAroundItsMean) {
  auto c = preset("clean");
  c.trace = {{0, 10, 20, 0, 0}};
  c.jitter_interval_ms = 0;
  c.reorder = 0;
  auto m = make(c);
  double sum = 0;
  const int n = 20'000;
  std::int64_t now = 0;
  for (int i = 0; i < n; ++i, now += 100'000) {  // far apart, so FIFO never lifts a delay
    const auto f = m.on_packet(now, 100);
    const double jitter_ms = static_cast<double>(f.deliver_at_us - now - 10'000) / 1000.0;
    ASSERT_GE(jitter_ms, 0);
    ASSERT_LE(jitter_ms, 40);
    sum += jitter_ms;
  }
  EXPECT_NEAR(sum / n, 20, 0.5);
}

TEST(PacketImpairment, TimeGoingBackwardsIsHeldAtTheLatest) {
  auto m = make(preset("clean"));
  EXPECT_EQ(m.on_packet(10'000, 100).deliver_at_us, 15'000);
  EXPECT_EQ(m.on_packet(5'000, 100).deliver_at_us, 15'000);
}

TEST(PacketImpairment, BadParametersAreRejected) {
  auto bad = [](auto edit) {
    auto c = preset("wifi");
    edit(c);
    return !PacketImpairment::create(c, 1).ok();
  };
  EXPECT_TRUE(bad([](auto& c) { c.loss = 1.5; }));
  EXPECT_TRUE(bad([](auto& c) { c.loss = -0.1; }));
  EXPECT_TRUE(bad([](auto& c) { c.reorder = 2; }));
  EXPECT_TRUE(bad([](auto& c) { c.rate_kbps = 0.5; }));
  EXPECT_TRUE(bad([](auto& c) { c.rate_kbps = 1e12; }));
  EXPECT_TRUE(bad([](auto& c) { c.queue_ms = -1; }));
  EXPECT_TRUE(bad([](auto& c) { c.reorder_ms = 1e9; }));
  EXPECT_TRUE(bad([](auto& c) { c.jitter_interval_ms = std::numeric_limits<double>::quiet_NaN(); }));
  EXPECT_TRUE(bad([](auto& c) { c.path.base_delay_ms = std::numeric_limits<double>::infinity(); }));
  EXPECT_TRUE(bad([](auto& c) { c.path.base_delay_ms = 61'000; }));
  EXPECT_TRUE(bad([](auto& c) { c.path.p_good_to_bad = 1.1; }));
  EXPECT_TRUE(bad([](auto& c) { c.trace = {{100, 1, 1, 0, 0}, {100, 1, 1, 0, 0}}; }));
  EXPECT_TRUE(bad([](auto& c) { c.trace = {{0, 1, 1, 120, 0}}; }));
  EXPECT_FALSE(bad([](auto&) {}));
}

TEST(PacketImpairment, DescribeNamesEverySetting) {
  auto c = preset("lte");
  c.rate_kbps = 2000;
  c.reorder = 0.01;
  c.trace = {{0, 1, 1, 0, 0}};
  const auto d = c.describe();
  for (const char* part : {"lte", "delay 35 ms", "gamma", "Gilbert-Elliott", "rate 2000 kbit/s", "queue 100 ms",
                           "reorder 1%", "trace of 1 steps"}) {
    EXPECT_NE(d.find(part), std::string::npos) << part << " in " << d;
  }
  EXPECT_EQ(packet_drop_name(PacketDrop::kBurst), "burst");
}

}  // namespace
}  // namespace kinetic::mock
