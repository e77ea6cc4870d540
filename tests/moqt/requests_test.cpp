// Every request type end to end over the memory transport, in both drafts.
#include <gtest/gtest.h>

#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

using wire::RequestErrorCode;

class RequestsTest : public MoqtTest {
 protected:
  // Publishes `groups` groups of `objects` objects on `sub`, one subgroup stream each.
  static void publish_groups(ServedSubscription& sub, std::uint64_t first, std::uint64_t groups, std::uint64_t objects) {
    for (std::uint64_t g = first; g < first + groups; ++g) {
      auto* w = sub.open_subgroup({g, 0, 128, true, true});
      ASSERT_NE(w, nullptr);
      for (std::uint64_t o = 0; o < objects; ++o) {
        KeyValueList props;
        if (o == 0) props.push_back(KeyValuePair::varint(0x40, g));
        ASSERT_TRUE(w->write(o, bytes("g" + std::to_string(g) + "o" + std::to_string(o)), props));
      }
      w->finish();
    }
  }
  // What the publisher hears of a subscription's REQUEST_UPDATEs.
  static TrackInfo dynamic_track(std::optional<Location> largest) {
    TrackInfo info;
    info.largest = largest;
    info.dynamic_groups = true;
    return info;
  }
};

TEST_P(RequestsTest, SubscribeDeliversObjectsInOrderWithinASubgroup) {
  transport::memory::LinkConfig config;
  config.to_client.loss = 0.2;
  config.to_client.reorder = 0.2;
  connect(config);
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{4, 9}, GroupOrder::kAscending, 100, {}, {}, false});
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "video"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  EXPECT_EQ(rs.info.largest, (Location{4, 9}));
  EXPECT_EQ(rs.info.publisher_priority, 100);
  ASSERT_EQ(sh.served.size(), 1u);
  auto& served = *sh.served[0];
  EXPECT_EQ(served.track(), track("live", "video"));
  publish_groups(served, 5, 3, 20);
  run(2s);
  ASSERT_EQ(rs.objects.size(), 60u);
  std::map<std::uint64_t, std::uint64_t> next;
  for (const auto& o : rs.objects) {
    EXPECT_EQ(o.object_id, next[o.group_id]++);
    EXPECT_EQ(text(o.payload), "g" + std::to_string(o.group_id) + "o" + std::to_string(o.object_id));
    EXPECT_EQ(o.publisher_priority, 128);
    if (o.object_id == 0) {
      ASSERT_EQ(o.properties.size(), 1u);
      EXPECT_EQ(o.properties[0].value, o.group_id);
    }
  }
  EXPECT_EQ(sub->largest_received(), (Location{7, 19}));
}

TEST_P(RequestsTest, UnknownTrackIsRefusedNotFatal) {
  connect();
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "nothing"), {}, &rs);
  run();
  ASSERT_TRUE(rs.error);
  EXPECT_EQ(rs.error->code, static_cast<std::uint64_t>(RequestErrorCode::kDoesNotExist));
  EXPECT_EQ(sub->state(), RequestState::kFailed);
  EXPECT_FALSE(ch.closed);
  EXPECT_FALSE(sh.closed);
}

TEST_P(RequestsTest, AsyncAcceptAndRedirect) {
  connect();
  sh.on_sub = [](ServedSubscription&) {};  // answered later
  RecordingSubscription a, b;
  auto sa = client->subscribe(track("live", "a"), {}, &a);
  auto sb = client->subscribe(track("live", "b"), {}, &b);
  run();
  EXPECT_FALSE(a.ok);
  ASSERT_EQ(sh.served.size(), 2u);
  sh.served[0]->accept({});
  sh.served[1]->reject({static_cast<std::uint64_t>(RequestErrorCode::kRedirect), "moved", 0, "moqt://b.example"});
  run();
  EXPECT_TRUE(a.ok);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.error->redirect_uri, "moqt://b.example");
}

