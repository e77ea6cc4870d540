#include "kinetic/media/broadcast_server.hpp"

#include <gtest/gtest.h>

#include "../moqt/moqt_fixture.hpp"

namespace kinetic::media {
namespace {

using moqt::testing::bytes;
using moqt::testing::MoqtTest;
using moqt::testing::RecordingSubscription;
using moqt::testing::text;
using moqt::testing::track;

BroadcastObject frame(std::uint64_t group, std::uint64_t object, std::string payload, std::size_t track = 0) {
  BroadcastObject o;
  o.track = track;
  o.group = group;
  o.object = object;
  o.new_group = object == 0;
  o.loc.payload = bytes(payload);
  return o;
}

class BroadcastServerTest : public MoqtTest {
 protected:
  void SetUp() override {
    sh.on_sub = [this](moqt::ServedSubscription& s) {
      auto sub = sh.served.back();
      if (s.track().name == "catalog") {
        server_side.serve_catalog(sub);
      } else {
        // Media track N is named after it ("video0", "audio1").
        server_side.serve_track(static_cast<std::size_t>(s.track().name.back() - '0'), sub);
      }
    };
    connect();
  }

  // From the start of the track: what a subscriber misses is what the server chose not to send.
  std::shared_ptr<moqt::Subscription> subscribe(
      const std::string& name, RecordingSubscription& rs,
      moqt::SubscribeFilter filter = moqt::SubscribeFilter::from({0, 0}),
      std::optional<std::uint64_t> new_group_request = std::nullopt) {
    moqt::SubscribeOptions o;
    o.filter = filter;
    o.new_group_request = new_group_request;
    auto s = client->subscribe(track("live", name), o, &rs);
    run();
    return s;
  }

  // Records the tracks the new-group handler is called for.
  void hear_new_group_requests() {
    server_side.set_new_group_handler([this](std::size_t t) { asked.push_back(t); });
  }

  BroadcastServer server_side;
  std::vector<std::size_t> asked;
};

TEST_P(BroadcastServerTest, CatalogSubscribersGetTheWholeCatalog) {
  server_side.set_catalog(bytes("{\"version\":1}"));
  RecordingSubscription rs;
  auto sub = subscribe("catalog", rs, moqt::SubscribeFilter::largest());
  ASSERT_TRUE(rs.ok);
  ASSERT_EQ(rs.objects.size(), 1u);
  EXPECT_EQ(text(rs.objects[0].payload), "{\"version\":1}");
}

// A changed catalog (the WHIP sender's new resolution) reaches the catalog subscriptions already
// open as the next group; a later subscriber starts from it; the same catalog again sends nothing.
TEST_P(BroadcastServerTest, ACatalogThatChangesReachesTheOpenCatalogSubscriptions) {
  server_side.set_catalog(bytes("{\"width\":640}"));
  RecordingSubscription early;
  auto s1 = subscribe("catalog", early, moqt::SubscribeFilter::largest());
  ASSERT_EQ(early.objects.size(), 1u);
  server_side.set_catalog(bytes("{\"width\":1280}"));
  run();
  ASSERT_EQ(early.objects.size(), 2u);
  EXPECT_EQ(early.objects[1].group_id, 1u);
  EXPECT_EQ(text(early.objects[1].payload), "{\"width\":1280}");
  server_side.set_catalog(bytes("{\"width\":1280}"));
  run();
  EXPECT_EQ(early.objects.size(), 2u);

  RecordingSubscription late;
  auto s2 = subscribe("catalog", late, moqt::SubscribeFilter::largest());
  ASSERT_TRUE(late.ok);
  ASSERT_EQ(late.objects.size(), 1u);
  EXPECT_EQ(late.objects[0].group_id, 1u);
  EXPECT_EQ(text(late.objects[0].payload), "{\"width\":1280}");
  server_side.end("end of input");
  run();
  ASSERT_TRUE(early.done.has_value());
  EXPECT_EQ(*early.done, static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded));
}

TEST_P(BroadcastServerTest, AJoinerMidGroupGetsTheGroupFromItsKeyframe) {
  RecordingSubscription early;
  auto first = subscribe("video0", early);
  server_side.send(frame(0, 0, "k0"));
  server_side.send(frame(0, 1, "d1"));
  server_side.send(frame(1, 0, "k1"));
  server_side.send(frame(1, 1, "d2"));
  run();
  RecordingSubscription late;
  auto second = subscribe("video0", late);
  ASSERT_TRUE(late.ok);
  ASSERT_TRUE(late.info.largest.has_value());
  EXPECT_EQ(*late.info.largest, (moqt::Location{1, 1}));
  server_side.send(frame(1, 2, "d3"));
  run();
  ASSERT_EQ(early.objects.size(), 5u);
  ASSERT_EQ(late.objects.size(), 3u);
  EXPECT_EQ(text(late.objects[0].payload), "k1");
  EXPECT_EQ(late.objects[0].location(), (moqt::Location{1, 0}));
  EXPECT_EQ(text(late.objects[2].payload), "d3");
  EXPECT_EQ(server_side.subscriptions(0), 2u);
}

TEST_P(BroadcastServerTest, EndFinishesEverySubscriptionWithTrackEnded) {
  RecordingSubscription rs;
  auto sub = subscribe("video0", rs);
  server_side.send(frame(0, 0, "k0"));
  server_side.end("end of input");
  run();
  ASSERT_TRUE(rs.done.has_value());
  EXPECT_EQ(*rs.done, static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded));
  EXPECT_EQ(rs.objects.size(), 1u);
  EXPECT_EQ(server_side.subscriptions(0), 0u);
}

