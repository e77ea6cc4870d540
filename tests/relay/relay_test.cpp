// The relay over the memory transport on simulated time: aggregation of identical
// subscriptions, late join from cache, whole-group drops for a slow subscriber, refusals that
// leave the session up, PUBLISH_DONE when the publisher goes away, nothing kept per session
// that came and went, namespace interest passed on to publishers, SUBSCRIBE_TRACKS, track
// linger, and relays chained to an upstream. Both drafts.
#include "kinetic/relay/relay.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../heap_in_use.hpp"
#include "relay_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;
using moqt::Object;
using testing::Client;

class RelayTest : public testing::RelayFixture {
 protected:
  RelayTest() : RelayFixture(11) {}

  static RelayConfig small_queues() {
    RelayConfig c;
    c.subscriber_queue_bytes = 64u << 10;
    c.track_linger_ms = 0;  // tracks go with their last subscriber unless a test says otherwise
    return c;
  }

  Client connect(transport::memory::LinkConfig link = {}) { return connect_to(relay, link); }


  // Makes `downstream` a client of `upstream_relay` over a memory link.
  void chain(Relay& downstream, Relay& upstream_relay) {
    downstream.set_upstream([this, &upstream_relay](const moqt::SessionOptions& o, moqt::SessionHandler* h) {
      transport::memory::LinkConfig link;
      link.protocol = GetParam();
      auto pair = network.pair(link);
      auto s = moqt::Session::create(pair.client, o, h);
      upstream_relay.accept(pair.server);
      return s;
    });
  }

  // A publisher that announces "live" and accepts every SUBSCRIBE, keeping them to write to.
  Client publisher() { return publisher_at(relay); }

  // Writes one object to every upstream subscription (the relay should hold exactly one).
  void publish(std::uint64_t group, std::uint64_t object, std::size_t size = 16) {
    publish_bytes(group, object, SharedBytes::copy(std::string(size, static_cast<char>('a' + (group + object) % 26))));
  }

  // `pub` answers every FETCH with objects 0 to n-1 of group 0 ("old") and ends it.
  static void answer_fetches(Client& pub, std::uint64_t n) {
    pub.handler->on_fetch_fn = [n](moqt::ServedFetch& f) {
      f.accept({false, {0, n - 1}, moqt::GroupOrder::kAscending});
      for (std::uint64_t o = 0; o < n; ++o) {
        moqt::Object obj;
        obj.object_id = o;
        obj.payload = SharedBytes::copy(std::string("old"));
        f.write(obj);
      }
      f.finish();
    };
  }

  // A subscriber of live/video, and objects 0-3 of group 0 published to it: the relay caches them.
  struct Viewer {
    Client client;
    std::unique_ptr<RecordingSubscription> rec = std::make_unique<RecordingSubscription>();
    std::shared_ptr<moqt::Subscription> sub;
  };
  Viewer viewer_of_group_0() {
    Viewer v;
    v.client = connect();
    v.sub = v.client.session->subscribe(track("live", "video"), {}, v.rec.get());
    EXPECT_TRUE(loop.run_until([&] { return v.rec->ok; }, 1s));
    for (std::uint64_t o = 0; o < 4; ++o) publish(0, o);
    loop.run_for(100ms);
    return v;
  }

  RelayConfig config = small_queues();
  RelayMetrics metrics;
  Relay relay{loop, config, metrics};
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

// A relay lives for months while sessions come and go by the million: whatever it keeps for a
// subscriber or a publisher must go with the session. The track cache is made small so that
// it is full before the measured cycles begin (it is bounded, and is not what is measured).
class RelayChurnTest : public RelayTest {
 protected:
  static RelayConfig small_cache() {
    RelayConfig c = small_queues();
    c.track_cache_bytes = 64u << 10;
    return c;
  }

  // Runs `cycle` for a warm-up (maps, pools and the cache reach their working size), then two
  // windows of 2,000 more, and returns the smaller of the heap's growths over them.
  template <typename Cycle>
  std::int64_t growth_over_cycles(Cycle cycle) {
    for (int i = 0; i < 300; ++i) cycle(i);
    return kinetic::testing::smaller_growth_of_two_windows([&](int window) {
      for (int i = 0; i < 2'000; ++i) cycle(300 + window * 2'000 + i);
    });
  }

