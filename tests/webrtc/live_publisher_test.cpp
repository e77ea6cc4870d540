#include "kinetic/webrtc/live_publisher.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "../moqt/moqt_fixture.hpp"
#include "kinetic/media/catalog.hpp"

namespace kinetic::webrtc {
namespace {

using moqt::testing::MoqtTest;
using moqt::testing::RecordingSubscription;
using moqt::testing::text;
using moqt::testing::track;

TEST(LivePublisher, OpusHeadIsRfc7845) {
  const std::string h = opus_head(2);
  ASSERT_EQ(h.size(), 19u);
  EXPECT_EQ(h.substr(0, 8), "OpusHead");
  EXPECT_EQ(h[8], 1);                                              // version
  EXPECT_EQ(h[9], 2);                                              // channels
  EXPECT_EQ(static_cast<unsigned char>(h[10]) | (static_cast<unsigned char>(h[11]) << 8), 312);  // pre-skip
  EXPECT_EQ(static_cast<unsigned char>(h[12]) | (static_cast<unsigned char>(h[13]) << 8) |
                (static_cast<unsigned char>(h[14]) << 16),
            48000);
  EXPECT_EQ(h[18], 0);  // mapping family 0
  EXPECT_EQ(opus_head(1)[9], 1);
}

TEST(LivePublisher, FramesBeforeTheFirstKeyframeAskForOneAndAreDropped) {
  int asked = 0;
  LivePublisher pub(
      moqt::TrackNamespace{{"a"}},
      LivePublisherOptions{true, 2, std::chrono::milliseconds(2000), std::chrono::milliseconds(500)},
      [&] { ++asked; });
  IngestFrame delta;
  delta.kind = media::StreamKind::kVideo;
  delta.data = {0, 0, 0, 1, 0x41};
  delta.keyframe = false;
  pub.add(IngestFrame(delta));
  IngestFrame audio;
  audio.kind = media::StreamKind::kAudio;
  audio.data = {1, 2, 3};
  pub.add(IngestFrame(audio));
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(pub.stats().objects, 0u);
  EXPECT_EQ(pub.stats().dropped, 2u);
  // A keyframe with its avcC starts the broadcast; audio then follows the video's group.
  IngestFrame key = delta;
  key.keyframe = true;
  key.config = std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11);
  key.width = 640;
  key.height = 480;
  key.pts_ns = 1'000'000'000;
  pub.add(std::move(key));
  audio.pts_ns = 1'010'000'000;
  pub.add(std::move(audio));
  EXPECT_EQ(pub.stats().objects, 2u);
  EXPECT_EQ(pub.stats().groups, 1u);
}

TEST(LivePublisher, AGroupOlderThanTheLimitAsksForAKeyframe) {
  int asked = 0;
  LivePublisher pub(
      moqt::TrackNamespace{{"a"}},
      LivePublisherOptions{false, 2, std::chrono::milliseconds(0), std::chrono::milliseconds(500)},
      [&] { ++asked; });
  IngestFrame key;
  key.kind = media::StreamKind::kVideo;
  key.data = {0, 0, 0, 1, 0x65};
  key.keyframe = true;
  key.config = std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11);
  pub.add(IngestFrame(key));
  EXPECT_EQ(asked, 0);  // a new group needs no keyframe
  IngestFrame delta = key;
  delta.keyframe = false;
  delta.config.clear();
  delta.pts_ns = 33'000'000;
  pub.add(IngestFrame(delta));
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(pub.stats().keyframe_requests, 1u);
  key.pts_ns = 66'000'000;
  pub.add(IngestFrame(key));
  EXPECT_EQ(pub.stats().groups, 2u);
  EXPECT_EQ(asked, 1);
}

TEST(LivePublisher, LatencySummaryPercentiles) {
  std::vector<std::int64_t> us;
  for (int i = 1; i <= 100; ++i) us.push_back(i * 1000);
  EXPECT_EQ(latency_summary(us), "p50 51.00 p99 99.00 max 100.00 ms over 100 frames");
  EXPECT_EQ(latency_summary({}), "no samples");
}

class LivePublisherSessionTest : public MoqtTest {
 protected:
  // A publisher of namespace "live" behind the server session, counting its asks for a keyframe.
  void publish(std::chrono::milliseconds min_group) {
    LivePublisherOptions o;
    o.min_group = min_group;
    publisher.emplace(moqt::TrackNamespace{{"live"}}, o, [this] { ++asked; });
    sh.on_sub = [this](moqt::ServedSubscription&) { EXPECT_TRUE(publisher->on_subscribe(sh.served.back())); };
    connect();
  }
  static IngestFrame video(bool keyframe, std::uint64_t pts_ns) {
    IngestFrame f;
    f.kind = media::StreamKind::kVideo;
    f.data = {0, 0, 0, 1, static_cast<std::uint8_t>(keyframe ? 0x65 : 0x41)};
    f.keyframe = keyframe;
    if (keyframe) f.config = std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11);
    f.pts_ns = pts_ns;
    return f;
  }
  std::shared_ptr<moqt::Subscription> subscribe_video(RecordingSubscription& rs,
                                                      std::optional<std::uint64_t> new_group_request) {
    moqt::SubscribeOptions o;
    o.filter = moqt::SubscribeFilter::largest();
    o.new_group_request = new_group_request;
    auto sub = client->subscribe(track("live", "video0"), o, &rs);
    run();
    return sub;
  }

  std::optional<LivePublisher> publisher;
  int asked = 0;
};