TEST_P(RequestsTest, FiltersReachThePublisherAndSelectObjects) {
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{10, 5}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  struct Case {
    SubscribeFilter filter;
    Location first_in;
    Location last_out;
  };
  const std::vector<Case> cases = {
      {SubscribeFilter::next_group(), {11, 0}, {10, 9}},
      {SubscribeFilter::largest(), {10, 6}, {10, 5}},
      {SubscribeFilter::from({3, 2}), {3, 2}, {3, 1}},
      {SubscribeFilter::range({3, 0}, 6), {6, 100}, {7, 0}},
  };
  std::vector<RecordingSubscription> handlers(cases.size());
  std::vector<std::shared_ptr<Subscription>> subs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SubscribeOptions o;
    o.filter = cases[i].filter;
    subs.push_back(client->subscribe(track("live", "f" + std::to_string(i)), o, &handlers[i]));
  }
  run();
  ASSERT_EQ(sh.served.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(sh.served[i]->options().filter.type, cases[i].filter.type);
    EXPECT_TRUE(sh.served[i]->in_filter(cases[i].first_in));
    EXPECT_FALSE(sh.served[i]->in_filter(cases[i].last_out));
  }
  EXPECT_EQ(sh.served[3]->options().filter.end_group, 6u);
  EXPECT_EQ(sh.served[2]->options().filter.start, (Location{3, 2}));
}

TEST_P(RequestsTest, UpdateChangesPriorityAndForward) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  SubscribeOptions o;
  o.subscriber_priority = 10;
  auto sub = client->subscribe(track("live", "v"), o, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  EXPECT_EQ(sh.served[0]->options().subscriber_priority, 10);
  o.subscriber_priority = 200;
  o.forward = false;
  EXPECT_TRUE(sub->update(o));
  run();
  EXPECT_EQ(sh.served[0]->options().subscriber_priority, 200);
  EXPECT_FALSE(sh.served[0]->sending());
  EXPECT_EQ(sh.served[0]->open_subgroup({0, 0}), nullptr);
}

TEST_P(RequestsTest, UpdatesWaitWithinThePeersMaxRequestUpdates) {
  tune_server = [](SessionOptions& o) { o.max_request_updates = 2; };
  connect();
  struct Updates : ServedSubscriptionHandler {
    void on_update(ServedSubscription&) override { ++count; }
    int count = 0;
  } updates;
  sh.on_sub = [&](ServedSubscription& s) { s.set_handler(&updates); s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  SubscribeOptions o;
  o.subscriber_priority = 1;
  EXPECT_TRUE(sub->update(o));
  o.subscriber_priority = 2;
  EXPECT_TRUE(sub->update(o));
  o.subscriber_priority = 3;
  // Draft-20: two are unanswered, which is the server's MAX_REQUEST_UPDATES. Draft-18 has no limit.
  const bool d20 = GetParam() == "moqt-20";
  EXPECT_EQ(sub->update(o), !d20);
  run();
  // Updates read together are applied together and answered once each.
  EXPECT_EQ(updates.count, 1);
  EXPECT_EQ(sh.served[0]->options().subscriber_priority, d20 ? 2 : 3);
  o.subscriber_priority = 4;
  EXPECT_TRUE(sub->update(o));
  run();
  EXPECT_EQ(sh.served[0]->options().subscriber_priority, 4);
  EXPECT_FALSE(sh.closed);
}

// NEW_GROUP_REQUEST in a SUBSCRIBE is for the publisher to read from the options; DYNAMIC_GROUPS
// comes back in SUBSCRIBE_OK as the flag, not as a property Kinetic does not know.
TEST_P(RequestsTest, NewGroupRequestAndDynamicGroupsCrossTheSubscribe) {
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{4, 9}, GroupOrder::kAscending, 128, {}, {}, s.track().name == "dynamic"});
  };
  SubscribeOptions ask;
  ask.new_group_request = 7;
  RecordingSubscription dynamic, fixed;
  auto a = client->subscribe(track("live", "dynamic"), ask, &dynamic);
  auto b = client->subscribe(track("live", "fixed"), {}, &fixed);
  run();
  ASSERT_TRUE(dynamic.ok);
  ASSERT_TRUE(fixed.ok);
  ASSERT_EQ(sh.served.size(), 2u);
  EXPECT_EQ(sh.served[0]->options().new_group_request, std::optional<std::uint64_t>(7));
  EXPECT_EQ(sh.served[1]->options().new_group_request, std::nullopt);
  EXPECT_TRUE(dynamic.info.dynamic_groups);
  EXPECT_TRUE(a->info().dynamic_groups);
  EXPECT_TRUE(dynamic.info.track_properties.empty());
  EXPECT_FALSE(fixed.info.dynamic_groups);
  EXPECT_FALSE(b->info().dynamic_groups);
}