  RelayConfig churn_config = small_cache();
  RelayMetrics churn_metrics;
  Relay churn_relay{loop, churn_config, churn_metrics};
};

TEST_P(RelayChurnTest, NothingIsKeptPerSubscriberSessionThatCameAndWent) {
  auto pub = publisher_at(churn_relay);
  auto steady = connect_to(churn_relay);
  RecordingSubscription kept;
  auto hk = steady.session->subscribe(track("live", "video"), {}, &kept);
  ASSERT_TRUE(loop.run_until([&] { return kept.ok; }, 1s));
  std::uint64_t group = 0;
  std::size_t received = 0;
  const auto payload = SharedBytes::copy(std::string(100, 'x'));
  const std::int64_t grown = growth_over_cycles([&](int) {
    auto c = connect_to(churn_relay);
    RecordingSubscription rec;
    auto h = c.session->subscribe(track("live", "video"), {}, &rec);
    loop.run_until([&] { return rec.ok; }, 1s);
    publish_bytes(group++, 0, payload);
    loop.run_for(5ms);
    c.session->close(0, "bye");
    loop.run_for(5ms);
    received += kept.objects.size();
    kept.objects.clear();  // the test's own record, not the relay's
  });
  loop.run_for(100ms);
  EXPECT_EQ(received + kept.objects.size(), group) << "the subscriber that stayed got every group";
  EXPECT_EQ(churn_relay.session_count(), 2u);
  EXPECT_EQ(churn_metrics.subscriptions.load(), 1);
  // A map entry kept per session (~48 bytes) shows as ~96 KB in each window.
  EXPECT_LT(grown, 16 * 1024) << "heap grew " << grown << " bytes over 2,000 subscriber sessions";
}

TEST_P(RelayChurnTest, NothingIsKeptPerPublisherSessionThatCameAndWent) {
  const std::int64_t grown = growth_over_cycles([&](int i) {
    const std::string name = "p" + std::to_string(i % 7);
    auto p = connect_to(churn_relay);
    p.handler->on_sub = [](moqt::ServedSubscription& s) { s.accept({}); };
    RecordingRequest ann;
    auto a = p.session->publish_namespace({{name}}, &ann);
    loop.run_until([&] { return ann.ok; }, 1s);
    auto c = connect_to(churn_relay);
    RecordingSubscription rec;
    auto h = c.session->subscribe(track(name, "video"), {}, &rec);
    loop.run_until([&] { return rec.ok; }, 1s);
    p.session->close(0, "gone");
    loop.run_until([&] { return rec.done.has_value(); }, 1s);
    c.session->close(0, "bye");
    loop.run_for(10ms);
  });
  EXPECT_EQ(churn_relay.session_count(), 0u);
  EXPECT_EQ(churn_relay.track_count(), 0u);
  EXPECT_LT(grown, 16 * 1024) << "heap grew " << grown << " bytes over 2,000 publishers and their subscribers";
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


// Counts what a session was asked of a given kind.
std::size_t requests_of(const Client& c, moqt::RequestKind kind) {
  std::size_t n = 0;
  for (const auto& r : c.handler->requests) n += r->kind() == kind ? 1 : 0;
  return n;
}

TEST_P(RelayTest, TrackStatusAskedOfAPublisherLeavesNothingBehindForItsSessionsEnd) {
  // Each TRACK_STATUS the relay cannot answer itself goes to the publisher through a proxy. The
  // answers, the asker leaving and a later TRACK_STATUS all let the relay free answered proxies;
  // the publisher's session ending afterwards must not call back into any of them (under ASan
  // this was a use-after-free, found by fuzz_relay_session).
  auto pub = publisher();
  pub.handler->on_req = [](moqt::IncomingRequest& r) {
    r.accept({moqt::Location{4, 2}, {}, {}, {}, {}, false});
  };
  auto asker = connect();
  RecordingRequest first;
  auto a = asker.session->track_status(track("live", "audio"), &first);
  ASSERT_TRUE(loop.run_until([&] { return first.ok; }, 1s));
  EXPECT_EQ(first.info.largest, (moqt::Location{4, 2}));
  RecordingRequest second;
  auto b = asker.session->track_status(track("live", "captions"), &second);
  ASSERT_TRUE(loop.run_until([&] { return second.ok; }, 1s));
  EXPECT_EQ(requests_of(pub, moqt::RequestKind::kTrackStatus), 2u);
  asker.session->close(0, "done");
  loop.run_for(100ms);
  pub.session->close(0, "done");
  loop.run_for(100ms);
  EXPECT_EQ(metrics.sessions.load(), 0);

  // The relay carries on: a new publisher's answers reach a new asker.
  auto pub2 = publisher();
  pub2.handler->on_req = [](moqt::IncomingRequest& r) { r.reject({404, "no such track", 0, {}}); };
  auto asker2 = connect();
  RecordingRequest third;
  auto c = asker2.session->track_status(track("live", "audio"), &third);
  ASSERT_TRUE(loop.run_until([&] { return third.error.has_value(); }, 1s));
  EXPECT_EQ(third.error->code, 404u);
}

TEST_P(RelayTest, ManyTrackStatusRequestsLeaveThePublishersSessionOpenToSubscriptions) {
  // Each proxied TRACK_STATUS is a request stream from the relay to the publisher. The relay
  // ends its side once answered; otherwise, after the link's 100 bidi streams, the relay could
  // send the publisher nothing more, not even the SUBSCRIBE of a new audience.
  auto pub = publisher();
  pub.handler->on_req = [](moqt::IncomingRequest& r) {
    r.accept({moqt::Location{4, 2}, {}, {}, {}, {}, false});
  };
  auto asker = connect();
  constexpr int kAsks = 150;
  int answered = 0;
  for (int i = 0; i < kAsks; ++i) {
    RecordingRequest status;
    auto r = asker.session->track_status(track("live", "audio"), &status);
    if (loop.run_until([&] { return status.ok; }, 1s)) ++answered;
  }
  EXPECT_EQ(answered, kAsks);
  EXPECT_EQ(requests_of(pub, moqt::RequestKind::kTrackStatus), static_cast<std::size_t>(kAsks));
  RecordingSubscription rec;
  auto h = asker.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
}

TEST_P(RelayTest, TracksThePublisherEndsLeaveItsSessionOpenToMoreTracks) {
  // A live publisher ends tracks as it goes (PUBLISH_DONE and the end of its side of the
  // request stream). The relay ends its side too, so the ended tracks hold no stream credit
  // of the publisher's session: the 101st track reaches its audience like the first.
  auto pub = publisher();
  auto sub = connect();
  constexpr int kTracks = 150;
  int ended = 0;
  for (int i = 0; i < kTracks; ++i) {
    RecordingSubscription rec;
    auto h = sub.session->subscribe(track("live", "t" + std::to_string(i)), {}, &rec);
    if (!loop.run_until([&] { return rec.ok; }, 1s)) break;
    upstream.back()->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), "over");
    if (loop.run_until([&] { return rec.done.has_value(); }, 1s)) ++ended;
  }
  EXPECT_EQ(ended, kTracks);
}

TEST_P(RelayTest, ASubscribeWithAnInvalidRangeLeavesNothingBehindAtTheTrack) {
  // Refused as INVALID_RANGE before the relay holds it: a refused subscription the track kept
  // as a subscriber would keep the track, and its upstream subscription, forever.
  if (GetParam() == "moqt-18") GTEST_SKIP() << "draft-18 cannot say an end object before the start";
  auto pub = publisher();
  auto sub = connect();
  RecordingSubscription good, bad;
  auto h = sub.session->subscribe(track("live", "video"), {}, &good);
  ASSERT_TRUE(loop.run_until([&] { return good.ok; }, 1s));
  moqt::SubscribeOptions o;
  o.filter = moqt::SubscribeFilter::range({5, 3}, 5, 1);
  auto hb = sub.session->subscribe(track("live", "video"), o, &bad);
  ASSERT_TRUE(loop.run_until([&] { return bad.error.has_value(); }, 1s));
  EXPECT_EQ(bad.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidRange));
  h->unsubscribe();
  loop.run_for(200ms);
  EXPECT_EQ(relay.track_count(), 0u) << "the track went with its last subscriber";
  EXPECT_EQ(metrics.subscriptions.load(), 0);
}

