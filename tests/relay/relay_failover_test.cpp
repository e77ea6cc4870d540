// A relay with several parents, over the memory transport on simulated time: the footprint is
// origin ← {regional A, regional B} ← edge. A subscription at the edge survives the loss of
// its parent (the track moves to the other one, the subscriber sees no repeat and no
// PUBLISH_DONE); a parent whose link degrades past the hysteresis margins loses the route and a
// small difference does not move it; a parent whose own path to the origin passes through
// this relay is refused (hop lists), also when its path changes later (the hop track: a
// standby becomes a loop and eligible again, an active one is left, the track is never listed);
// with no other parent left the track ends as before.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "relay_tree_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;
using testing::Client;
using transport::Duration;
using transport::memory::Direction;

using RelayFailoverTest = testing::RelayTreeFixture;

TEST_P(RelayFailoverTest, LosingTheActiveParentMovesTheSubscriptionToTheOtherWithoutRepeats) {
  ASSERT_TRUE(wire_two_regionals(origin));
  ASSERT_EQ(edge.active_upstream(), std::optional<std::size_t>{0}) << "the first parent up carries the route";
  auto pub = publisher_at(origin);
  auto viewer = connect_to(edge);
  RecordingSubscription rec;
  auto handle = viewer.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  EXPECT_EQ(regional_a->track_count(), 1u);
  EXPECT_EQ(regional_b.track_count(), 0u) << "the standby parent carries nothing yet";
  for (std::uint64_t o = 0; o < 3; ++o) publish(0, o);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 3; }, 1s));

  // Regional A goes away: the edge's track moves to B; the viewer does nothing.
  regional_a->close_all("crash");
  ASSERT_TRUE(loop.run_until([&] { return edge.active_upstream() == std::optional<std::size_t>{1}; }, 1s));
  ASSERT_TRUE(loop.run_until([&] { return regional_b.track_count() == 1; }, 1s));
  loop.run_for(100ms);  // B's subscription at the origin is answered
  publish(0, 3);
  publish(0, 4);
  publish(1, 0);
  publish(1, 1);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 7; }, 1s)) << rec.objects.size();
  loop.run_for(200ms);
  EXPECT_EQ(rec.objects.size(), 7u) << "the origin's cached group 0 reached the edge again and was not repeated";
  expect_each_once(rec);
  EXPECT_FALSE(rec.done.has_value()) << "the viewer's subscription never ended";
  EXPECT_FALSE(rec.error.has_value());
  EXPECT_EQ(edge.upstream_switches(), 1u);
  EXPECT_EQ(edge_m.upstream_switches.load(), 1u);
  EXPECT_EQ(edge_m.upstream_subscriptions.load(), 1);
  EXPECT_EQ(edge.track_count(), 1u);
}

TEST_P(RelayFailoverTest, WithNoOtherParentTheTrackEndsAsBefore) {
  add_parent(*regional_a, origin, 5ms, "origin");
  add_parent(edge, *regional_a, 5ms, "A");
  ASSERT_TRUE(loop.run_until([&] { return edge.upstream_state() == UpstreamState::kUp; }, 1s));
  auto pub = publisher_at(origin);
  auto viewer = connect_to(edge);
  RecordingSubscription rec;
  auto handle = viewer.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  regional_a->close_all("crash");
  ASSERT_TRUE(loop.run_until([&] { return rec.done.has_value(); }, 1s)) << "PUBLISH_DONE, not silence";
  EXPECT_EQ(edge.upstream_switches(), 0u);
}