// The draft forbids NEW_GROUP_REQUEST in a REQUEST_UPDATE for a track without DYNAMIC_GROUPS.
TEST_P(RequestsTest, RequestNewGroupIsRefusedWithoutDynamicGroups) {
  connect();
  NewGroupAsks asks;
  sh.on_sub = [&](ServedSubscription& s) {
    s.set_handler(&asks);
    s.accept({Location{4, 9}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  EXPECT_FALSE(sub->request_new_group());
  run();
  EXPECT_EQ(asks.updates, 0);
  EXPECT_TRUE(asks.values.empty());
  EXPECT_FALSE(sh.closed);
}

// The ask names the group after the largest one the subscriber knows, from SUBSCRIBE_OK or from
// objects received since; it is sent once, not repeated by later updates.
TEST_P(RequestsTest, RequestNewGroupNamesTheGroupAfterTheLargestKnown) {
  connect();
  NewGroupAsks asks;
  sh.on_sub = [&](ServedSubscription& s) {
    s.set_handler(&asks);
    s.accept(dynamic_track(Location{4, 9}));
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  ASSERT_TRUE(sub->request_new_group());
  EXPECT_EQ(sub->options().new_group_request, std::nullopt);
  run();
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{5}));
  ASSERT_EQ(sh.served.size(), 1u);
  publish_groups(*sh.served[0], 5, 3, 1);
  run();
  ASSERT_EQ(sub->largest_received(), (Location{7, 0}));
  ASSERT_TRUE(sub->request_new_group());
  run();
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{5, 8}));
  auto o = sub->options();
  o.subscriber_priority = 9;
  ASSERT_TRUE(sub->update(o));
  run();
  EXPECT_EQ(asks.updates, 3);
  EXPECT_EQ(sh.served[0]->options().subscriber_priority, 9);
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{5, 8}));
}

TEST_P(RequestsTest, RequestNewGroupKnowingNoGroupAsksForZero) {
  connect();
  NewGroupAsks asks;
  sh.on_sub = [&](ServedSubscription& s) {
    s.set_handler(&asks);
    s.accept(dynamic_track(std::nullopt));
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  ASSERT_FALSE(rs.info.largest.has_value());
  ASSERT_TRUE(sub->request_new_group());
  run();
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{0}));
}

TEST_P(RequestsTest, TooManyUnansweredUpdatesCloseTheSession) {
  if (GetParam() == "moqt-18") GTEST_SKIP() << "MAX_REQUEST_UPDATES is a draft-20 option";
  tune_server = [](SessionOptions& o) { o.max_request_updates = 2; };
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  // A SUBSCRIBE and three REQUEST_UPDATEs in one write: the third is past the limit.
  const auto v = client->version();
  auto bytes = encoded(v, wire::Subscribe{0, track("live", "v"), {}});
  for (std::uint64_t rid : {2, 4, 6}) {
    wire::RequestUpdate u{rid, {}};
    u.parameters.subscriber_priority = static_cast<std::uint8_t>(rid);
    auto more = encoded(v, u);
    bytes.insert(bytes.end(), more.begin(), more.end());
  }
  client->transport().open_bidi()->write(std::span<const std::uint8_t>(bytes));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(wire::SessionError::kTooManyRequestUpdates));
}