TEST_P(RelayTest, NamespaceInterestIsPassedOnceToEachOverlappingPublisherAndCancelledWithTheLast) {
  auto live = connect();
  auto other = connect();
  // The publisher of "live" answers interest with the namespaces it has below it.
  std::vector<std::shared_ptr<moqt::IncomingRequest>> held;
  bool cancelled = false;
  live.handler->on_req = [&](moqt::IncomingRequest& r) {
    ASSERT_EQ(r.kind(), moqt::RequestKind::kSubscribeNamespace);
    r.set_on_cancel([&] { cancelled = true; });
    r.accept();
    r.send_namespace({{"live", "cam1"}});
    held.push_back(r.shared_from_this());
  };
  RecordingRequest live_ann, other_ann;
  auto a1 = live.session->publish_namespace({{"live"}}, &live_ann);
  auto a2 = other.session->publish_namespace({{"other"}}, &other_ann);
  ASSERT_TRUE(loop.run_until([&] { return live_ann.ok && other_ann.ok; }, 1s));

  auto w1 = connect();
  auto w2 = connect();
  RecordingRequest i1, i2;
  auto r1 = w1.session->subscribe_namespace({{"live"}}, &i1);
  auto r2 = w2.session->subscribe_namespace({{"live"}}, &i2);
  ASSERT_TRUE(loop.run_until([&] { return i1.namespaces.size() == 2 && i2.namespaces.size() == 2; }, 1s));
  // "live" itself (the announcement), then "live/cam1" learned through the passed-on interest.
  EXPECT_EQ(i1.namespaces[0], (wire::TrackNamespace{}));
  EXPECT_EQ(i1.namespaces[1], (wire::TrackNamespace{{"cam1"}}));
  EXPECT_EQ(requests_of(live, moqt::RequestKind::kSubscribeNamespace), 1u) << "one request for two subscribers";
  EXPECT_EQ(requests_of(other, moqt::RequestKind::kSubscribeNamespace), 0u) << "no overlap with 'other'";
  EXPECT_EQ(metrics.forwarded_interests.load(), 1);

  // A publisher arriving later under the prefix hears the interest too.
  auto late = connect();
  late.handler->on_req = [](moqt::IncomingRequest& r) { r.accept(); };
  RecordingRequest late_ann;
  auto a3 = late.session->publish_namespace({{"live", "cam2"}}, &late_ann);
  ASSERT_TRUE(loop.run_until([&] { return late_ann.ok && requests_of(late, moqt::RequestKind::kSubscribeNamespace) == 1; }, 1s));
  ASSERT_TRUE(loop.run_until([&] { return i1.namespaces.size() == 3; }, 1s));
  EXPECT_EQ(i1.namespaces[2], (wire::TrackNamespace{{"cam2"}}));
  EXPECT_EQ(metrics.forwarded_interests.load(), 2);

  r1->cancel();
  loop.run_for(100ms);
  EXPECT_FALSE(cancelled) << "one subscriber is still interested";
  r2->cancel();
  ASSERT_TRUE(loop.run_until([&] { return cancelled; }, 1s));
  EXPECT_EQ(metrics.forwarded_interests.load(), 0);
  EXPECT_FALSE(live.handler->closed);
}

TEST_P(RelayTest, AWiderNamespaceInterestReplacesNarrowerOnesAtThePublisher) {
  auto pub = connect();
  // A publisher that enforces the draft's PREFIX_OVERLAP rule among its open requests.
  std::vector<std::shared_ptr<moqt::IncomingRequest>> open;
  pub.handler->on_req = [&](moqt::IncomingRequest& r) {
    std::erase_if(open, [](const auto& x) { return x->state() != moqt::RequestState::kActive; });
    for (const auto& o : open) {
      if (o->track_namespace().is_prefix_of(r.track_namespace()) || r.track_namespace().is_prefix_of(o->track_namespace())) {
        moqt::RequestErrorInfo e;
        e.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kPrefixOverlap);
        r.reject(e);
        return;
      }
    }
    r.accept();
    r.send_namespace({{"live", "cam1"}});
    open.push_back(r.shared_from_this());
  };
  RecordingRequest ann;
  auto a = pub.session->publish_namespace({{"live"}}, &ann);
  ASSERT_TRUE(loop.run_until([&] { return ann.ok; }, 1s));

  auto narrow = connect();
  RecordingRequest n;
  auto rn = narrow.session->subscribe_namespace({{"live", "cam1"}}, &n);
  ASSERT_TRUE(loop.run_until([&] { return n.ok && open.size() == 1; }, 1s));
  auto wide = connect();
  RecordingRequest w;
  auto rw = wide.session->subscribe_namespace({{"live"}}, &w);
  ASSERT_TRUE(loop.run_until([&] {
    std::erase_if(open, [](const auto& x) { return x->state() != moqt::RequestState::kActive; });
    return open.size() == 1 && open[0]->track_namespace() == wire::TrackNamespace{{"live"}};
  }, 2s));
  ASSERT_TRUE(loop.run_until([&] { return w.namespaces.size() == 2; }, 1s));
  EXPECT_EQ(w.namespaces[1], (wire::TrackNamespace{{"cam1"}}));
  EXPECT_EQ(metrics.forwarded_interests.load(), 1);
  // The narrow subscriber is now served by the wide request: it stays until both leave.
  rw->cancel();
  loop.run_for(200ms);
  EXPECT_EQ(open[0]->state(), moqt::RequestState::kActive);
  rn->cancel();
  ASSERT_TRUE(loop.run_until([&] { return open[0]->state() != moqt::RequestState::kActive; }, 1s));
  EXPECT_EQ(metrics.forwarded_interests.load(), 0);
  EXPECT_FALSE(pub.handler->closed);
}

