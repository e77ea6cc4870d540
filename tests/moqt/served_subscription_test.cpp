// The publisher's side: priorities on a bandwidth-limited link, group order, delivery
// timeouts and queued-bytes visibility.
#include <gtest/gtest.h>

#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

class ServedSubscriptionTest : public MoqtTest {
 protected:
  void slow_link(std::uint64_t bps) {
    transport::memory::LinkConfig config;
    config.to_client.bandwidth_bps = bps;
    connect(config);
    sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  }
  struct Arrivals : SubscriptionHandler {
    explicit Arrivals(transport::memory::SimulatedLoop& l) : loop(l) {}
    void on_object(Subscription&, const Object& o) override { last[o.group_id] = loop.now(); ++count; }
    void on_subgroup_reset(Subscription&, std::uint64_t g, std::uint64_t, std::uint64_t) override { resets.push_back(g); }
    transport::memory::SimulatedLoop& loop;
    std::map<std::uint64_t, transport::TimePoint> last;
    std::vector<std::uint64_t> resets;
    int count = 0;
  };
  static void write_group(ServedSubscription& s, std::uint64_t group, int objects, std::size_t size,
                          std::uint8_t priority = 128) {
    auto* w = s.open_subgroup({group, 0, priority});
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < objects; ++i) ASSERT_TRUE(w->write(static_cast<std::uint64_t>(i), bytes(std::string(size, 'p'))));
    w->finish();
  }
};

TEST_P(ServedSubscriptionTest, LowerSubscriberPriorityIsSentFirst) {
  slow_link(2'000'000);
  Arrivals low(loop), high(loop);
  SubscribeOptions lo, hi;
  lo.subscriber_priority = 200;
  hi.subscriber_priority = 10;
  auto a = client->subscribe(track("live", "low"), lo, &low);
  auto b = client->subscribe(track("live", "high"), hi, &high);
  run();
  ASSERT_EQ(sh.served.size(), 2u);
  // The low-priority subscription queues its group first.
  write_group(*sh.served[0], 0, 20, 2000);
  write_group(*sh.served[1], 0, 20, 2000);
  EXPECT_GT(sh.served[0]->queued_bytes(), 30'000u);
  run(2s);
  ASSERT_EQ(low.count, 20);
  ASSERT_EQ(high.count, 20);
  EXPECT_LT(high.last[0], low.last[0]);
}

TEST_P(ServedSubscriptionTest, PublisherPriorityBreaksSubscriberTies) {
  slow_link(2'000'000);
  Arrivals arr(loop);
  auto a = client->subscribe(track("live", "v"), {}, &arr);
  run();
  write_group(*sh.served[0], 1, 20, 2000, 200);
  write_group(*sh.served[0], 2, 20, 2000, 5);
  run(2s);
  EXPECT_LT(arr.last[2], arr.last[1]);
}

TEST_P(ServedSubscriptionTest, DescendingGroupOrderSendsNewerGroupsFirst) {
  slow_link(2'000'000);
  Arrivals asc(loop), desc(loop);
  SubscribeOptions d;
  d.group_order = GroupOrder::kDescending;
  auto a = client->subscribe(track("live", "desc"), d, &desc);
  run();
  EXPECT_EQ(sh.served[0]->effective_group_order(), GroupOrder::kDescending);
  write_group(*sh.served[0], 1, 20, 2000);
  write_group(*sh.served[0], 2, 20, 2000);
  run(2s);
  EXPECT_LT(desc.last[2], desc.last[1]);
  auto b = client->subscribe(track("live", "asc"), {}, &asc);
  run();
  write_group(*sh.served[1], 1, 20, 2000);
  write_group(*sh.served[1], 2, 20, 2000);
  run(2s);
  EXPECT_LT(asc.last[1], asc.last[2]);
}

TEST_P(ServedSubscriptionTest, DeliveryTimeoutResetsLateSubgroups) {
  slow_link(200'000);
  Arrivals arr(loop);
  SubscribeOptions o;
  o.delivery_timeout_ms = 100;
  auto sub = client->subscribe(track("live", "v"), o, &arr);
  run();
  EXPECT_EQ(sh.served[0]->options().delivery_timeout_ms, std::optional<std::uint64_t>(100));
  // 100 kB at 200 kbit/s needs four seconds; the timeout abandons it.
  write_group(*sh.served[0], 0, 50, 2000);
  run(2s);
  EXPECT_EQ(arr.resets, std::vector<std::uint64_t>{0});
  EXPECT_LT(arr.count, 50);
  EXPECT_EQ(sh.served[0]->queued_bytes(), 0u);
}

TEST_P(ServedSubscriptionTest, SlowSubscriberDropsWholeGroups) {
  slow_link(500'000);
  Arrivals arr(loop);
  auto sub = client->subscribe(track("live", "v"), {}, &arr);
  run();
  auto& served = *sh.served[0];
  write_group(served, 0, 30, 2000);
  run(100ms);
  // A relay's policy: too much queued, give up on the old group and go on with the new one.
  ASSERT_GT(served.queued_bytes(), 40'000u);
  served.drop_group(0, static_cast<std::uint64_t>(wire::StreamResetCode::kTooFarBehind));
  EXPECT_EQ(served.queued_bytes(), 0u);
  write_group(served, 1, 3, 100);
  run(2s);
  EXPECT_EQ(arr.resets, std::vector<std::uint64_t>{0});
  EXPECT_TRUE(arr.last.count(1));
}

INSTANTIATE_TEST_SUITE_P(Drafts, ServedSubscriptionTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