TEST_P(RequestsTest, FailedUpdateEndsTheSubscription) {
  if (GetParam() == "moqt-18") GTEST_SKIP() << "no draft-18 update can carry an invalid range";
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{10, 0}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  SubscribeOptions o;
  o.filter = SubscribeFilter::range({8, 3}, 8, 1);
  EXPECT_TRUE(sub->update(o));
  run();
  ASSERT_TRUE(rs.done);
  EXPECT_EQ(*rs.done, static_cast<std::uint64_t>(wire::PublishDoneCode::kUpdateFailed));
  EXPECT_FALSE(sh.closed);
}

TEST_P(RequestsTest, UnsubscribeCancelsThePublisherSide) {
  connect();
  struct Cancel : ServedSubscriptionHandler {
    void on_cancelled(ServedSubscription&) override { cancelled = true; }
    bool cancelled = false;
  } cancel;
  sh.on_sub = [&](ServedSubscription& s) { s.set_handler(&cancel); s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  sub->unsubscribe();
  run();
  EXPECT_TRUE(cancel.cancelled);
  EXPECT_EQ(sh.served[0]->state(), RequestState::kDone);
}

TEST_P(RequestsTest, PublishDoneEndsTheSubscription) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  publish_groups(*sh.served[0], 0, 1, 3);
  sh.served[0]->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), "end");
  run();
  EXPECT_EQ(rs.objects.size(), 3u);
  EXPECT_EQ(rs.done, static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded));
}

TEST_P(RequestsTest, PublisherGoingAwayMidGroupResetsTheSubgroup) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  auto* w = sh.served[0]->open_subgroup({0, 0});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write(0, bytes("a")));
  ASSERT_TRUE(w->write(1, bytes("b")));
  run();
  sh.served[0]->drop_group(0, static_cast<std::uint64_t>(wire::StreamResetCode::kGoingAway));
  run();
  EXPECT_EQ(rs.objects.size(), 2u);
  EXPECT_EQ(rs.resets, std::vector<std::uint64_t>{0});
  server->close(static_cast<std::uint64_t>(wire::SessionError::kNoError), "publisher left");
  run();
  EXPECT_TRUE(rs.done);
}

TEST_P(RequestsTest, DatagramsArrive) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "audio"), {}, &rs);
  run();
  Object o;
  o.group_id = 3;
  o.object_id = 1;
  o.payload = bytes("opus");
  EXPECT_TRUE(sh.served[0]->send_datagram(o));
  run();
  ASSERT_EQ(rs.objects.size(), 1u);
  EXPECT_TRUE(rs.objects[0].datagram);
  EXPECT_EQ(text(rs.objects[0].payload), "opus");
}

TEST_P(RequestsTest, SharedPayloadIsNotCopiedPerSubscriber) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  std::vector<RecordingSubscription> rs(3);
  std::vector<std::shared_ptr<Subscription>> subs;
  for (auto& h : rs) subs.push_back(client->subscribe(track("live", "v"), {}, &h));
  run();
  auto payload = bytes(std::string(5000, 'x'));
  for (auto& served : sh.served) {
    auto* w = served->open_subgroup({0, 0});
    ASSERT_TRUE(w->write(0, payload));
  }
  // The transport holds references to the one buffer, not copies.
  EXPECT_GE(payload.use_count(), 4);
  run();
  for (auto& h : rs) ASSERT_EQ(h.objects.size(), 1u);
}

