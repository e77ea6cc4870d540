// The MoQT side of a WHEP viewer against a broadcast published by the gateway's own
// LivePublisher, the two sessions joined by the memory transport on simulated time: what the
// catalog says, media from a keyframe on, and every way there is nothing (more) to play.
#include "kinetic/webrtc/broadcast_subscriber.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "../moqt/moqt_fixture.hpp"
#include "h264_samples.hpp"
#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "kinetic/webrtc/live_publisher.hpp"

namespace kinetic::webrtc {
namespace {

using namespace std::chrono_literals;

using test::kAvcc;

IngestFrame video(bool keyframe, std::uint64_t pts_ns, std::uint8_t tag, const std::string& config = kAvcc) {
  IngestFrame f;
  f.kind = media::StreamKind::kVideo;
  f.data = {0, 0, 0, 2, static_cast<std::uint8_t>(keyframe ? 0x65 : 0x41), tag};
  f.keyframe = keyframe;
  if (keyframe) f.config = config;
  f.width = 640;
  f.height = 480;
  f.pts_ns = pts_ns;
  return f;
}

IngestFrame audio(std::uint64_t pts_ns) {
  IngestFrame f;
  f.kind = media::StreamKind::kAudio;
  f.data = {0xfc, 0x01, 0x02};
  f.keyframe = true;
  f.pts_ns = pts_ns;
  return f;
}

// The publishing end: serves what its LivePublisher has, refuses the rest (as the gateway does).
struct PublishingEnd : moqt::SessionHandler {
  void on_ready(moqt::Session&) override { ready = true; }
  void on_subscribe(moqt::Session& s, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (publisher != nullptr && publisher->on_subscribe(sub)) return;
    moqt::SessionHandler::on_subscribe(s, sub);
  }
  LivePublisher* publisher = nullptr;
  bool ready = false;
};

struct SubscribingEnd : moqt::SessionHandler {
  void on_ready(moqt::Session&) override { ready = true; }
  bool ready = false;
};

class BroadcastSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = network_.pair();
    subscribing_ = moqt::Session::create(pair.client, moqt::testing::client_options("/moq", "relay.test"),
                                         &subscriber_end_);
    publishing_ = moqt::Session::create(pair.server, moqt::testing::server_options(), &publisher_end_);
    ASSERT_TRUE(subscribing_ && publishing_);
    ASSERT_TRUE(loop_.run_until([&] { return subscriber_end_.ready && publisher_end_.ready; }, 1s));
  }

  // A broadcast under "live" with Opus and its first keyframe, served on the publishing end.
  void publish(const std::string& config = kAvcc) {
    // No minimum group age: a subscriber's NEW_GROUP_REQUEST asks for a keyframe at once.
    publisher_.emplace(moqt::TrackNamespace{{"live"}}, LivePublisherOptions{true, 2, 2000ms, 0ms},
                       [this] { ++keyframes_asked_; });
    publisher_end_.publisher = &*publisher_;
    publisher_->add(video(true, 0, 1, config));
  }

  std::unique_ptr<BroadcastSubscriber> subscriber(const std::string& ns = "live") {
    BroadcastSubscriber::Callbacks cb;
    cb.on_catalog = [this](std::optional<BroadcastMedia> media, std::string why) {
      ++catalogs_;
      media_ = std::move(media);
      why_ = std::move(why);
    };
    cb.on_frame = [this](const SubscribedFrame& f) { frames_.push_back(f); };
    cb.on_end = [this](std::string why) { ends_.push_back(std::move(why)); };
    return std::make_unique<BroadcastSubscriber>(subscribing_, moqt::TrackNamespace{{ns}}, std::move(cb));
  }

  bool run_until(const std::function<bool()>& done) { return loop_.run_until(done, 2s); }

  // A subscriber to what publish() serves, its catalog playable and its media started, then
  // 100 ms for the current group to arrive; null, with the failure recorded, when it got stuck.
  std::unique_ptr<BroadcastSubscriber> watching() {
    auto sub = subscriber();
    sub->start();
    if (!run_until([&] { return catalogs_ > 0; }) || !media_) {
      ADD_FAILURE() << "no playable catalog: " << why_;
      return nullptr;
    }
    sub->start_media();
    loop_.run_for(100ms);
    return sub;
  }