TEST_P(RelayTest, SubscribeTracksGetsAPublishForEveryTrackUnderThePrefixExistingAndNew) {
  auto pub = connect();
  pub.handler->on_req = [](moqt::IncomingRequest& r) { r.accept(); };
  RecordingRequest ann;
  auto a = pub.session->publish_namespace({{"live"}}, &ann);
  ASSERT_TRUE(loop.run_until([&] { return ann.ok; }, 1s));
  auto video = pub.session->publish(track("live", "video"), {}, nullptr);
  auto elsewhere = pub.session->publish({{{"other"}}, "x"}, {}, nullptr);
  ASSERT_TRUE(loop.run_until([&] {
    return video->state() == moqt::RequestState::kActive && elsewhere->state() == moqt::RequestState::kActive;
  }, 1s));

  auto sub = connect();
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  sub.handler->on_pub = [&](moqt::Subscription& s) {
    recs.push_back(std::make_unique<RecordingSubscription>());
    s.accept(recs.back().get());
  };
  RecordingRequest tracks_req;
  auto st = sub.session->subscribe_tracks({{"live"}}, &tracks_req);
  ASSERT_TRUE(loop.run_until([&] { return tracks_req.ok && sub.handler->published.size() == 1; }, 1s));
  EXPECT_EQ(sub.handler->published[0]->track(), track("live", "video"));
  loop.run_for(50ms);
  EXPECT_EQ(requests_of(pub, moqt::RequestKind::kSubscribeTracks), 1u) << "the interest reaches the publisher";

  auto* w = video->open_subgroup({0, 0, moqt::kDefaultPriority, true, false});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write(0, SharedBytes::copy(std::string("frame"))));
  ASSERT_TRUE(loop.run_until([&] { return !recs.empty() && recs[0]->objects.size() == 1; }, 1s));

  // A new track under the prefix is offered as it starts; one outside it never is.
  auto audio = pub.session->publish(track("live", "audio"), {}, nullptr);
  ASSERT_TRUE(loop.run_until([&] { return sub.handler->published.size() == 2; }, 1s));
  EXPECT_EQ(sub.handler->published[1]->track(), track("live", "audio"));
  loop.run_for(100ms);
  EXPECT_EQ(sub.handler->published.size(), 2u);
  EXPECT_EQ(metrics.tracks_offered.load(), 2u);

  // Overlapping SUBSCRIBE_TRACKS on one session is refused.
  RecordingRequest overlap;
  auto st2 = sub.session->subscribe_tracks({{"live", "deeper"}}, &overlap);
  ASSERT_TRUE(loop.run_until([&] { return overlap.error.has_value(); }, 1s));
  EXPECT_EQ(overlap.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kPrefixOverlap));
}

TEST_P(RelayTest, ASubscriberReturningWithinTheLingerIsServedFromTheKeptCache) {
  RelayConfig c = small_queues();
  c.track_linger_ms = 2'000;
  RelayMetrics m;
  Relay lingering{loop, c, m};
  auto pub = publisher_at(lingering);
  auto sub = connect_to(lingering);
  RecordingSubscription first;
  auto h = sub.session->subscribe(track("live", "video"), {}, &first);
  ASSERT_TRUE(loop.run_until([&] { return first.ok; }, 1s));
  for (std::uint64_t o = 0; o < 3; ++o) publish(0, o);
  loop.run_for(100ms);
  ASSERT_EQ(first.objects.size(), 3u);
  h->unsubscribe();
  loop.run_for(1s);
  EXPECT_EQ(m.lingering_tracks.load(), 1);
  EXPECT_EQ(pub.handler->served[0]->state(), moqt::RequestState::kActive) << "kept upstream while lingering";

  RecordingSubscription again;
  auto h2 = sub.session->subscribe(track("live", "video"), {}, &again);
  ASSERT_TRUE(loop.run_until([&] { return again.ok && again.objects.size() == 3; }, 1s));
  EXPECT_EQ(again.objects[0].location(), (moqt::Location{0, 0})) << "the cached group, at once";
  EXPECT_EQ(pub.handler->served.size(), 1u) << "no new upstream subscription";
  EXPECT_EQ(m.lingering_tracks.load(), 0);
  // Leaving again restarts the linger from now, not from the first departure.
  h2->unsubscribe();
  loop.run_for(1500ms);
  EXPECT_EQ(lingering.track_count(), 1u);
  EXPECT_EQ(pub.handler->served[0]->state(), moqt::RequestState::kActive);
}