TEST_P(RelayFailoverTest, ADegradedParentLosesTheRouteOnlyPastTheMarginAndTheTrackFollows) {
  std::vector<std::shared_ptr<transport::memory::MemorySession>> links;
  add_parent(*regional_a, origin, 5ms, "origin");
  add_parent(regional_b, origin, 5ms, "origin");
  add_parent(edge, *regional_a, 10ms, "A", &links);
  add_parent(edge, regional_b, 10ms, "B", &links);
  ASSERT_TRUE(loop.run_until([&] {
    auto u = edge.upstreams();
    return u[0].state == UpstreamState::kUp && u[1].state == UpstreamState::kUp;
  }, 1s));
  ASSERT_EQ(links.size(), 2u);
  auto pub = publisher_at(origin);
  auto viewer = connect_to(edge);
  RecordingSubscription rec;
  auto handle = viewer.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  publish(0, 0);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 1; }, 1s));

  auto set_delay = [&](std::size_t i, Duration one_way) {
    transport::memory::PathConfig p;
    p.delay = one_way;
    links[i]->link().set_path(Direction::kToServer, p);
    links[i]->link().set_path(Direction::kToClient, p);
  };
  // A little worse (30 ms against 20 ms round trip): inside the margins, the route stays.
  set_delay(0, 15ms);
  loop.run_for(2s);
  EXPECT_EQ(edge.active_upstream(), std::optional<std::size_t>{0});
  EXPECT_EQ(edge.upstream_switches(), 0u);

  // Much worse (200 ms): after `switch_after` probes the route and the track move to B.
  set_delay(0, 100ms);
  ASSERT_TRUE(loop.run_until([&] { return edge.active_upstream() == std::optional<std::size_t>{1}; }, 3s));
  EXPECT_EQ(edge.upstream_switches(), 1u);
  const auto u = edge.upstreams();
  EXPECT_GT(u[0].score_ms, 150.0);
  EXPECT_LT(u[1].score_ms, 50.0);
  ASSERT_TRUE(loop.run_until([&] { return regional_b.track_count() == 1; }, 1s));
  loop.run_for(300ms);
  publish(0, 1);
  publish(1, 0);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 3; }, 1s)) << rec.objects.size();
  expect_each_once(rec);
  EXPECT_FALSE(rec.done.has_value());
  // A's subscription was withdrawn: regional A lets the track go.
  ASSERT_TRUE(loop.run_until([&] { return regional_a->track_count() == 0; }, 1s));

  // A restored to as good as B: no reason to move back (hysteresis), so no flap.
  set_delay(0, 10ms);
  loop.run_for(3s);
  EXPECT_EQ(edge.active_upstream(), std::optional<std::size_t>{1});
  EXPECT_EQ(edge.upstream_switches(), 1u);
}

TEST_P(RelayFailoverTest, AParentWhosePathPassesThroughThisRelayIsRefused) {
  // x ← y (y's parent is x), then x is given y as its parent: a loop.
  Relay x{loop, config, a_m}, y{loop, config, b_m};
  x.set_relay_id("x");
  y.set_relay_id("y");
  add_parent(y, x, 5ms, "x");
  ASSERT_TRUE(loop.run_until([&] { return y.upstream_state() == UpstreamState::kUp; }, 1s));
  add_parent(x, y, 5ms, "y");
  ASSERT_TRUE(loop.run_until([&] { return x.upstreams()[0].loop; }, 1s));
  loop.run_for(500ms);
  EXPECT_NE(x.upstream_state(), UpstreamState::kUp);
  EXPECT_FALSE(x.active_upstream().has_value());
  // A relay made its own parent is refused the same way.
  Relay z{loop, config, edge_m};
  z.set_relay_id("z");
  add_parent(z, z, 5ms, "z");
  ASSERT_TRUE(loop.run_until([&] { return z.upstreams()[0].loop; }, 1s));
  // Relays without ids (and other implementations) are not refused.
  add_parent(edge, origin, 5ms, "origin");
  ASSERT_TRUE(loop.run_until([&] { return edge.upstream_state() == UpstreamState::kUp; }, 1s));
}

TEST_P(RelayFailoverTest, AStandbyParentWhoseRouteTurnsThroughThisRelayIsALoopUntilItMovesAway) {
  // c has parents a (active) and b (standby); then b takes c as its parent (b's path b,c,a),
  // later moving to x (b,x). c hears both changes on b's hop track, with no reconnect.
  RelayMetrics am, bm, cm, xm;
  Relay a{loop, config, am}, b{loop, config, bm}, c{loop, config, cm}, x{loop, config, xm};
  a.set_relay_id("a");
  b.set_relay_id("b");
  c.set_relay_id("c");
  x.set_relay_id("x");
  add_parent(c, a, 5ms, "a");
  add_parent(c, b, 5ms, "b");
  ASSERT_TRUE(loop.run_until([&] {
    auto u = c.upstreams();
    return u[0].state == UpstreamState::kUp && u[1].state == UpstreamState::kUp;
  }, 1s));
  ASSERT_EQ(c.active_upstream(), std::optional<std::size_t>{0});
  EXPECT_FALSE(c.upstreams()[1].loop);
  const auto connects = cm.upstream_connects.load();

  std::vector<std::shared_ptr<transport::memory::MemorySession>> links;
  add_parent(b, c, 5ms, "c", &links);
  ASSERT_TRUE(loop.run_until([&] { return c.upstreams()[1].loop; }, 1s));
  EXPECT_EQ(c.upstreams()[1].state, UpstreamState::kUp);  // kept, to hear its path change again
  EXPECT_EQ(c.active_upstream(), std::optional<std::size_t>{0});

  // b's route moves to x once its link to c is much worse: c sees b eligible again.
  add_parent(b, x, 5ms, "x");
  ASSERT_TRUE(loop.run_until([&] { return b.upstreams()[1].state == UpstreamState::kUp; }, 1s));
  loop.run_for(300ms);
  EXPECT_TRUE(c.upstreams()[1].loop);
  transport::memory::PathConfig slow;
  slow.delay = 100ms;
  links[0]->link().set_path(Direction::kToServer, slow);
  links[0]->link().set_path(Direction::kToClient, slow);
  ASSERT_TRUE(loop.run_until([&] { return b.active_upstream() == std::optional<std::size_t>{1}; }, 3s));
  ASSERT_TRUE(loop.run_until([&] { return !c.upstreams()[1].loop; }, 1s));
  EXPECT_EQ(cm.upstream_connects.load(), connects);
  EXPECT_EQ(c.upstream_switches(), 0u);
}