// A WHIP sender that changes resolution: the catalog subscription a viewer already holds gets the
// new catalog (new size, new codec string), not only the subscriptions that come later.
TEST_P(LivePublisherSessionTest, ANewResolutionReachesTheCatalogSubscriptionsAlreadyOpen) {
  LivePublisher pub(
      moqt::TrackNamespace{{"live"}},
      LivePublisherOptions{false, 2, std::chrono::milliseconds(2000), std::chrono::milliseconds(500)}, [] {});
  sh.on_sub = [&](moqt::ServedSubscription&) { EXPECT_TRUE(pub.on_subscribe(sh.served.back())); };
  connect();
  IngestFrame key;
  key.kind = media::StreamKind::kVideo;
  key.data = {0, 0, 0, 1, 0x65};
  key.keyframe = true;
  key.config = std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11);
  key.width = 640;
  key.height = 480;
  pub.add(IngestFrame(key));

  RecordingSubscription catalog;
  moqt::SubscribeOptions o;
  o.filter = moqt::SubscribeFilter::largest();
  auto sub = client->subscribe(track("live", "catalog"), o, &catalog);
  run();
  ASSERT_EQ(catalog.objects.size(), 1u);
  auto first = media::parse_catalog(text(catalog.objects[0].payload));
  ASSERT_TRUE(first) << first.error().what;
  EXPECT_EQ(first->tracks.at(0).width, 640u);

  key.config = std::string("\x01\x64\x00\x28\xff\xe1\x00\x00\x01\x00\x00", 11);
  key.width = 1280;
  key.height = 720;
  key.pts_ns = 1'000'000'000;
  pub.add(IngestFrame(key));
  run();
  ASSERT_EQ(catalog.objects.size(), 2u);
  auto second = media::parse_catalog(text(catalog.objects[1].payload));
  ASSERT_TRUE(second) << second.error().what;
  EXPECT_EQ(second->tracks.at(0).width, 1280u);
  EXPECT_EQ(second->tracks.at(0).height, 720u);
  EXPECT_EQ(second->tracks.at(0).codec, "avc1.640028");
}

// The subscriber's session runs on simulated time, the publisher's group age on the steady clock:
// the asks below reach the publisher well within min_group of its keyframe.
TEST_P(LivePublisherSessionTest, ANewGroupRequestSoonAfterAKeyframeWaitsForMinGroupAndAFrame) {
  publish(std::chrono::milliseconds(300));
  publisher->add(video(true, 0));
  RecordingSubscription rs;
  auto sub = subscribe_video(rs, 0);
  ASSERT_TRUE(rs.ok);
  EXPECT_TRUE(rs.info.dynamic_groups);
  EXPECT_EQ(publisher->stats().new_group_requests, 1u);
  EXPECT_EQ(asked, 0);
  publisher->add(video(false, 33'000'000));
  EXPECT_EQ(asked, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(asked, 0);  // the ask waits for a frame to be honoured on
  publisher->add(video(false, 66'000'000));
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(publisher->stats().keyframe_requests, 1u);
  publisher->add(video(false, 99'000'000));
  EXPECT_EQ(asked, 1);
}

TEST_P(LivePublisherSessionTest, ANewGroupRequestAfterMinGroupAsksForAKeyframeAtOnce) {
  publish(std::chrono::milliseconds(50));
  publisher->add(video(true, 0));
  RecordingSubscription rs;
  auto sub = subscribe_video(rs, std::nullopt);
  ASSERT_TRUE(rs.ok);
  EXPECT_EQ(publisher->stats().new_group_requests, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  ASSERT_TRUE(sub->request_new_group());
  run();
  EXPECT_EQ(publisher->stats().new_group_requests, 1u);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(publisher->stats().keyframe_requests, 1u);
}

// A keyframe the sender made anyway begins the group the subscriber asked for.
TEST_P(LivePublisherSessionTest, AKeyframeAnswersAPendingNewGroupRequest) {
  publish(std::chrono::milliseconds(300));
  publisher->add(video(true, 0));
  RecordingSubscription rs;
  auto sub = subscribe_video(rs, 0);
  ASSERT_TRUE(rs.ok);
  EXPECT_EQ(publisher->stats().new_group_requests, 1u);
  publisher->add(video(true, 33'000'000));
  EXPECT_EQ(publisher->stats().groups, 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  publisher->add(video(false, 66'000'000));
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(publisher->stats().keyframe_requests, 0u);
}

INSTANTIATE_TEST_SUITE_P(Drafts, LivePublisherSessionTest, ::testing::Values("moqt-18", "moqt-20"));

}  // namespace
}  // namespace kinetic::webrtc