TEST_P(RequestsTest, PublishFlow) {
  connect();
  RecordingSubscription rs;
  sh.on_pub = [&](Subscription& s) { s.accept(&rs, {}); };
  struct Accepted : ServedSubscriptionHandler {
    void on_accepted(ServedSubscription&) override { accepted = true; }
    bool accepted = false;
  } accepted;
  auto pub = client->publish(track("live", "cam"), {Location{0, 0}, GroupOrder::kAscending, 7, {}, {}, false},
                             &accepted);
  run();
  ASSERT_EQ(sh.published.size(), 1u);
  EXPECT_TRUE(sh.published[0]->publisher_initiated());
  EXPECT_EQ(sh.published[0]->info().publisher_priority, 7);
  EXPECT_TRUE(accepted.accepted);
  auto* w = pub->open_subgroup({1, 0, 7});
  ASSERT_NE(w, nullptr);
  w->write(0, bytes("frame"));
  w->finish();
  pub->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded));
  run();
  ASSERT_EQ(rs.objects.size(), 1u);
  EXPECT_EQ(text(rs.objects[0].payload), "frame");
  EXPECT_TRUE(rs.done);
}

// A PUBLISH says DYNAMIC_GROUPS too, so its subscriber may ask on the PUBLISH's stream; on
// draft-18 an ask can already ride in PUBLISH_OK (later drafts' REQUEST_OK has no such parameter).
TEST_P(RequestsTest, PublishedTrackWithDynamicGroupsTakesNewGroupRequests) {
  connect();
  RecordingSubscription rs;
  SubscribeOptions ask;
  ask.new_group_request = 3;
  sh.on_pub = [&](Subscription& s) { s.accept(&rs, ask); };
  NewGroupAsks asks;
  auto pub = client->publish(track("live", "cam"), dynamic_track(Location{2, 0}), &asks);
  run();
  ASSERT_EQ(sh.published.size(), 1u);
  auto& sub = *sh.published[0];
  EXPECT_TRUE(sub.info().dynamic_groups);
  EXPECT_EQ(pub->options().new_group_request,
            GetParam() == "moqt-18" ? std::optional<std::uint64_t>(3) : std::nullopt);
  ASSERT_TRUE(sub.request_new_group());
  run();
  EXPECT_EQ(asks.values, (std::vector<std::uint64_t>{3}));
  EXPECT_FALSE(ch.closed);
}

TEST_P(RequestsTest, PublishRefusedByDefault) {
  connect();
  struct Err : ServedSubscriptionHandler {
    void on_error(ServedSubscription&, const RequestErrorInfo& e) override { code = e.code; }
    std::optional<std::uint64_t> code;
  } err;
  auto pub = client->publish(track("live", "cam"), {}, &err);
  run();
  EXPECT_EQ(err.code, static_cast<std::uint64_t>(RequestErrorCode::kUninterested));
}

TEST_P(RequestsTest, StandaloneFetch) {
  connect();
  sh.on_fetch_fn = [](ServedFetch& f) {
    EXPECT_EQ(f.kind(), FetchKind::kStandalone);
    EXPECT_EQ(f.range().start, (Location{1, 2}));
    EXPECT_EQ(f.range().end_group, 2u);
    EXPECT_EQ(f.range().end_object, std::optional<std::uint64_t>(1));
    f.accept({false, {2, 1}, GroupOrder::kAscending});
    for (std::uint64_t g = 1; g <= 2; ++g) {
      for (std::uint64_t o = (g == 1 ? 2 : 0); o <= (g == 1 ? 4u : 1u); ++o) {
        Object obj;
        obj.group_id = g;
        obj.object_id = o;
        obj.payload = bytes("f");
        EXPECT_TRUE(f.write(obj));
      }
    }
    f.finish();
  };
  RecordingFetch rf;
  auto fetch = client->fetch({track("live", "v"), {1, 2}, 2, 1}, &rf);
  run();
  ASSERT_TRUE(rf.ok);
  EXPECT_EQ(rf.ok->end_location, (Location{2, 1}));
  ASSERT_EQ(rf.objects.size(), 5u);
  EXPECT_EQ(rf.objects.front().location(), (Location{1, 2}));
  EXPECT_EQ(rf.objects.back().location(), (Location{2, 1}));
  EXPECT_EQ(rf.complete, true);
}