TEST_P(RelayTest, AfterTheLingerTheUpstreamSubscriptionIsCancelledAndTheCacheDropped) {
  RelayConfig c = small_queues();
  c.track_linger_ms = 2'000;
  RelayMetrics m;
  Relay lingering{loop, c, m};
  auto pub = publisher_at(lingering);
  auto sub = connect_to(lingering);
  RecordingSubscription rec;
  auto h = sub.session->subscribe(track("live", "video"), {}, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  publish(0, 0);
  loop.run_for(100ms);
  h->unsubscribe();
  loop.run_for(1900ms);
  EXPECT_EQ(pub.handler->served[0]->state(), moqt::RequestState::kActive);
  EXPECT_NE(lingering.cache().find(track("live", "video")), nullptr);
  ASSERT_TRUE(loop.run_until([&] { return pub.handler->served[0]->state() != moqt::RequestState::kActive; }, 500ms));
  EXPECT_EQ(lingering.track_count(), 0u);
  EXPECT_EQ(lingering.cache().find(track("live", "video")), nullptr);
  EXPECT_EQ(m.upstream_subscriptions.load(), 0);
  EXPECT_EQ(m.lingering_tracks.load(), 0);
}

// origin ← regional ← edge, each a Relay on the same simulated network.
struct Chain {
  RelayMetrics origin_m, regional_m, edge_m;
  Relay origin, regional, edge;
  Chain(transport::EventLoop& loop, const RelayConfig& c)
      : origin(loop, c, origin_m), regional(loop, c, regional_m), edge(loop, c, edge_m) {}
};

TEST_P(RelayTest, TenSubscribersAtTheEdgeMakeOneSubscriptionAtEachHop) {
  Chain ch(loop, config);
  chain(ch.regional, ch.origin);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] {
    return ch.regional.upstream_state() == UpstreamState::kUp && ch.edge.upstream_state() == UpstreamState::kUp;
  }, 1s));
  auto pub = publisher_at(ch.origin);
  std::vector<Client> subs;
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  for (int i = 0; i < 10; ++i) {
    subs.push_back(connect_to(ch.edge));
    recs.push_back(std::make_unique<RecordingSubscription>());
    handles.push_back(subs.back().session->subscribe(track("live", "video"), {}, recs.back().get()));
  }
  ASSERT_TRUE(loop.run_until([&] {
    for (auto& r : recs) if (!r->ok) return false;
    return true;
  }, 2s));
  EXPECT_EQ(pub.handler->served.size(), 1u);
  EXPECT_EQ(ch.origin_m.upstream_subscriptions.load(), 1);
  EXPECT_EQ(ch.regional_m.upstream_subscriptions.load(), 1);
  EXPECT_EQ(ch.edge_m.upstream_subscriptions.load(), 1);
  EXPECT_EQ(ch.origin_m.subscriptions.load(), 1) << "the regional relay is the origin's only subscriber";
  EXPECT_EQ(ch.regional_m.subscriptions.load(), 1);
  EXPECT_EQ(ch.edge_m.subscriptions.load(), 10);
  for (std::uint64_t g = 0; g < 2; ++g) {
    for (std::uint64_t o = 0; o < 3; ++o) publish(g, o);
    loop.run_for(50ms);
  }
  loop.run_for(500ms);
  for (auto& r : recs) {
    ASSERT_EQ(r->objects.size(), 6u);
    EXPECT_EQ(r->objects.back().location(), (moqt::Location{1, 2}));
  }
  EXPECT_EQ(ch.edge_m.objects_in.load(), 6u);
  EXPECT_EQ(ch.edge_m.objects_out.load(), 60u);

  // TRACK_STATUS and FETCH for what the edge does not hold go up the chain.
  auto asker = connect_to(ch.edge);
  RecordingRequest status;
  auto st = asker.session->track_status(track("live", "audio"), &status);
  ASSERT_TRUE(loop.run_until([&] { return status.ok || status.error.has_value(); }, 1s));
  EXPECT_TRUE(status.error.has_value()) << "the publisher's own answer (it serves no TRACK_STATUS) comes back";
  EXPECT_EQ(requests_of(pub, moqt::RequestKind::kTrackStatus), 1u);
  answer_fetches(pub, 2);
  RecordingFetch fetch;
  auto f = asker.session->fetch({track("live", "archive"), {0, 0}, 0, std::nullopt}, &fetch);
  ASSERT_TRUE(loop.run_until([&] { return fetch.complete.has_value(); }, 1s));
  ASSERT_TRUE(fetch.ok.has_value());
  EXPECT_EQ(fetch.objects.size(), 2u);
  EXPECT_EQ(pub.handler->fetches.size(), 1u);
}

TEST_P(RelayTest, AnObjectPublishedOnceReachesASubscriberThroughAChainOfRelays) {
  // Like a catalog: published once, and handed by the publisher to each new subscription as its
  // current object. Every relay of the chain subscribes upstream from the Largest Object on, so
  // each must still pass that object (of the largest group) on to the subscriber it joined for.
  Chain ch(loop, config);
  chain(ch.regional, ch.origin);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] {
    return ch.regional.upstream_state() == UpstreamState::kUp && ch.edge.upstream_state() == UpstreamState::kUp;
  }, 1s));
  auto pub = publisher_at(ch.origin);
  publish(0, 0);  // nobody subscribed yet: the publisher's largest object from now on
  auto viewer = connect_to(ch.edge);
  RecordingSubscription rec;
  moqt::SubscribeOptions from_start;
  from_start.filter = moqt::SubscribeFilter::from({0, 0});
  auto handle = viewer.session->subscribe(track("live", "catalog"), from_start, &rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ok; }, 1s));
  publish(0, 0);  // the publisher hands its current object to the origin's new subscription
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 1; }, 1s)) << "filtered out on the way";
  EXPECT_EQ(rec.objects[0].location(), (moqt::Location{0, 0}));
}

TEST_P(RelayTest, APublisherAtTheEdgeReachesSubscribersAtTheOrigin) {
  Chain ch(loop, config);
  chain(ch.regional, ch.origin);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] {
    return ch.regional.upstream_state() == UpstreamState::kUp && ch.edge.upstream_state() == UpstreamState::kUp;
  }, 1s));
  auto pub = publisher_at(ch.edge);
  ASSERT_TRUE(loop.run_until([&] { return ch.origin.registry().route({{"live"}}).has_value(); }, 1s));
  // Announced upward once per hop, never back down.
  EXPECT_EQ(ch.edge.upstream_announcement_count(), 1u);
  EXPECT_EQ(ch.regional.upstream_announcement_count(), 1u);
  EXPECT_EQ(ch.edge.registry().published_count(), 1u);
  EXPECT_EQ(ch.regional.registry().published_count(), 1u);

  std::vector<Client> subs;
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(connect_to(ch.origin));
    recs.push_back(std::make_unique<RecordingSubscription>());
    handles.push_back(subs.back().session->subscribe(track("live", "video"), {}, recs.back().get()));
  }
  ASSERT_TRUE(loop.run_until([&] {
    for (auto& r : recs) if (!r->ok) return false;
    return true;
  }, 2s));
  EXPECT_EQ(pub.handler->served.size(), 1u);
  publish(0, 0);
  publish(0, 1);
  loop.run_for(300ms);
  for (auto& r : recs) EXPECT_EQ(r->objects.size(), 2u);

  // Withdrawing at the edge withdraws up the chain.
  announce->cancel();
  ASSERT_TRUE(loop.run_until([&] { return !ch.origin.registry().route({{"live"}}).has_value(); }, 1s));
  EXPECT_EQ(ch.regional.upstream_announcement_count(), 0u);
}

