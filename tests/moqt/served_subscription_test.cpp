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
  // Over a link of `bps`, subscribes `arr` to live/v with OBJECT_DELIVERY_TIMEOUT `timeout_ms`.
  std::shared_ptr<Subscription> subscribe_with_timeout(std::uint64_t bps, std::uint64_t timeout_ms,
                                                       Arrivals& arr) {
    slow_link(bps);
    SubscribeOptions o;
    o.delivery_timeout_ms = timeout_ms;
    auto sub = client->subscribe(track("live", "v"), o, &arr);
    run();
    return sub;
  }
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
  Arrivals arr(loop);
  auto sub = subscribe_with_timeout(200'000, 100, arr);
  EXPECT_EQ(sh.served[0]->options().delivery_timeout_ms, std::optional<std::uint64_t>(100));
  // 100 kB at 200 kbit/s needs four seconds; the timeout abandons it.
  write_group(*sh.served[0], 0, 50, 2000);
  run(2s);
  EXPECT_EQ(arr.resets, std::vector<std::uint64_t>{0});
  EXPECT_LT(arr.count, 50);
  EXPECT_EQ(sh.served[0]->queued_bytes(), 0u);
}

// The draft's 0 means no timeout. Taken as a timeout of 0 ms, the check re-armed itself at
// once for as long as the subgroup stayed open (found by fuzz_relay_session): simulated time
// never moved on, and a real loop would spin a core per subgroup.
TEST_P(ServedSubscriptionTest, DeliveryTimeoutOfZeroIsNoTimeout) {
  Arrivals arr(loop);
  auto sub = subscribe_with_timeout(200'000, 0, arr);
  ASSERT_EQ(sh.served.size(), 1u);
  EXPECT_FALSE(sh.served[0]->options().delivery_timeout_ms.has_value());
  auto* w = sh.served[0]->open_subgroup({0, 0, 128});
  ASSERT_NE(w, nullptr);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(w->write(static_cast<std::uint64_t>(i), bytes(std::string(2000, 'z'))));
  run(3s);  // 40 kB at 200 kbit/s: 1.6 s, far beyond any timeout
  EXPECT_TRUE(arr.resets.empty());
  EXPECT_EQ(arr.count, 20);
  w->finish();
}

TEST_P(ServedSubscriptionTest, TheLongestDeliveryTimeoutAPeerCanSendIsNoSpin) {
  // 2^62 - 1 ms does not fit the clock's nanoseconds: the check must wait, not fire at once
  // and re-arm for ever (one SUBSCRIBE spun a relay so).
  Arrivals arr(loop);
  auto sub = subscribe_with_timeout(200'000, (std::uint64_t{1} << 62) - 1, arr);
  ASSERT_EQ(sh.served.size(), 1u);
  auto* w = sh.served[0]->open_subgroup({0, 0, 128});
  ASSERT_NE(w, nullptr);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(w->write(static_cast<std::uint64_t>(i), bytes(std::string(2000, 'z'))));
  EXPECT_LT(loop.run_for(3s), 10'000u) << "events in 3 s of a 200 kbit/s link";
  EXPECT_TRUE(arr.resets.empty());
  EXPECT_EQ(arr.count, 20);
  w->finish();
}

// A live subgroup on a link with room for it always has its newest object in flight; that is
// not lateness, and the timeout must not cut the stream for it.
TEST_P(ServedSubscriptionTest, DeliveryTimeoutSparesAStreamThatKeepsUp) {
  Arrivals arr(loop);
  auto sub = subscribe_with_timeout(1'000'000, 100, arr);
  auto* w = sh.served[0]->open_subgroup({0, 0, 128});
  ASSERT_NE(w, nullptr);
  // 2000 bytes every 30 ms is half the link: each object spends ~16 ms queued behind the wire.
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(w->write(static_cast<std::uint64_t>(i), bytes(std::string(2000, 'p'))));
    run(30ms);
  }
  w->finish();
  run(1s);
  EXPECT_TRUE(arr.resets.empty());
  EXPECT_EQ(arr.count, 60);
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

// GOAWAY on one request stream migrates that subscription alone; one left in place is reset
// with GOING_AWAY after the timeout, while the session and other subscriptions go on.
TEST_P(ServedSubscriptionTest, GoawayOnOneSubscriptionMovesOnlyIt) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription moved, stays;
  auto a = client->subscribe(track("live", "moved"), {}, &moved);
  auto b = client->subscribe(track("live", "stays"), {}, &stays);
  run();
  ASSERT_EQ(sh.served.size(), 2u);
  EXPECT_TRUE(sh.served[0]->goaway("moqt://edge-2.example/moq", 1s));
  EXPECT_FALSE(sh.served[0]->goaway("moqt://again.example/"));
  auto* w = sh.served[0]->open_subgroup({0, 0});
  ASSERT_NE(w, nullptr);
  w->write(0, bytes("still flowing"));
  run();
  ASSERT_EQ(ch.request_goaways.size(), 1u);
  EXPECT_EQ(ch.request_goaways[0].first, a->request_id());
  EXPECT_EQ(ch.request_goaways[0].second, "moqt://edge-2.example/moq");
  EXPECT_FALSE(ch.goaway_uri);  // not a session GOAWAY
  EXPECT_EQ(moved.objects.size(), 1u);
  run(1500ms);
  EXPECT_EQ(sh.served[0]->state(), RequestState::kDone);
  EXPECT_EQ(a->state(), RequestState::kDone);
  EXPECT_EQ(sh.served[1]->state(), RequestState::kActive);
  EXPECT_EQ(b->state(), RequestState::kActive);
  EXPECT_FALSE(ch.closed);
}

// Draft-20 LOCATION_FILTER's starts some groups back and its end object; draft-18 cannot say
// either, so they are refused before anything is sent.
TEST_P(ServedSubscriptionTest, LocationFiltersOfDraft20) {
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{10, 5}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  const bool d20 = GetParam() == "moqt-20";
  struct Case {
    SubscribeFilter filter;
    Location first_in;
    Location first_out;  // the first location past the end, or before the start
  };
  const std::vector<Case> cases = {
      {SubscribeFilter::recent_groups(1), {10, 0}, {9, 99}},   // the current group
      {SubscribeFilter::recent_groups(3), {8, 0}, {7, 99}},    // two groups before it
      {SubscribeFilter::recent_groups(50), {0, 0}, {0, 0}},    // clamped at group 0
      {SubscribeFilter::range({3, 4}, 6, 2), {6, 2}, {6, 3}},  // up to object 2 of group 6
  };
  std::vector<RecordingSubscription> handlers(cases.size());
  std::vector<std::shared_ptr<Subscription>> subs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SubscribeOptions o;
    o.filter = cases[i].filter;
    subs.push_back(client->subscribe(track("live", "f" + std::to_string(i)), o, &handlers[i]));
  }
  run();
  if (!d20) {
    EXPECT_TRUE(sh.served.empty());
    for (const auto& h : handlers) {
      ASSERT_TRUE(h.error);
      EXPECT_EQ(h.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported));
    }
    // "No groups back" is draft-18's NextGroupStart.
    SubscribeOptions o;
    o.filter = SubscribeFilter::recent_groups(0);
    RecordingSubscription h;
    auto s = client->subscribe(track("live", "zero"), o, &h);
    run();
    ASSERT_EQ(sh.served.size(), 1u);
    EXPECT_EQ(sh.served[0]->options().filter.type, FilterType::kNextGroupStart);
    return;
  }
  ASSERT_EQ(sh.served.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(sh.served[i]->options().filter, cases[i].filter);
    EXPECT_TRUE(sh.served[i]->in_filter(cases[i].first_in));
    if (i != 2) {
      EXPECT_FALSE(sh.served[i]->in_filter(cases[i].first_out));
    }
    EXPECT_TRUE(handlers[i].ok);
  }
}