TEST_P(RequestsTest, JoiningFetchRangesFollowTheSubscription) {
  connect();
  sh.on_sub = [](ServedSubscription& s) {
    s.accept({Location{20, 3}, GroupOrder::kAscending, 128, {}, {}, false});
  };
  std::vector<FetchRange> seen;
  sh.on_fetch_fn = [&](ServedFetch& f) {
    seen.push_back(f.range());
    f.accept({false, {20, 3}, GroupOrder::kAscending});
    f.finish();
  };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  RecordingFetch rel, abs;
  auto f1 = client->joining_fetch(*sub, FetchKind::kRelativeJoining, 2, &rel);
  auto f2 = client->joining_fetch(*sub, FetchKind::kAbsoluteJoining, 15, &abs);
  run();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].track, track("live", "v"));
  EXPECT_EQ(seen[0].start, (Location{18, 0}));
  EXPECT_EQ(seen[0].end_group, 20u);
  EXPECT_EQ(seen[0].end_object, std::optional<std::uint64_t>(3));
  EXPECT_EQ(seen[1].start, (Location{15, 0}));
  EXPECT_TRUE(rel.ok);
  EXPECT_EQ(abs.complete, true);
}

TEST_P(RequestsTest, JoiningFetchOfAnUnknownSubscriptionIsRefused) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.reject({static_cast<std::uint64_t>(RequestErrorCode::kDoesNotExist), "", 0, {}}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  // Sent before the refusal arrives, so it names a request the publisher no longer knows.
  RecordingFetch rf;
  auto f = client->joining_fetch(*sub, FetchKind::kRelativeJoining, 1, &rf);
  run();
  ASSERT_TRUE(rf.error);
  EXPECT_EQ(rf.error->code, static_cast<std::uint64_t>(RequestErrorCode::kInvalidJoiningRequestId));
}

TEST_P(RequestsTest, TrackStatusReportsTheLargestLocation) {
  connect();
  sh.on_req = [](IncomingRequest& r) {
    EXPECT_EQ(r.kind(), RequestKind::kTrackStatus);
    r.accept({Location{9, 9}, GroupOrder::kDescending, 50, {}, {}, false});
  };
  RecordingRequest rr;
  auto req = client->track_status(track("live", "v"), &rr);
  run();
  ASSERT_TRUE(rr.ok);
  EXPECT_EQ(rr.info.largest, (Location{9, 9}));
  EXPECT_EQ(rr.info.group_order, GroupOrder::kDescending);
}

TEST_P(RequestsTest, AnAnsweredRequestHearsItsEndOnceNotAgainWhenTheSessionCloses) {
  connect();
  sh.on_req = [](IncomingRequest& r) { r.accept({}); };
  struct CountingRequest : RecordingRequest {
    void on_closed(OutgoingRequest& r) override {
      ++closes;
      RecordingRequest::on_closed(r);
    }
    int closes = 0;
  } rr;
  auto req = client->track_status(track("live", "v"), &rr);
  run();
  ASSERT_TRUE(rr.ok);
  EXPECT_EQ(rr.closes, 1) << "the answer came with the end of the publisher's side";
  client->close(0, "done");
  run();
  EXPECT_EQ(rr.closes, 1);
}

