// RelayTrack on its own: an upstream subscription over one memory link, downstream served
// subscriptions over another, and the cache between them.
#include "kinetic/relay/relay_track.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../moqt/moqt_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;

class RelayTrackTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::pair<std::shared_ptr<moqt::Session>, std::shared_ptr<moqt::Session>> pair(RecordingSessionHandler& client,
                                                                                 RecordingSessionHandler& server) {
    transport::memory::LinkConfig link;
    link.protocol = GetParam();
    auto p = network.pair(link);
    moqt::SessionOptions co, so;
    so.perspective = moqt::Perspective::kServer;
    auto c = moqt::Session::create(p.client, co, &client);
    auto s = moqt::Session::create(p.server, so, &server);
    EXPECT_TRUE(loop.run_until([&] { return client.ready && server.ready; }, 1s));
    return {c, s};
  }

  void SetUp() override {
    // Upstream: the track subscribes (as client) to a publisher (server).
    std::tie(up_client, up_server) = pair(up_ch, up_sh);
    up_sh.on_sub = [](moqt::ServedSubscription& s) { s.accept({}); };
    // Downstream: subscribers (client) ask the track's side (server).
    std::tie(down_client, down_server) = pair(down_ch, down_sh);
    down_sh.on_sub = [this](moqt::ServedSubscription& s) { track.add_downstream(s.shared_from_this()); };
    track.set_upstream(up_client->subscribe(name, {}, &track), 1);
  }

  void publish(std::uint64_t group, std::uint64_t object) {
    auto& s = *up_sh.served.at(0);
    auto* w = s.subgroup(group, 0);
    if (w == nullptr) w = s.open_subgroup({group, 0, moqt::kDefaultPriority, true, false});
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->write(object, bytes("payload")));
  }

  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network{loop, 3};
  RelayCache cache;
  RelayMetrics metrics;
  moqt::FullTrackName name = track_name();
  int empties = 0;
  RelayTrack track{name, cache, metrics, TrackLimits{}, [this](RelayTrack&) { ++empties; }};
  RecordingSessionHandler up_ch, up_sh, down_ch, down_sh;
  std::shared_ptr<moqt::Session> up_client, up_server, down_client, down_server;

  static moqt::FullTrackName track_name() { return moqt::testing::track("live", "video"); }
};

TEST_P(RelayTrackTest, ForwardsEachObjectOnceCachedToEverySubscriber) {
  RecordingSubscription a, b;
  auto ha = down_client->subscribe(name, {}, &a);
  auto hb = down_client->subscribe(name, {}, &b);
  ASSERT_TRUE(loop.run_until([&] { return a.ok && b.ok; }, 1s));
  EXPECT_TRUE(track.upstream_active());
  publish(0, 0);
  publish(0, 1);
  loop.run_for(100ms);
  EXPECT_EQ(a.objects.size(), 2u);
  EXPECT_EQ(b.objects.size(), 2u);
  ASSERT_NE(cache.find(name), nullptr);
  EXPECT_EQ(cache.find(name)->object_count(), 2u);
  EXPECT_EQ(metrics.objects_in.load(), 2u);
  EXPECT_EQ(metrics.objects_out.load(), 4u);
  EXPECT_EQ(track.downstream_count(), 2u);
}

TEST_P(RelayTrackTest, ASubscriberThatLeftGetsNothingMoreAndTheRestKeepTheirObjects) {
  RecordingSubscription a, b, c;
  auto ha = down_client->subscribe(name, {}, &a);
  auto hb = down_client->subscribe(name, {}, &b);
  ASSERT_TRUE(loop.run_until([&] { return a.ok && b.ok; }, 1s));
  publish(0, 0);
  loop.run_for(100ms);
  hb->unsubscribe();
  ASSERT_TRUE(loop.run_until([&] { return track.downstream_count() == 1; }, 1s));
  EXPECT_EQ(empties, 0);
  publish(0, 1);
  loop.run_for(100ms);
  // A later subscriber is added beside the one that stayed, after the leaver is forgotten.
  auto hc = down_client->subscribe(name, {}, &c);
  ASSERT_TRUE(loop.run_until([&] { return c.ok; }, 1s));
  EXPECT_EQ(track.downstream_count(), 2u);
  publish(0, 2);
  loop.run_for(100ms);
  EXPECT_EQ(a.objects.size(), 3u);
  EXPECT_EQ(b.objects.size(), 1u);
  ASSERT_FALSE(c.objects.empty());  // the cached group first, then the live object
  EXPECT_EQ(c.objects.back().object_id, 2u);
  hc->unsubscribe();
  ha->unsubscribe();
  ASSERT_TRUE(loop.run_until([&] { return empties == 1; }, 1s));
  EXPECT_EQ(track.downstream_count(), 0u);
}

TEST_P(RelayTrackTest, UpstreamDoneEndsEveryDownstreamAndEmptiesTheTrack) {
  RecordingSubscription a;
  auto ha = down_client->subscribe(name, {}, &a);
  ASSERT_TRUE(loop.run_until([&] { return a.ok; }, 1s));
  up_sh.served.at(0)->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), "over");
  ASSERT_TRUE(loop.run_until([&] { return a.done.has_value(); }, 1s));
  EXPECT_EQ(*a.done, static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded));
  EXPECT_TRUE(track.ended());
  EXPECT_EQ(track.downstream_count(), 0u);
  EXPECT_EQ(empties, 1);
}