TEST_P(BroadcastServerTest, WithANewGroupHandlerMediaTracksHaveDynamicGroups) {
  hear_new_group_requests();
  server_side.send(frame(0, 0, "k0", 1));
  RecordingSubscription rs;
  auto sub = subscribe("audio1", rs, moqt::SubscribeFilter::from({0, 0}), 0);
  ASSERT_TRUE(rs.ok);
  EXPECT_TRUE(rs.info.dynamic_groups);
  // 0: the subscriber knows no group, so any new one will do.
  EXPECT_EQ(asked, (std::vector<std::size_t>{1}));
  RecordingSubscription plain;
  auto other = subscribe("video0", plain);
  ASSERT_TRUE(plain.ok);
  EXPECT_TRUE(plain.info.dynamic_groups);
  EXPECT_EQ(asked, (std::vector<std::size_t>{1}));
}

TEST_P(BroadcastServerTest, CatalogHasNoDynamicGroups) {
  hear_new_group_requests();
  server_side.set_catalog(bytes("{\"version\":1}"));
  RecordingSubscription rs;
  auto sub = subscribe("catalog", rs, moqt::SubscribeFilter::largest());
  ASSERT_TRUE(rs.ok);
  EXPECT_FALSE(rs.info.dynamic_groups);
  EXPECT_FALSE(sub->request_new_group());
}

// A subscriber whose largest group is behind the track's asks for a group that has begun already:
// it gets it without the sender making another.
TEST_P(BroadcastServerTest, ANewGroupRequestForAGroupBegunAlreadyIsNotPassedOn) {
  hear_new_group_requests();
  server_side.send(frame(0, 0, "k0"));
  server_side.send(frame(1, 0, "k1"));
  server_side.send(frame(2, 0, "k2"));
  RecordingSubscription behind, current, ahead;
  auto a = subscribe("video0", behind, moqt::SubscribeFilter::largest(), 1);
  auto b = subscribe("video0", current, moqt::SubscribeFilter::largest(), 2);
  ASSERT_TRUE(behind.ok);
  ASSERT_TRUE(current.ok);
  EXPECT_TRUE(asked.empty());
  auto c = subscribe("video0", ahead, moqt::SubscribeFilter::largest(), 3);
  ASSERT_TRUE(ahead.ok);
  EXPECT_EQ(asked, (std::vector<std::size_t>{0}));
}

TEST_P(BroadcastServerTest, RequestNewGroupReachesTheHandler) {
  hear_new_group_requests();
  RecordingSubscription rs;
  auto sub = subscribe("video0", rs);
  server_side.send(frame(0, 0, "k0"));
  server_side.send(frame(1, 0, "k1"));
  run();
  ASSERT_EQ(rs.objects.size(), 2u);
  EXPECT_TRUE(asked.empty());
  ASSERT_TRUE(sub->request_new_group());
  run();
  EXPECT_EQ(asked, (std::vector<std::size_t>{0}));
  // Group 2 begins before the next ask (for group 2) arrives: it answers that ask already.
  server_side.send(frame(2, 0, "k2"));
  ASSERT_TRUE(sub->request_new_group());
  run();
  EXPECT_EQ(asked, (std::vector<std::size_t>{0}));
  EXPECT_EQ(rs.objects.size(), 3u);
}

TEST_P(BroadcastServerTest, WithoutANewGroupHandlerNoTrackHasDynamicGroups) {
  server_side.send(frame(0, 0, "k0"));
  RecordingSubscription rs;
  auto sub = subscribe("video0", rs, moqt::SubscribeFilter::from({0, 0}), 0);
  ASSERT_TRUE(rs.ok);
  EXPECT_FALSE(rs.info.dynamic_groups);
  EXPECT_FALSE(sub->request_new_group());
  ASSERT_EQ(rs.objects.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Drafts, BroadcastServerTest, ::testing::Values("moqt-18", "moqt-20"));

}  // namespace
}  // namespace kinetic::media
