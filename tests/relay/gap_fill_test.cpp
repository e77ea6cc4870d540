// Filling the gap a failover leaves (GapFill), through a relay with two parents: objects
// published while a track moves arrive through a FETCH of the gap, in order and once; a parent
// that refuses the FETCH leaves live delivery going.
#include "kinetic/relay/gap_fill.hpp"

#include <gtest/gtest.h>

#include "relay_tree_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;

using GapFillTest = testing::RelayTreeFixture;

TEST_P(GapFillTest, AGroupPublishedDuringTheMoveArrivesCompleteThroughAFetchOfTheGap) {
  // The origin keeps the track (and its cache) a while after regional A's subscription goes.
  RelayConfig lingering = quiet();
  lingering.track_linger_ms = 5000;
  Relay keeper{loop, lingering, origin_m};
  ASSERT_TRUE(wire_two_regionals(keeper));
  auto pub = publisher_at(keeper);
  auto viewer = connect_to(edge);
  RecordingSubscription rec;
  auto handle = viewer.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  for (std::uint64_t o = 0; o < 3; ++o) publish(0, o);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 3; }, 1s));

  // A dies; while the edge moves to B, group 0 goes on and group 1 begins. B's subscription
  // starts after the origin's largest (1/1): 0/3, 0/4, 1/0 and 1/1 only a FETCH brings.
  regional_a->close_all("crash");
  loop.run_for(2ms);
  publish(0, 3);
  publish(0, 4);
  publish(1, 0);
  publish(1, 1);
  ASSERT_TRUE(loop.run_until([&] { return edge.active_upstream() == std::optional<std::size_t>{1}; }, 1s));
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() >= 7; }, 1s))
      << rec.objects.size() << " objects: the gap was not filled";
  publish(1, 2);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 8; }, 1s)) << rec.objects.size();
  loop.run_for(200ms);
  ASSERT_EQ(rec.objects.size(), 8u);
  for (std::uint64_t i = 0; i < 8; ++i) {
    const moqt::Location expected = i < 5 ? moqt::Location{0, i} : moqt::Location{1, i - 5};
    EXPECT_EQ(rec.objects[i].group_id, expected.group) << i;
    EXPECT_EQ(rec.objects[i].object_id, expected.object) << i;
  }
  EXPECT_FALSE(rec.done.has_value());
  EXPECT_FALSE(rec.error.has_value());
  EXPECT_EQ(edge.upstream_switches(), 1u);
}

TEST_P(GapFillTest, AParentRefusingTheGapFetchLeavesLiveDeliveryGoing) {
  // Without linger the origin forgets the track (and its cache) when A's subscription goes, so
  // the gap FETCH finds nothing anywhere and is refused; the live objects held meanwhile follow.
  ASSERT_TRUE(wire_two_regionals(origin));
  auto pub = publisher_at(origin);
  auto viewer = connect_to(edge);
  RecordingSubscription rec;
  auto handle = viewer.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  for (std::uint64_t o = 0; o < 3; ++o) publish(0, o);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 3; }, 1s));
  regional_a->close_all("crash");
  ASSERT_TRUE(loop.run_until([&] { return edge.active_upstream() == std::optional<std::size_t>{1}; }, 1s));
  loop.run_for(3ms);
  publish(0, 3);  // reaches no relay: B's SUBSCRIBE_OK will name it, no cache holds it
  ASSERT_TRUE(loop.run_until([&] { return regional_b.track_count() == 1; }, 1s));
  loop.run_for(100ms);
  publish(1, 0);
  publish(1, 1);
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 5; }, 1s)) << rec.objects.size();
  expect_each_once(rec);
  EXPECT_FALSE(rec.done.has_value());
}

INSTANTIATE_TEST_SUITE_P(Drafts, GapFillTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::relay