TEST_P(RequestsTest, EveryEndedRequestGivesItsStreamBack) {
  // The answerer ends its side of a request stream with its last message; the asker must end
  // its own, or every request keeps a bidi stream open and the session runs out of stream
  // credit (and of the answerer's count of open requests) after so many of them.
  connect();
  static const RequestErrorInfo kNoSuchTrack{
      static_cast<std::uint64_t>(RequestErrorCode::kDoesNotExist), "no", 0, {}};
  sh.on_req = [](IncomingRequest& r) {
    if (r.track().name == "v")
      r.accept({});
    else
      r.reject(kNoSuchTrack);
  };
  sh.on_sub = [](ServedSubscription& s) {
    if (s.track().name == "gone") return s.reject(kNoSuchTrack);
    s.accept({Location{1, 0}, GroupOrder::kAscending, 128, {}, {}, false});
    s.done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), "end");
  };
  sh.on_fetch_fn = [](ServedFetch& f) {
    f.accept({false, {1, 0}, GroupOrder::kAscending});
    Object obj;
    obj.group_id = 1;
    obj.payload = bytes("f");
    EXPECT_TRUE(f.write(obj));
    f.finish();
  };
  constexpr int kRounds = 60;  // five requests a round, beyond the memory link's 100 bidi streams
  int status_ok = 0, status_error = 0, subscribe_error = 0, subscribe_done = 0, fetched = 0;
  for (int i = 0; i < kRounds; ++i) {
    RecordingRequest ok_status, bad_status;
    RecordingSubscription ended, refused;
    RecordingFetch fetch;
    auto r1 = client->track_status(track("live", "v"), &ok_status);
    auto r2 = client->track_status(track("live", "nope"), &bad_status);
    auto r3 = client->subscribe(track("live", "ends"), {}, &ended);
    auto r4 = client->subscribe(track("live", "gone"), {}, &refused);
    auto r5 = client->fetch({track("live", "v"), {1, 0}, 1, 0}, &fetch);
    run(100ms);
    status_ok += ok_status.ok ? 1 : 0;
    status_error += bad_status.error ? 1 : 0;
    subscribe_done += ended.done ? 1 : 0;
    subscribe_error += refused.error ? 1 : 0;
    fetched += fetch.complete.value_or(false) ? 1 : 0;
  }
  EXPECT_EQ(status_ok, kRounds);
  EXPECT_EQ(status_error, kRounds);
  EXPECT_EQ(subscribe_done, kRounds);
  EXPECT_EQ(subscribe_error, kRounds);
  EXPECT_EQ(fetched, kRounds);
  run();
  EXPECT_EQ(client->tracked_requests(), 0u);
  EXPECT_EQ(server->tracked_requests(), 0u);
}