TEST_P(RelayFailoverTest, AnActiveParentWhoseRouteTurnsThroughThisRelayIsLeftForTheOther) {
  // Two moves at once, each safe by what its relay knew: c (parents a, then e) moves to e
  // while e (parents y, then d) moves to d, whose route is c: c,e,d,c would be a loop. The new
  // hop lists cross on the hop tracks and the active parent that closes the loop is left at
  // once (here both see it at the same time and both go back).
  RelayMetrics am, cm, dm, em, ym;
  Relay a{loop, config, am}, c{loop, config, cm}, d{loop, config, dm}, e{loop, config, em}, y{loop, config, ym};
  a.set_relay_id("a");
  c.set_relay_id("c");
  d.set_relay_id("d");
  e.set_relay_id("e");
  y.set_relay_id("y");
  std::vector<std::shared_ptr<transport::memory::MemorySession>> c_links, e_links;
  add_parent(c, a, 5ms, "a", &c_links);
  add_parent(e, y, 5ms, "y", &e_links);
  ASSERT_TRUE(loop.run_until([&] { return c.upstream_state() == UpstreamState::kUp && e.upstream_state() == UpstreamState::kUp; }, 1s));
  add_parent(d, c, 5ms, "c");
  ASSERT_TRUE(loop.run_until([&] { return d.upstream_state() == UpstreamState::kUp; }, 1s));
  add_parent(c, e, 5ms, "e", &c_links);
  add_parent(e, d, 5ms, "d", &e_links);
  ASSERT_TRUE(loop.run_until([&] {
    return c.upstreams()[1].state == UpstreamState::kUp && e.upstreams()[1].state == UpstreamState::kUp;
  }, 1s));
  transport::memory::PathConfig slow;
  slow.delay = 100ms;
  for (auto* l : {&c_links[0], &e_links[0]}) {
    (*l)->link().set_path(Direction::kToServer, slow);
    (*l)->link().set_path(Direction::kToClient, slow);
  }
  ASSERT_TRUE(loop.run_until([&] { return c.upstream_switches() + e.upstream_switches() >= 3; }, 3s))
      << c.upstream_switches() << " " << e.upstream_switches();
  loop.run_for(2s);
  const bool c_via_e = c.active_upstream() == std::optional<std::size_t>{1};
  const bool e_via_d = e.active_upstream() == std::optional<std::size_t>{1};
  EXPECT_FALSE(c_via_e && e_via_d) << c.upstream_switches() << " " << e.upstream_switches();
}

TEST_P(RelayFailoverTest, TheHopTrackIsNeverListedAndItsNamespaceIsRefusedToPublishers) {
  RelayMetrics cm, dm;
  Relay c{loop, config, cm}, d{loop, config, dm};
  c.set_relay_id("c");
  d.set_relay_id("d");
  add_parent(d, c, 5ms, "c");  // d subscribes to c's hop track
  ASSERT_TRUE(loop.run_until([&] { return d.upstream_state() == UpstreamState::kUp; }, 1s));
  auto pub = publisher_at(c);
  auto viewer = connect_to(c);
  RecordingRequest listing;
  auto req = viewer.session->subscribe_namespace({}, &listing);
  ASSERT_TRUE(loop.run_until([&] { return listing.ok && !listing.namespaces.empty(); }, 1s));
  loop.run_for(100ms);
  ASSERT_EQ(listing.namespaces.size(), 1u);
  EXPECT_EQ(listing.namespaces[0].fields, std::vector<std::string>{"live"});
  EXPECT_EQ(c.track_count(), 0u);  // served outside the tracks and their cache

  RecordingRequest squat;
  auto held = viewer.session->publish_namespace(Relay::hop_track().track_namespace, &squat);
  ASSERT_TRUE(loop.run_until([&] { return squat.error.has_value(); }, 1s));
  EXPECT_FALSE(squat.ok);
}

INSTANTIATE_TEST_SUITE_P(Drafts, RelayFailoverTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::relay