TEST_P(ServedSubscriptionTest, RangesEndingBeforeTheyStartAreInvalid) {
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{10, 5}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  RecordingSubscription a, b;
  SubscribeOptions o;
  o.filter = SubscribeFilter::range({5, 0}, 4);
  // An end group before the start group has no wire form (the end is a delta): refused here.
  auto sa = client->subscribe(track("live", "a"), o, &a);
  ASSERT_TRUE(a.error);
  EXPECT_EQ(a.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidRange));
  if (GetParam() == "moqt-20") {
    // Within one group the end object can precede the start: the publisher refuses it.
    o.filter = SubscribeFilter::range({5, 3}, 5, 1);
    auto sb = client->subscribe(track("live", "b"), o, &b);
    run();
    ASSERT_TRUE(b.error);
    EXPECT_EQ(b.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidRange));
    EXPECT_TRUE(sh.served.empty()) << "refused before the application held it";
  }
  EXPECT_FALSE(sh.closed);
}

TEST_P(ServedSubscriptionTest, RangeFiltersSelectObjects) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  SubscribeOptions o;
  o.filter = SubscribeFilter::from({0, 0});
  // Set 0: subgroup 0 AND object IDs 0..1 or 5+; set 1: publisher priority 0..9.
  o.range_filters = {{RangeField::kSubgroup, 0, 0, {{0, 0}}},
                     {RangeField::kObjectId, 0, 0, {{0, 1}, {5, std::nullopt}}},
                     {RangeField::kPriority, 1, 0, {{0, 9}}}};
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), o, &rs);
  run();
  if (GetParam() == "moqt-18") {
    ASSERT_TRUE(rs.error);
    EXPECT_EQ(rs.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported));
    return;
  }
  ASSERT_EQ(sh.served.size(), 1u);
  const auto& served = *sh.served[0];
  EXPECT_EQ(served.options().range_filters, o.range_filters);
  auto obj = [](std::uint64_t subgroup, std::uint64_t id, std::uint8_t priority) {
    Object x;
    x.subgroup_id = subgroup;
    x.object_id = id;
    x.publisher_priority = priority;
    return x;
  };
  EXPECT_TRUE(served.passes(obj(0, 1, 128)));
  EXPECT_TRUE(served.passes(obj(0, 7, 128)));
  EXPECT_FALSE(served.passes(obj(0, 3, 128)));
  EXPECT_FALSE(served.passes(obj(1, 0, 128)));
  EXPECT_TRUE(served.passes(obj(1, 3, 5)));  // set 1
  // REQUEST_UPDATE replaces a filter type whole; no ranges removes it.
  auto next = o;
  next.range_filters = {{RangeField::kObjectId, 0, 0, {}}, {RangeField::kPriority, 1, 0, {{200, 255}}}};
  ASSERT_TRUE(sub->update(next));
  run();
  EXPECT_TRUE(served.passes(obj(0, 3, 128)));
  EXPECT_FALSE(served.passes(obj(1, 3, 5)));
  EXPECT_TRUE(served.passes(obj(1, 3, 250)));
}

