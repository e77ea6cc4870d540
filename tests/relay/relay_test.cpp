// The relay over the memory transport on simulated time: aggregation of identical
// subscriptions, late join from cache, whole-group drops for a slow subscriber, refusals that
// leave the session up, and PUBLISH_DONE when the publisher goes away. Both drafts.
#include "kinetic/relay/relay.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../moqt/moqt_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;
using moqt::Object;

struct Client {
  std::shared_ptr<moqt::Session> session;
  std::unique_ptr<RecordingSessionHandler> handler = std::make_unique<RecordingSessionHandler>();
};

class RelayTest : public ::testing::TestWithParam<std::string> {
 protected:
  static RelayConfig small_queues() {
    RelayConfig c;
    c.subscriber_queue_bytes = 64u << 10;
    return c;
  }

  Client connect(transport::memory::LinkConfig link = {}) {
    link.protocol = GetParam();
    auto pair = network.pair(link);
    Client c;
    moqt::SessionOptions o;
    o.perspective = moqt::Perspective::kClient;
    o.path = "/moq";
    c.session = moqt::Session::create(pair.client, o, c.handler.get());
    EXPECT_TRUE(relay.accept(pair.server));
    EXPECT_TRUE(loop.run_until([&] { return c.handler->ready; }, 1s));
    return c;
  }

  // A publisher that announces "live" and accepts every SUBSCRIBE, keeping them to write to.
  Client publisher() {
    auto p = connect();
    p.handler->on_sub = [this](moqt::ServedSubscription& s) {
      moqt::TrackInfo info;
      if (last_) info.largest = *last_;
      s.accept(info);
      upstream.push_back(s.shared_from_this());
    };
    announce = p.session->publish_namespace({{"live"}}, &announce_handler);
    EXPECT_TRUE(loop.run_until([&] { return announce_handler.ok; }, 1s));
    return p;
  }

  // Writes one object to every upstream subscription (the relay should hold exactly one).
  void publish(std::uint64_t group, std::uint64_t object, std::size_t size = 16) {
    const auto bytes = moqt::SharedBytes::copy(std::string(size, static_cast<char>('a' + (group + object) % 26)));
    for (auto& s : upstream) {
      if (s->state() != moqt::RequestState::kActive) continue;
      if (object == 0 && group > 0) s->close_groups_before(group, false);
      auto* w = s->subgroup(group, 0);
      if (w == nullptr) w = s->open_subgroup({group, 0, moqt::kDefaultPriority, true, false});
      ASSERT_NE(w, nullptr);
      ASSERT_TRUE(w->write(object, bytes));
    }
    last_ = moqt::Location{group, object};
  }

  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network{loop, 11};
  RelayConfig config = small_queues();
  RelayMetrics metrics;
  Relay relay{loop, config, metrics};
  std::vector<std::shared_ptr<moqt::ServedSubscription>> upstream;
  RecordingRequest announce_handler;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  std::optional<moqt::Location> last_;
};

TEST_P(RelayTest, TenSubscribersShareOneUpstreamSubscription) {
  auto pub = publisher();
  std::vector<Client> subs;
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  for (int i = 0; i < 10; ++i) {
    subs.push_back(connect());
    recs.push_back(std::make_unique<RecordingSubscription>());
    handles.push_back(subs.back().session->subscribe(track("live", "video"), {}, recs.back().get()));
  }
  ASSERT_TRUE(loop.run_until([&] {
    for (auto& r : recs) if (!r->ok) return false;
    return true;
  }, 2s));
  ASSERT_EQ(pub.handler->served.size(), 1u) << "one upstream SUBSCRIBE for ten subscribers";
  EXPECT_EQ(relay.track_count(), 1u);
  for (std::uint64_t g = 0; g < 3; ++g) {
    for (std::uint64_t o = 0; o < 5; ++o) publish(g, o);
    loop.run_for(50ms);
  }
  loop.run_for(500ms);
  for (auto& r : recs) {
    ASSERT_EQ(r->objects.size(), 15u);
    for (std::size_t i = 0; i < 15; ++i) {
      EXPECT_EQ(r->objects[i].group_id, i / 5);
      EXPECT_EQ(r->objects[i].object_id, i % 5);
      EXPECT_EQ(r->objects[i].payload.size(), 16u);
    }
  }
  EXPECT_EQ(metrics.objects_in.load(), 15u);
  EXPECT_EQ(metrics.objects_out.load(), 150u);
  EXPECT_EQ(metrics.upstream_subscriptions.load(), 1);
  EXPECT_EQ(metrics.subscriptions.load(), 10);
}