// Two publishers of one namespace at the edge: the one that leaves (its session closing cancels
// its PUBLISH_NAMESPACE and then ends the session, two ways of hearing of it) takes nothing from
// the other, whose namespace stays announced to the parent.
TEST_P(RelayTest, ANamespaceStaysAnnouncedUpstreamWhileOneOfItsPublishersRemains) {
  Chain ch(loop, config);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] { return ch.edge.upstream_state() == UpstreamState::kUp; }, 1s));
  auto first = connect_to(ch.edge);
  auto second = connect_to(ch.edge);
  RecordingRequest a, b;
  auto ra = first.session->publish_namespace({{"live"}}, &a);
  auto rb = second.session->publish_namespace({{"live"}}, &b);
  ASSERT_TRUE(loop.run_until([&] { return a.ok && b.ok && ch.regional.registry().route({{"live"}}); }, 1s));
  first.session->close(0, "bye");
  loop.run_for(200ms);
  EXPECT_EQ(ch.edge.upstream_announcement_count(), 1u);
  EXPECT_TRUE(ch.regional.registry().route({{"live"}}).has_value());
  EXPECT_EQ(ch.edge.registry().published_count(), 1u);
  // The last one leaving withdraws it up the chain.
  second.session->close(0, "bye");
  ASSERT_TRUE(loop.run_until([&] { return !ch.regional.registry().route({{"live"}}).has_value(); }, 1s));
  EXPECT_EQ(ch.edge.upstream_announcement_count(), 0u);
}

TEST_P(RelayTest, NamespaceInterestAtTheEdgeHearsOfPublishersAtTheOrigin) {
  Chain ch(loop, config);
  chain(ch.regional, ch.origin);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] {
    return ch.regional.upstream_state() == UpstreamState::kUp && ch.edge.upstream_state() == UpstreamState::kUp;
  }, 1s));
  auto watcher = connect_to(ch.edge);
  RecordingRequest interest;
  auto req = watcher.session->subscribe_namespace({{"live"}}, &interest);
  ASSERT_TRUE(loop.run_until([&] { return interest.ok; }, 1s));
  auto pub = connect_to(ch.origin);
  RecordingRequest ann;
  auto a = pub.session->publish_namespace({{"live", "cam1"}}, &ann);
  ASSERT_TRUE(loop.run_until([&] { return !interest.namespaces.empty(); }, 1s));
  EXPECT_EQ(interest.namespaces[0], (wire::TrackNamespace{{"cam1"}}));
  EXPECT_EQ(ch.edge_m.forwarded_interests.load(), 1);
  EXPECT_EQ(ch.regional_m.forwarded_interests.load(), 1);
  // What the edge learned from above is never announced back up.
  EXPECT_EQ(ch.edge.upstream_announcement_count(), 0u);
  EXPECT_EQ(ch.regional.upstream_announcement_count(), 0u);
  pub.session->close(0, "bye");
  ASSERT_TRUE(loop.run_until([&] { return !interest.done.empty(); }, 1s));
  EXPECT_EQ(interest.done[0], (wire::TrackNamespace{{"cam1"}}));
  req->cancel();
  ASSERT_TRUE(loop.run_until([&] { return ch.regional_m.forwarded_interests.load() == 0; }, 1s));
  EXPECT_EQ(ch.edge_m.forwarded_interests.load(), 0);
}

TEST_P(RelayTest, SubscribeTracksAtTheEdgeGetsTracksPublishedAtTheOrigin) {
  Chain ch(loop, config);
  chain(ch.regional, ch.origin);
  chain(ch.edge, ch.regional);
  ASSERT_TRUE(loop.run_until([&] {
    return ch.regional.upstream_state() == UpstreamState::kUp && ch.edge.upstream_state() == UpstreamState::kUp;
  }, 1s));
  // The publisher starts its track when asked for the tracks under its namespace.
  auto pub = connect_to(ch.origin);
  std::shared_ptr<moqt::ServedSubscription> video;
  pub.handler->on_req = [&](moqt::IncomingRequest& r) {
    r.accept();
    if (r.kind() == moqt::RequestKind::kSubscribeTracks && !video)
      video = pub.session->publish(track("live", "video"), {}, nullptr);
  };
  RecordingRequest ann;
  auto a = pub.session->publish_namespace({{"live"}}, &ann);
  ASSERT_TRUE(loop.run_until([&] { return ann.ok; }, 1s));

  auto sub = connect_to(ch.edge);
  RecordingSubscription rec;
  sub.handler->on_pub = [&](moqt::Subscription& s) { s.accept(&rec); };
  RecordingRequest req;
  auto st = sub.session->subscribe_tracks({{"live"}}, &req);
  ASSERT_TRUE(loop.run_until([&] { return sub.handler->published.size() == 1; }, 2s));
  EXPECT_EQ(sub.handler->published[0]->track(), track("live", "video"));
  ASSERT_TRUE(video);
  ASSERT_TRUE(loop.run_until([&] { return video->state() == moqt::RequestState::kActive; }, 1s));
  loop.run_for(50ms);
  auto* w = video->open_subgroup({0, 0, moqt::kDefaultPriority, true, false});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write(0, SharedBytes::copy(std::string("hello"))));
  ASSERT_TRUE(loop.run_until([&] { return rec.objects.size() == 1; }, 1s));
  EXPECT_EQ(requests_of(pub, moqt::RequestKind::kSubscribeTracks), 1u);
  EXPECT_EQ(ch.edge.track_count(), 1u);
  EXPECT_EQ(ch.regional.track_count(), 1u);
}