TEST_P(RequestsTest, ARequestCancelledBeforeItArrivesIsNeverServed) {
  // STOP_SENDING can overtake the request's own bytes: the request is cancelled before the
  // server reads it, so it must not be handed to the application as pending, where nothing
  // would ever end it (its stream is gone by then, so no later cancel can reach it).
  connect();
  sh.on_sub = [](ServedSubscription&) {};  // would answer later
  const auto v = client->version();
  auto* s = client->transport().open_bidi();
  s->stop_sending(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
  run(10ms);
  const auto msg = encoded(v, wire::Subscribe{0, track("live", "v"), {}});
  s->write(std::span<const std::uint8_t>(msg), true);
  run();
  for (const auto& sub : sh.served) EXPECT_NE(sub->state(), RequestState::kPending);
  EXPECT_EQ(server->tracked_requests(), 0u);
  EXPECT_FALSE(sh.closed);
}

TEST_P(RequestsTest, NamespaceDiscovery) {
  connect();
  std::shared_ptr<IncomingRequest> nsub;
  sh.on_req = [&](IncomingRequest& r) {
    if (r.kind() == RequestKind::kSubscribeNamespace) {
      r.accept();
      nsub = r.shared_from_this();
    } else {
      r.accept();
    }
  };
  RecordingRequest pub, disc;
  auto announce = client->publish_namespace({{"live", "room1"}}, &pub, {{7, "tok"}});
  auto discover = client->subscribe_namespace({{"live"}}, &disc);
  run();
  EXPECT_TRUE(pub.ok);
  ASSERT_TRUE(disc.ok);
  ASSERT_EQ(sh.requests.size(), 2u);
  EXPECT_EQ(sh.requests[0]->track_namespace(), (TrackNamespace{{"live", "room1"}}));
  ASSERT_EQ(sh.requests[0]->tokens().size(), 1u);
  EXPECT_EQ(sh.requests[0]->tokens()[0].value, "tok");
  ASSERT_TRUE(nsub);
  EXPECT_TRUE(nsub->send_namespace({{"live", "room1"}}));
  EXPECT_FALSE(nsub->send_namespace({{"other"}}));
  EXPECT_TRUE(nsub->send_namespace_done({{"live", "room1"}}));
  run();
  ASSERT_EQ(disc.namespaces.size(), 1u);
  EXPECT_EQ(disc.namespaces[0], (TrackNamespace{{"room1"}}));
  EXPECT_EQ(disc.done.size(), 1u);
  // Withdrawing the namespace reaches the receiver.
  bool withdrawn = false;
  sh.requests[0]->set_on_cancel([&] { withdrawn = true; });
  announce->cancel();
  run();
  EXPECT_TRUE(withdrawn);
}

TEST_P(RequestsTest, SubscribeTracksAndPublishSkipped) {
  connect();
  sh.on_req = [](IncomingRequest& r) {
    r.accept();
    EXPECT_TRUE(r.send_publish_skipped(track("live", "gone")));
  };
  RecordingRequest rr;
  auto req = client->subscribe_tracks({{"live"}}, &rr);
  run();
  ASSERT_TRUE(rr.ok);
  ASSERT_EQ(rr.skipped.size(), 1u);
  EXPECT_EQ(rr.skipped[0].name, "gone");
}

TEST_P(RequestsTest, NamespaceSubscriptionLimit) {
  connect();
  server.reset();
  transport::memory::LinkConfig config;
  config.protocol = GetParam();
  auto pair = network.pair(config);
  SessionOptions so;
  so.perspective = Perspective::kServer;
  so.max_namespace_subscriptions = 1;
  RecordingSessionHandler h2, c2;
  h2.on_req = [](IncomingRequest& r) { r.accept(); };
  auto srv = Session::create(pair.server, so, &h2);
  auto cli = Session::create(pair.client, {}, &c2);
  RecordingRequest a, b;
  auto ra = cli->subscribe_namespace({{"a"}}, &a);
  auto rb = cli->subscribe_namespace({{"b"}}, &b);
  run();
  EXPECT_TRUE(a.ok);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.error->code, static_cast<std::uint64_t>(RequestErrorCode::kExcessiveLoad));
}

TEST_P(RequestsTest, OversizedNamespaceClosesTheSession) {
  connect();
  // 33 fields: more than the draft allows. The local check refuses it before it is sent...
  TrackNamespace big;
  for (int i = 0; i < 33; ++i) big.fields.push_back("f");
  RecordingSubscription rs;
  auto sub = client->subscribe({big, "x"}, {}, &rs);
  ASSERT_TRUE(rs.error);
  // ...and a peer that sends one anyway loses the session.
  auto* s = client->transport().open_bidi();
  std::vector<std::uint8_t> body = {0x02};  // request id 2
  body.push_back(33);
  for (int i = 0; i < 33; ++i) { body.push_back(1); body.push_back('f'); }
  body.push_back(1);
  body.push_back('x');
  body.push_back(0);  // no parameters
  std::vector<std::uint8_t> msg = {0x03, 0x00, static_cast<std::uint8_t>(body.size())};
  msg.insert(msg.end(), body.begin(), body.end());
  s->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(wire::SessionError::kProtocolViolation));
}

TEST_P(RequestsTest, WrongRequestIdParityClosesTheSession) {
  connect();
  auto* s = client->transport().open_bidi();
  // PUBLISH_NAMESPACE with request id 1: odd ids belong to the server.
  const std::uint8_t msg[] = {0x06, 0x00, 0x05, 0x01, 0x01, 0x01, 'a', 0x00};
  s->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(wire::SessionError::kInvalidRequestId));
}

INSTANTIATE_TEST_SUITE_P(Drafts, RequestsTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