TEST_P(RelayTest, LateJoinerStartsAtTheLatestCachedGroup) {
  auto pub = publisher();
  auto early = connect();
  RecordingSubscription first;
  auto h1 = early.session->subscribe(track("live", "video"), {}, &first);
  ASSERT_TRUE(loop.run_until([&] { return first.ok; }, 1s));
  for (std::uint64_t g = 0; g < 3; ++g) {
    for (std::uint64_t o = 0; o < 4; ++o) publish(g, o);
    loop.run_for(20ms);
  }
  loop.run_for(200ms);
  ASSERT_EQ(first.objects.size(), 12u);

  auto late = connect();
  RecordingSubscription second;
  auto h2 = late.session->subscribe(track("live", "video"), {}, &second);
  ASSERT_TRUE(loop.run_until([&] { return second.ok; }, 1s));
  EXPECT_EQ(pub.handler->served.size(), 1u) << "the late joiner is served by the relay, not the publisher";
  ASSERT_TRUE(second.info.largest.has_value());
  EXPECT_EQ(*second.info.largest, (moqt::Location{2, 3}));
  publish(2, 4);
  publish(3, 0);
  loop.run_for(200ms);
  ASSERT_EQ(second.objects.size(), 6u);
  for (std::uint64_t o = 0; o < 5; ++o) {
    EXPECT_EQ(second.objects[o].group_id, 2u);
    EXPECT_EQ(second.objects[o].object_id, o);
  }
  EXPECT_EQ(second.objects[5].group_id, 3u);
  EXPECT_EQ(first.objects.size(), 14u);
}

TEST_P(RelayTest, SlowSubscriberLosesWholeOlderGroupsWhileAFastOneGetsEverything) {
  auto pub = publisher();
  auto fast = connect();
  transport::memory::LinkConfig thin;
  thin.to_client.bandwidth_bps = 400'000;  // 50 kB/s against 1 MB/s published
  auto slow = connect(thin);
  RecordingSubscription fast_rec, slow_rec;
  auto hf = fast.session->subscribe(track("live", "video"), {}, &fast_rec);
  auto hs = slow.session->subscribe(track("live", "video"), {}, &slow_rec);
  ASSERT_TRUE(loop.run_until([&] { return fast_rec.ok && slow_rec.ok; }, 1s));
  constexpr std::uint64_t kGroups = 10, kObjects = 10;
  for (std::uint64_t g = 0; g < kGroups; ++g) {
    for (std::uint64_t o = 0; o < kObjects; ++o) {
      publish(g, o, 10'000);
      loop.run_for(10ms);
    }
  }
  loop.run_for(5s);
  EXPECT_EQ(fast_rec.objects.size(), kGroups * kObjects);
  EXPECT_GT(metrics.dropped_groups.load(), 0u);
  EXPECT_LT(slow_rec.objects.size(), kGroups * kObjects);
  // The newest group is never dropped: the slow subscriber ends up current.
  ASSERT_FALSE(slow_rec.objects.empty());
  EXPECT_EQ(slow_rec.objects.back().group_id, kGroups - 1);
  EXPECT_FALSE(slow_rec.resets.empty());
  EXPECT_FALSE(slow.handler->closed);
}

TEST_P(RelayTest, UnknownTrackIsRefusedAndTheSessionStaysUp) {
  auto pub = publisher();
  auto sub = connect();
  RecordingSubscription missing;
  auto h = sub.session->subscribe(track("nobody", "video"), {}, &missing);
  ASSERT_TRUE(loop.run_until([&] { return missing.error.has_value(); }, 1s));
  EXPECT_EQ(missing.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist));
  EXPECT_EQ(metrics.requests_refused.load(), 1u);
  // The same session still subscribes to a track that exists.
  RecordingSubscription present;
  auto h2 = sub.session->subscribe(track("live", "audio"), {}, &present);
  ASSERT_TRUE(loop.run_until([&] { return present.ok; }, 1s));
  EXPECT_FALSE(sub.handler->closed);
  EXPECT_EQ(relay.session_count(), 2u);
}

TEST_P(RelayTest, PublisherGoingAwayEndsSubscriptionsWithPublishDone) {
  auto pub = publisher();
  auto sub = connect();
  RecordingSubscription rec;
  auto h = sub.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  publish(0, 0);
  loop.run_for(50ms);
  pub.session->close(0, "bye");
  ASSERT_TRUE(loop.run_until([&] { return rec.done.has_value(); }, 2s));
  EXPECT_EQ(rec.objects.size(), 1u);
  loop.run_for(100ms);
  EXPECT_EQ(relay.track_count(), 0u);
  EXPECT_EQ(relay.session_count(), 1u);
  // The namespace went with it.
  RecordingSubscription again;
  auto h2 = sub.session->subscribe(track("live", "video"), {}, &again);
  ASSERT_TRUE(loop.run_until([&] { return again.error.has_value(); }, 1s));
}