TEST_P(ServedSubscriptionTest, RangeFiltersPastThePeersLimitAreInvalid) {
  if (GetParam() == "moqt-18") GTEST_SKIP() << "draft-18 has no Range Filters";
  tune_server = [](SessionOptions& o) { o.max_filter_ranges = 2; };
  connect();
  EXPECT_EQ(client->peer_setup().max_filter_ranges, 2u);
  SubscribeOptions o;
  o.range_filters = {{RangeField::kObjectId, 0, 0, {{0, 1}, {3, 4}, {6, std::nullopt}}}};
  RecordingSubscription local;
  auto a = client->subscribe(track("live", "a"), o, &local);
  ASSERT_TRUE(local.error);
  EXPECT_EQ(local.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidFilter));
  // A peer that sends them anyway is refused (the session goes on).
  wire::Subscribe m{0, track("live", "raw"), {}};
  auto rf = wire::RangeFilter::make(wire::ParameterType::kObjectIdFilter, 0, {{0, 1}, {3, 4}, {6, std::nullopt}});
  ASSERT_TRUE(rf.ok());
  m.parameters.range_filters.push_back(*rf);
  auto* s = client->transport().open_bidi();
  RawReplies replies(client->version());
  s->set_handler(&replies);
  auto bytes = encoded(client->version(), m);
  s->write(std::span<const std::uint8_t>(bytes));
  run();
  auto got = replies.messages();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<wire::RequestError>(got[0]));
  EXPECT_EQ(std::get<wire::RequestError>(got[0]).error_code, static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidFilter));
  EXPECT_FALSE(sh.closed);
}

INSTANTIATE_TEST_SUITE_P(Drafts, ServedSubscriptionTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