TEST_P(RelayTest, ALostUpstreamLinkIsReconnectedAndLocalNamespacesAnnouncedAgain) {
  // The restarted origin's metrics outlive it too (declared before the relay that counts into them).
  RelayMetrics origin_m, edge_m, fresh_m;
  auto origin = std::make_unique<Relay>(loop, config, origin_m);
  Relay edge{loop, config, edge_m};
  Relay* current = origin.get();
  edge.set_upstream([this, &current](const moqt::SessionOptions& o, moqt::SessionHandler* h) {
    transport::memory::LinkConfig link;
    link.protocol = GetParam();
    auto pair = network.pair(link);
    auto s = moqt::Session::create(pair.client, o, h);
    current->accept(pair.server);
    return s;
  }, UpstreamPolicy{100ms, 1s, "/", {}});
  ASSERT_TRUE(loop.run_until([&] { return edge.upstream_state() == UpstreamState::kUp; }, 1s));
  EXPECT_EQ(edge_m.upstream_link.load(), 2);
  auto pub = publisher_at(edge);
  ASSERT_TRUE(loop.run_until([&] { return origin->registry().route({{"live"}}).has_value(); }, 1s));

  // The origin restarts: the edge notices, waits, and comes back.
  origin->close_all("restart");
  ASSERT_TRUE(loop.run_until([&] { return edge.upstream_state() == UpstreamState::kDown; }, 1s));
  EXPECT_EQ(edge_m.upstream_link.load(), 3);
  origin.reset();
  origin = std::make_unique<Relay>(loop, config, fresh_m);
  current = origin.get();
  ASSERT_TRUE(loop.run_until([&] { return edge.upstream_state() == UpstreamState::kUp; }, 2s));
  ASSERT_TRUE(loop.run_until([&] { return origin->registry().route({{"live"}}).has_value(); }, 1s));
  EXPECT_EQ(edge_m.upstream_connects.load(), 2u);
  EXPECT_FALSE(pub.handler->closed) << "local sessions ride out the upstream's restart";
}

TEST_P(RelayTest, RangeFiltersLimitWhatEachSubscriberGetsIncludingALateJoinerFromTheCache) {
  if (GetParam() == "moqt-18") GTEST_SKIP() << "draft-18 has no Range Filters";
  auto pub = publisher();
  auto plain = viewer_of_group_0();

  // Joins while group 0 is cached: objects 0 and 1 of it, then of every later group.
  auto filtered = connect();
  RecordingSubscription some;
  moqt::SubscribeOptions opts;
  opts.range_filters = {{moqt::RangeField::kObjectId, 0, 0, {{0, 1}}}};
  auto h2 = filtered.session->subscribe(track("live", "video"), opts, &some);
  ASSERT_TRUE(loop.run_until([&] { return some.ok; }, 1s));
  EXPECT_EQ(pub.handler->served.size(), 1u) << "the filter stays at the relay; one upstream subscription";
  publish(0, 4);
  for (std::uint64_t o = 0; o < 4; ++o) publish(1, o);
  loop.run_for(200ms);

  EXPECT_EQ(plain.rec->objects.size(), 9u);
  ASSERT_EQ(some.objects.size(), 4u);
  const moqt::Location want[] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(some.objects[i].group_id, want[i].group) << i;
    EXPECT_EQ(some.objects[i].object_id, want[i].object) << i;
  }
}

// A FETCH's Range Filters apply to what the relay serves from its cache, and go up with a FETCH
// the relay passes on to the publisher.
TEST_P(RelayTest, FetchRangeFiltersApplyToTheCacheAndGoUpstream) {
  if (GetParam() == "moqt-18") GTEST_SKIP() << "draft-18 has no Range Filters";
  auto pub = publisher();
  auto plain = viewer_of_group_0();

  const std::vector<moqt::RangeFilter> middle{{moqt::RangeField::kObjectId, 0, 0, {{1, 2}}}};
  auto asker = connect();
  RecordingFetch cached;
  auto f1 = asker.session->fetch({track("live", "video"), {0, 0}, 0, std::nullopt}, &cached,
                                 moqt::kDefaultPriority, {}, middle);
  ASSERT_TRUE(loop.run_until([&] { return cached.complete.has_value() || cached.error.has_value(); }, 1s));
  ASSERT_FALSE(cached.error) << cached.error->reason;
  ASSERT_EQ(cached.objects.size(), 2u);
  EXPECT_EQ(cached.objects[0].object_id, 1u);
  EXPECT_EQ(cached.objects[1].object_id, 2u);
  EXPECT_TRUE(pub.handler->fetches.empty()) << "served from the cache";

  // Nothing cached for this track: the FETCH goes to the publisher with its filters.
  answer_fetches(pub, 4);
  RecordingFetch archive;
  auto f2 = asker.session->fetch({track("live", "archive"), {0, 0}, 0, std::nullopt}, &archive,
                                 moqt::kDefaultPriority, {}, middle);
  ASSERT_TRUE(loop.run_until([&] { return archive.complete.has_value() || archive.error.has_value(); }, 1s));
  ASSERT_EQ(pub.handler->fetches.size(), 1u);
  EXPECT_EQ(pub.handler->fetches[0]->range_filters(), middle);
  ASSERT_EQ(archive.objects.size(), 2u);
  EXPECT_EQ(archive.objects[0].object_id, 1u);
}

// NEW_GROUP_REQUEST through the relay (draft relay rules): carried by the upstream SUBSCRIBE
// for a new track, held while that SUBSCRIBE is unanswered, then sent as REQUEST_UPDATE only
// when it asks beyond the Largest Group of a DYNAMIC_GROUPS track and no request of the relay's
// as large is outstanding.
class RelayNewGroupTest : public RelayTest {
 protected:
  using Asks = moqt::testing::NewGroupAsks;

  // `answer_now` false leaves each SUBSCRIBE pending until the test calls accept().
  Client publisher_with(bool dynamic, bool answer_now = true) {
    auto p = publisher();
    p.handler->on_sub = [this, dynamic, answer_now](moqt::ServedSubscription& s) {
      s.set_handler(&asks);
      if (answer_now) accept(s, dynamic);
    };
    return p;
  }