TEST_P(RelayTest, NamespaceSubscribersHearAboutPublishersAndTheirDeparture) {
  auto watcher = connect();
  RecordingRequest interest;
  auto req = watcher.session->subscribe_namespace({{"live"}}, &interest);
  ASSERT_TRUE(loop.run_until([&] { return interest.ok; }, 1s));
  auto pub = connect();
  RecordingRequest ann;
  auto a = pub.session->publish_namespace({{"live", "cam1"}}, &ann);
  ASSERT_TRUE(loop.run_until([&] { return ann.ok && !interest.namespaces.empty(); }, 1s));
  EXPECT_EQ(interest.namespaces[0], (wire::TrackNamespace{{"cam1"}}));
  pub.session->close(0, "bye");
  ASSERT_TRUE(loop.run_until([&] { return !interest.done.empty(); }, 1s));
  EXPECT_EQ(interest.done[0], (wire::TrackNamespace{{"cam1"}}));
}

TEST_P(RelayTest, SessionsBeyondTheLimitAreRefused) {
  config.max_sessions = 1;
  Relay small{loop, config, metrics};
  transport::memory::LinkConfig link;
  link.protocol = GetParam();
  auto a = network.pair(link);
  auto b = network.pair(link);
  EXPECT_TRUE(small.accept(a.server));
  EXPECT_FALSE(small.accept(b.server));
  EXPECT_EQ(metrics.sessions_refused.load(), 1u);
}

TEST_P(RelayTest, FetchAndTrackStatusAreAnsweredFromTheCache) {
  auto pub = publisher();
  auto sub = connect();
  RecordingSubscription rec;
  auto h = sub.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  for (std::uint64_t g = 0; g < 3; ++g) {
    for (std::uint64_t o = 0; o < 4; ++o) publish(g, o);
    loop.run_for(20ms);
  }
  loop.run_for(100ms);
  RecordingFetch fetch;
  auto f = sub.session->fetch({track("live", "video"), {0, 2}, 1, std::nullopt}, &fetch);
  ASSERT_TRUE(loop.run_until([&] { return fetch.complete.has_value(); }, 1s));
  ASSERT_TRUE(fetch.ok.has_value());
  EXPECT_EQ(fetch.ok->end_location, (moqt::Location{1, 3}));
  ASSERT_EQ(fetch.objects.size(), 6u);
  EXPECT_EQ(fetch.objects.front().location(), (moqt::Location{0, 2}));
  EXPECT_EQ(pub.handler->fetches.size(), 0u) << "served by the relay";

  RecordingRequest status;
  auto st = sub.session->track_status(track("live", "video"), &status);
  ASSERT_TRUE(loop.run_until([&] { return status.ok; }, 1s));
  ASSERT_TRUE(status.info.largest.has_value());
  EXPECT_EQ(*status.info.largest, (moqt::Location{2, 3}));

  RecordingFetch nothing;
  auto f2 = sub.session->fetch({track("live", "other"), {0, 0}, 1, std::nullopt}, &nothing);
  ASSERT_TRUE(loop.run_until([&] { return nothing.error.has_value(); }, 1s));
  EXPECT_EQ(nothing.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist));
}

TEST_P(RelayTest, LastSubscriberLeavingCancelsTheUpstreamSubscription) {
  auto pub = publisher();
  auto a = connect();
  auto b = connect();
  RecordingSubscription ra, rb;
  auto ha = a.session->subscribe(track("live", "video"), {}, &ra);
  auto hb = b.session->subscribe(track("live", "video"), {}, &rb);
  ASSERT_TRUE(loop.run_until([&] { return ra.ok && rb.ok; }, 1s));
  ASSERT_EQ(pub.handler->served.size(), 1u);
  ha->unsubscribe();
  loop.run_for(100ms);
  EXPECT_EQ(pub.handler->served[0]->state(), moqt::RequestState::kActive) << "one subscriber remains";
  hb->unsubscribe();
  ASSERT_TRUE(loop.run_until([&] { return pub.handler->served[0]->state() != moqt::RequestState::kActive; }, 1s));
  EXPECT_EQ(relay.track_count(), 0u);
  EXPECT_EQ(metrics.subscriptions.load(), 0);
  EXPECT_EQ(metrics.upstream_subscriptions.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Drafts, RelayTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::relay