  transport::memory::SimulatedLoop loop_;
  transport::memory::MemoryNetwork network_{loop_, 7};
  PublishingEnd publisher_end_;
  SubscribingEnd subscriber_end_;
  std::shared_ptr<moqt::Session> subscribing_;
  std::shared_ptr<moqt::Session> publishing_;
  std::optional<LivePublisher> publisher_;

  int catalogs_ = 0;
  std::optional<BroadcastMedia> media_;
  std::string why_;
  std::vector<SubscribedFrame> frames_;
  std::vector<std::string> ends_;
  int keyframes_asked_ = 0;  // by the LivePublisher, of its WebRTC sender
};

TEST_F(BroadcastSubscriberTest, TheCatalogNamesTheH264TrackWithItsConfigurationAndTheOpusTrack) {
  publish();
  auto sub = subscriber();
  sub->start();
  ASSERT_TRUE(run_until([&] { return catalogs_ > 0; })) << "no answer about the catalog";
  ASSERT_TRUE(media_) << why_;
  EXPECT_EQ(why_, "");
  EXPECT_FALSE(media_->video_track.empty());
  EXPECT_EQ(media_->avcc, kAvcc);
  EXPECT_FALSE(media_->audio_track.empty());
  EXPECT_NE(media_->audio_track, media_->video_track);
  EXPECT_EQ(media_->audio_channels, 2u);
  loop_.run_for(200ms);
  EXPECT_EQ(catalogs_, 1) << "the catalog is answered once";
  EXPECT_TRUE(frames_.empty()) << "media before start_media()";
}

// The avcC goes to rtph264pay, which crashes on an empty SPS or PPS, and any publisher may
// write the catalog: a broken record makes the broadcast unplayable, not the gateway crash.
TEST_F(BroadcastSubscriberTest, AnAvccWithAnEmptyOrCutParameterSetIsNotPlayable) {
  const std::string broken[] = {
      std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11),  // empty SPS and PPS
      kAvcc.substr(0, 25) + std::string("\x00\x00", 2),                 // empty PPS
      kAvcc.substr(0, 20),                                              // SPS cut short
  };
  for (const auto& config : broken) {
    SCOPED_TRACE(::testing::PrintToString(config));
    catalogs_ = 0;
    media_.reset();
    publish(config);
    auto sub = subscriber();
    sub->start();
    ASSERT_TRUE(run_until([&] { return catalogs_ > 0; })) << "no answer about the catalog";
    EXPECT_FALSE(media_) << "a broken avcC offered for playing";
    EXPECT_NE(why_.find("no H.264 track"), std::string::npos) << why_;
    sub->stop();
  }
}

TEST_F(BroadcastSubscriberTest, NoBroadcastIsSaidWithTheReason) {
  auto sub = subscriber("nothing");
  sub->start();
  ASSERT_TRUE(run_until([&] { return catalogs_ > 0; })) << "no answer about the catalog";
  EXPECT_FALSE(media_);
  EXPECT_EQ(why_.rfind("no broadcast", 0), 0u) << why_;
}

TEST_F(BroadcastSubscriberTest, WithoutASessionThereIsNoCatalog) {
  BroadcastSubscriber::Callbacks cb;
  std::string why;
  bool answered = false;
  cb.on_catalog = [&](std::optional<BroadcastMedia> media, std::string w) {
    answered = !media.has_value();
    why = std::move(w);
  };
  BroadcastSubscriber sub(nullptr, moqt::TrackNamespace{{"live"}}, std::move(cb));
  sub.start();
  EXPECT_TRUE(answered);
  EXPECT_EQ(why, "no relay session");
}