  void accept(moqt::ServedSubscription& s, bool dynamic) {
    moqt::TrackInfo info;
    info.dynamic_groups = dynamic;
    if (last_) info.largest = *last_;
    s.accept(info);
    upstream.push_back(s.shared_from_this());
  }

  Viewer watch(std::optional<std::uint64_t> new_group = std::nullopt, bool wait = true) {
    Viewer v;
    v.client = connect();
    moqt::SubscribeOptions options;
    options.new_group_request = new_group;
    v.sub = v.client.session->subscribe(track("live", "video"), options, v.rec.get());
    if (wait) {
      EXPECT_TRUE(loop.run_until([&] { return v.rec->ok; }, 1s));
      loop.run_for(100ms);  // a REQUEST_UPDATE the relay sends reaches the publisher
    }
    return v;
  }

  // A first viewer that asked nothing, and groups 0 to `largest` published through it.
  Viewer established(bool dynamic, std::uint64_t largest = 2) {
    pub = publisher_with(dynamic);
    auto v = watch();
    for (std::uint64_t g = 0; g <= largest; ++g) {
      publish(g, 0);
      publish(g, 1);
    }
    loop.run_for(100ms);
    EXPECT_EQ(v.rec->objects.size(), 2 * (largest + 1));
    return v;
  }

  Asks asks;
  Client pub;
};

TEST_P(RelayNewGroupTest, TheSubscribeForANewTrackCarriesTheRequestAndAnEqualOneWaitingIsNotRepeated) {
  pub = publisher_with(true, false);
  auto a = watch(0, false);
  ASSERT_TRUE(loop.run_until([&] { return pub.handler->served.size() == 1; }, 1s));
  auto b = watch(0, false);
  loop.run_for(100ms);
  ASSERT_EQ(pub.handler->served.size(), 1u);
  EXPECT_EQ(pub.handler->served[0]->options().new_group_request, std::optional<std::uint64_t>(0));
  accept(*pub.handler->served[0], true);
  ASSERT_TRUE(loop.run_until([&] { return a.rec->ok && b.rec->ok; }, 1s));
  loop.run_for(100ms);
  EXPECT_TRUE(asks.values.empty()) << "the SUBSCRIBE's request is outstanding and as large";
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
}

TEST_P(RelayNewGroupTest, ASubscribeWithoutARequestCarriesNone) {
  pub = publisher_with(true);
  auto a = watch();
  ASSERT_EQ(pub.handler->served.size(), 1u);
  EXPECT_FALSE(pub.handler->served[0]->options().new_group_request.has_value());
  EXPECT_EQ(metrics.new_group_requests.load(), 0u);
}

TEST_P(RelayNewGroupTest, ARequestWhileTheUpstreamSubscribeIsPendingIsSentOnceItIsAnswered) {
  pub = publisher_with(true, false);
  auto a = watch(std::nullopt, false);
  ASSERT_TRUE(loop.run_until([&] { return pub.handler->served.size() == 1; }, 1s));
  auto b = watch(5, false);
  loop.run_for(100ms);
  EXPECT_FALSE(pub.handler->served[0]->options().new_group_request.has_value());
  EXPECT_TRUE(asks.values.empty());
  accept(*pub.handler->served[0], true);
  ASSERT_TRUE(loop.run_until([&] { return a.rec->ok && b.rec->ok; }, 1s));
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{5});
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
}

TEST_P(RelayNewGroupTest, OneRequestIsOutstandingUntilAGroupBeyondTheLargestArrives) {
  auto first = established(true);
  auto second = watch(0);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{0});
  auto third = watch(0);
  EXPECT_EQ(asks.values.size(), 1u) << "still outstanding";
  publish(2, 2);  // the Largest Group has not grown
  loop.run_for(100ms);
  auto fourth = watch(0);
  EXPECT_EQ(asks.values.size(), 1u) << "an object of the largest group does not answer it";
  publish(3, 0);
  loop.run_for(100ms);
  auto fifth = watch(0);
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(pub.handler->served.size(), 1u) << "requests go in REQUEST_UPDATEs, not new SUBSCRIBEs";
  EXPECT_EQ(metrics.new_group_requests.load(), 2u);
}

TEST_P(RelayNewGroupTest, ARequestForAGroupThatExistsIsNotForwarded) {
  auto first = established(true);  // largest group 2
  auto at_largest = watch(2);
  auto below = watch(1);
  EXPECT_TRUE(asks.values.empty());
  auto beyond = watch(3);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{3});
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
}

TEST_P(RelayNewGroupTest, NothingIsForwardedForATrackWithoutDynamicGroups) {
  auto first = established(false);
  EXPECT_FALSE(first.rec->info.dynamic_groups);
  EXPECT_FALSE(first.sub->request_new_group());
  auto zero = watch(0);
  auto beyond = watch(7);
  EXPECT_TRUE(asks.values.empty());
  EXPECT_EQ(metrics.new_group_requests.load(), 0u);
}

TEST_P(RelayNewGroupTest, ASubscribersRequestUpdateReachesThePublisherAndIsCounted) {
  auto first = established(true);  // largest group 2
  EXPECT_TRUE(first.rec->info.dynamic_groups) << "the relay passes DYNAMIC_GROUPS on";
  ASSERT_TRUE(first.sub->request_new_group());
  loop.run_for(100ms);
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{3});
  ASSERT_TRUE(first.sub->request_new_group());
  loop.run_for(100ms);
  EXPECT_EQ(asks.values.size(), 1u) << "the first is outstanding";
  EXPECT_EQ(metrics.new_group_requests.load(), 1u);
  EXPECT_NE(render_prometheus(metrics).find("kinetic_relay_new_group_requests_total 1\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Drafts, RelayTest, ::testing::Values("moqt-18", "moqt-20"), version_name);
INSTANTIATE_TEST_SUITE_P(Drafts, RelayChurnTest, ::testing::Values("moqt-18", "moqt-20"), version_name);
INSTANTIATE_TEST_SUITE_P(Drafts, RelayNewGroupTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::relay