TEST_P(RelayTrackTest, UpstreamRefusalIsPassedDownstream) {
  RecordingSubscription a;
  // The publisher refuses the track (the default answer): the waiting subscriber hears it.
  up_sh.on_sub = nullptr;
  RelayTrack other{moqt::testing::track("live", "gone"), cache, metrics, TrackLimits{}, [](RelayTrack&) {}};
  down_sh.on_sub = [&other](moqt::ServedSubscription& s) { other.add_downstream(s.shared_from_this()); };
  other.set_upstream(up_client->subscribe(moqt::testing::track("live", "gone"), {}, &other), 1);
  auto ha = down_client->subscribe(moqt::testing::track("live", "gone"), {}, &a);
  ASSERT_TRUE(loop.run_until([&] { return a.error.has_value(); }, 1s));
  EXPECT_EQ(a.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist));
  EXPECT_TRUE(other.ended());
}

TEST_P(RelayTrackTest, ARequestHeldBeforeTheUpstreamSubscribeIsTakenOnceAndCounted) {
  RelayTrack fresh{moqt::testing::track("live", "fresh"), cache, metrics, TrackLimits{}, [](RelayTrack&) {}};
  fresh.ask_new_group(4);
  fresh.ask_new_group(2);
  EXPECT_EQ(fresh.take_new_group_request(), std::optional<std::uint64_t>(4)) << "the larger ask covers both";
  EXPECT_FALSE(fresh.take_new_group_request().has_value());
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
}

// The same track, its upstream answered as one with DYNAMIC_GROUPS; NEW_GROUP_REQUESTs that
// reach a publisher are recorded in `asks` (or a second publisher's, after a move).
class RelayTrackNewGroupTest : public RelayTrackTest {
 protected:
  using Asks = moqt::testing::NewGroupAsks;

  static std::function<void(moqt::ServedSubscription&)> answer_dynamic(Asks& to) {
    return [&to](moqt::ServedSubscription& s) {
      s.set_handler(&to);
      moqt::TrackInfo info;
      info.dynamic_groups = true;
      s.accept(info);
    };
  }

  void SetUp() override {
    RelayTrackTest::SetUp();
    // The base's upstream SUBSCRIBE is not read before the loop runs, so this answers it.
    up_sh.on_sub = answer_dynamic(asks);
    ASSERT_TRUE(loop.run_until([&] { return track.upstream_active(); }, 1s));
  }

  Asks asks;
};

TEST_P(RelayTrackNewGroupTest, ARequestGoesUpstreamUnlessOneAsLargeIsOutstanding) {
  track.ask_new_group(0);
  track.ask_new_group(0);
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{0});
  track.ask_new_group(5);  // larger than the outstanding 0
  track.ask_new_group(5);
  track.ask_new_group(4);
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{0, 5}));
  EXPECT_EQ(metrics.new_group_requests.load(), 2u);
}

TEST_P(RelayTrackNewGroupTest, TheFirstObjectAnswersARequestSentBeforeAnyGroup) {
  track.ask_new_group(0);
  loop.run_for(100ms);
  publish(0, 0);
  loop.run_for(100ms);
  track.ask_new_group(0);
  track.ask_new_group(1);
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{0, 0, 1}));
}

TEST_P(RelayTrackNewGroupTest, AfterAMoveTheNewUpstreamIsAskedAgain) {
  track.ask_new_group(0);
  loop.run_for(100ms);
  ASSERT_EQ(asks.values.size(), 1u);
  RecordingSessionHandler moved_ch, moved_sh;
  auto [moved_client, moved_server] = pair(moved_ch, moved_sh);
  Asks moved_asks;
  moved_sh.on_sub = answer_dynamic(moved_asks);
  track.move_upstream(moved_client->subscribe(name, {}, &track), 2);
  ASSERT_TRUE(loop.run_until([&] { return moved_sh.served.size() == 1; }, 1s));
  loop.run_for(100ms);
  track.ask_new_group(0);
  loop.run_for(100ms);
  EXPECT_EQ(moved_asks.values, std::vector<std::uint64_t>{0})
      << "the old upstream's request is not outstanding here";
  EXPECT_EQ(asks.values.size(), 1u);
}

// The track still serves its subscribers while the new parent has not answered (active from the
// old upstream): a request then is held for the new SUBSCRIBE_OK, not refused by the pending one.
TEST_P(RelayTrackNewGroupTest, ARequestWhileTheMovedUpstreamIsPendingIsSentOnceItIsAnswered) {
  RecordingSessionHandler moved_ch, moved_sh;
  auto [moved_client, moved_server] = pair(moved_ch, moved_sh);
  Asks moved_asks;
  moved_sh.on_sub = [](moqt::ServedSubscription&) {};  // answered below
  track.move_upstream(moved_client->subscribe(name, {}, &track), 2);
  ASSERT_TRUE(loop.run_until([&] { return moved_sh.served.size() == 1; }, 1s));
  track.ask_new_group(0);
  loop.run_for(100ms);
  answer_dynamic(moved_asks)(*moved_sh.served[0]);
  loop.run_for(100ms);
  EXPECT_EQ(moved_asks.values, std::vector<std::uint64_t>{0});
  EXPECT_TRUE(asks.values.empty());
}

TEST_P(RelayTrackNewGroupTest, ASubscribersRequestUpdateReachesTheUpstream) {
  RecordingSubscription a;
  auto ha = down_client->subscribe(name, {}, &a);
  ASSERT_TRUE(loop.run_until([&] { return a.ok; }, 1s));
  publish(0, 0);
  publish(1, 0);
  loop.run_for(100ms);
  ASSERT_TRUE(a.info.dynamic_groups);
  ASSERT_TRUE(ha->request_new_group());
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{2});
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Drafts, RelayTrackTest, ::testing::Values("moqt-18", "moqt-20"), version_name);
INSTANTIATE_TEST_SUITE_P(Drafts, RelayTrackNewGroupTest, ::testing::Values("moqt-18", "moqt-20"),
                         version_name);

}  // namespace
}  // namespace kinetic::relay