TEST_F(BroadcastSubscriberTest, MediaStartsWithAKeyframeAndCarriesTheFramesAsSent) {
  publish();
  publisher_->add(video(false, 33'000'000, 2));
  auto sub = watching();
  ASSERT_TRUE(sub);
  // A new group after the subscriptions: a delta, an Opus packet, the next keyframe and a delta.
  publisher_->add(video(false, 66'000'000, 3));
  publisher_->add(audio(70'000'000));
  publisher_->add(video(true, 100'000'000, 4));
  publisher_->add(video(false, 133'000'000, 5));
  const auto tag = [](const SubscribedFrame& f) {
    return f.payload.size() > 0 ? f.payload.data()[f.payload.size() - 1] : 0;
  };
  const auto has = [&](const std::function<bool(const SubscribedFrame&)>& what) {
    return std::any_of(frames_.begin(), frames_.end(), what);
  };
  const auto last_video = [&](const SubscribedFrame& f) {
    return f.kind == media::StreamKind::kVideo && tag(f) == 5;
  };
  const auto opus = [](const SubscribedFrame& f) { return f.kind == media::StreamKind::kAudio; };
  ASSERT_TRUE(run_until([&] { return has(last_video) && has(opus); }))
      << frames_.size() << " frames, the last video frame " << (has(last_video) ? "in" : "missing")
      << ", Opus " << (has(opus) ? "in" : "missing");
  std::vector<const SubscribedFrame*> videos;
  for (const auto& f : frames_) {
    if (f.kind == media::StreamKind::kVideo) videos.push_back(&f);
  }
  ASSERT_GE(videos.size(), 2u);
  EXPECT_TRUE(videos[0]->keyframe) << "the first video frame handed on cannot be decoded";
  // Each frame's payload is the access unit the publisher was given, which ends in its tag.
  for (std::size_t i = 1; i < videos.size(); ++i) EXPECT_GT(tag(*videos[i]), tag(*videos[i - 1]));
  for (const auto* f : videos)
    EXPECT_EQ(f->keyframe, tag(*f) == 1 || tag(*f) == 4) << "frame " << int{tag(*f)};
  EXPECT_TRUE(ends_.empty());
}

TEST_F(BroadcastSubscriberTest, ThePublisherEndingEndsTheViewer) {
  publish();
  auto sub = watching();
  ASSERT_TRUE(sub);
  publisher_->end("publisher gone");
  ASSERT_TRUE(run_until([&] { return !ends_.empty(); })) << "the viewer was not told the broadcast ended";
}

TEST_F(BroadcastSubscriberTest, AfterStopNothingIsHandedOn) {
  publish();
  auto sub = watching();
  ASSERT_TRUE(sub);
  ASSERT_FALSE(frames_.empty()) << "the current group's keyframe did not come before stop()";
  sub->stop();
  frames_.clear();
  publisher_->add(video(true, 100'000'000, 4));
  publisher_->add(video(false, 133'000'000, 5));
  publisher_->end("publisher gone");
  loop_.run_for(500ms);
  EXPECT_TRUE(frames_.empty()) << frames_.size() << " frames after stop()";
  EXPECT_TRUE(ends_.empty()) << ends_.front();
}

// A WHEP viewer joining, and its PLI later (BroadcastSubscriber::request_keyframe), reach the
// gateway's own publisher as NEW_GROUP_REQUESTs (its tracks have DYNAMIC_GROUPS), which ask its sender.
TEST_F(BroadcastSubscriberTest, AViewersKeyframeRequestReachesThePublishersSender) {
  publish();
  auto sub = subscriber();
  sub->start();
  ASSERT_TRUE(run_until([&] { return catalogs_ > 0; }));
  EXPECT_FALSE(sub->request_keyframe()) << "no video subscription yet";
  const int at_start = keyframes_asked_;
  sub->start_media();
  loop_.run_for(100ms);
  ASSERT_FALSE(frames_.empty());
  EXPECT_EQ(publisher_->stats().new_group_requests, 1u) << "the video SUBSCRIBE asks for a fresh group";
  EXPECT_EQ(keyframes_asked_, at_start + 1);
  EXPECT_TRUE(sub->request_keyframe());
  EXPECT_FALSE(sub->request_keyframe()) << "a repeated PLI within the interval asks nothing more";
  ASSERT_TRUE(run_until([&] { return keyframes_asked_ > at_start + 1; }));
  EXPECT_EQ(publisher_->stats().new_group_requests, 2u);
  loop_.run_for(BroadcastSubscriber::kKeyframeRequestInterval);
  EXPECT_TRUE(sub->request_keyframe()) << "one after the interval asks again";
}

}  // namespace
}  // namespace kinetic::webrtc
