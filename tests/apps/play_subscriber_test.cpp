// The player's network side against a publisher that misbehaves, on the memory transport: a
// catalog naming a codec nobody decodes, a track the publisher refuses, garbage objects on a
// good track. Each gets a warning and the good track keeps playing; a catalog that is not
// JSON, or one with nothing decodable, ends the subscriber with an error.
#include "play_subscriber.hpp"

#include <gtest/gtest.h>

#include "../moqt/moqt_fixture.hpp"
#include "kinetic/media/catalog.hpp"
#include "kinetic/media/loc_packager.hpp"

namespace kinetic::app {
namespace {

using moqt::testing::bytes;
using namespace std::chrono_literals;

class PlaySubscriberTest : public moqt::testing::MoqtTest {
 protected:
  static media::CatalogTrack track(const std::string& name, const std::string& codec) {
    media::CatalogTrack t;
    t.name = name;
    t.codec = codec;
    t.timescale = 90000;
    t.framerate = 30;
    return t;
  }
  static std::string good_catalog() {
    media::Catalog c;
    c.tracks = {track("video0", "avc1.64001f"), track("subs", "wvtt"), track("ghost", "avc1.64001f")};
    return media::catalog_to_json(c);
  }
  static void send(moqt::ServedSubscription& s, std::uint64_t object, const kinetic::SharedBytes& payload,
                   const wire::KeyValueList& properties = {}) {
    auto* w = s.open_subgroup({0, 0, 128});
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->write(object, payload, properties));
  }
  // Serves the catalog `catalog`; video0 gets a garbage object then a LOC frame; others are refused.
  void serve(std::string catalog) {
    sh.on_sub = [this, catalog](moqt::ServedSubscription& s) {
      const std::string& name = s.track().name;
      if (name == media::kCatalogTrackName) {
        s.accept({});
        send(s, 0, bytes(catalog));
      } else if (name == "video0") {
        s.accept({});
        send(s, 0, bytes("not a LOC frame at all"));  // no LOC properties
        media::LocFrame f;
        f.payload = bytes("frame");
        f.pts = 3000;
        f.timescale = 90000;
        f.keyframe = true;
        f.capture_time_us = 42;
        auto loc = media::package_loc(f);
        ASSERT_TRUE(loc);
        auto* w = s.open_subgroup({0, 0, 128});
        ASSERT_NE(w, nullptr);
        ASSERT_TRUE(w->write(1, loc->payload, loc->properties));
      } else {
        moqt::RequestErrorInfo e;
        e.code = 0x10;
        e.reason = "no such track";
        s.reject(e);
      }
    };
  }
  void start(bool new_group = false) {
    connect();
    subscriber = std::make_unique<PlaySubscriber>([this] { ++finished; },
                                                  PlaySubscriberOptions{"live", {}, 500, new_group}, feed);
    subscriber->attach(client);
    run(1s);
  }
  PlayFeed feed;
  std::unique_ptr<PlaySubscriber> subscriber;
  int finished = 0;
};

TEST_P(PlaySubscriberTest, BadTracksAndGarbageLeaveTheGoodTrackPlaying) {
  serve(good_catalog());
  start();
  const FeedBatch b = feed.take(std::chrono::steady_clock::now());
  ASSERT_EQ(b.new_tracks.size(), 2u) << "the wvtt track is skipped";
  EXPECT_EQ(b.new_tracks[0].name, "video0");
  EXPECT_EQ(b.new_tracks[1].name, "ghost");
  ASSERT_EQ(b.frames.size(), 1u) << "the garbage object is skipped, the LOC frame passes";
  EXPECT_EQ(b.frames[0].track, 0u);
  EXPECT_EQ(b.frames[0].object, 1u);
  EXPECT_EQ(b.frames[0].frame.capture_time_us, std::optional<std::uint64_t>(42));
  EXPECT_EQ(finished, 0) << "a refused track must not end the player";
  EXPECT_FALSE(subscriber->failed());
  EXPECT_EQ(subscriber->media_tracks(), 2u);
  // The subscriptions asked for the delivery timeout.
  for (const auto& s : sh.served) {
    if (s->track().name != media::kCatalogTrackName) {
      EXPECT_EQ(s->options().delivery_timeout_ms, std::optional<std::uint64_t>(500));
    }
  }
}

// `kinetic play --new-group`: each media SUBSCRIBE asks for a fresh group; the catalog's does not.
TEST_P(PlaySubscriberTest, NewGroupAsksOnEveryMediaSubscribe) {
  serve(good_catalog());
  start(true);
  std::size_t media = 0;
  for (const auto& s : sh.served) {
    if (s->track().name == media::kCatalogTrackName) {
      EXPECT_FALSE(s->options().new_group_request);
    } else {
      ++media;
      EXPECT_EQ(s->options().new_group_request, std::optional<std::uint64_t>(0)) << s->track().name;
    }
  }
  EXPECT_EQ(media, 2u);
}

TEST_P(PlaySubscriberTest, WithoutNewGroupNoSubscribeAsks) {
  serve(good_catalog());
  start();
  for (const auto& s : sh.served) EXPECT_FALSE(s->options().new_group_request) << s->track().name;
}

TEST_P(PlaySubscriberTest, ACatalogThatIsNotJsonFails) {
  serve("{ this is not json");
  start();
  EXPECT_EQ(finished, 1);
  EXPECT_TRUE(subscriber->failed());
}

TEST_P(PlaySubscriberTest, ACatalogWithNothingDecodableFails) {
  media::Catalog c;
  c.tracks = {track("subs", "wvtt")};
  serve(media::catalog_to_json(c));
  start();
  EXPECT_EQ(finished, 1);
  EXPECT_TRUE(subscriber->failed());
}

INSTANTIATE_TEST_SUITE_P(Drafts, PlaySubscriberTest, ::testing::Values("moqt-18", "moqt-20"),
                         moqt::testing::version_name);

}  // namespace
}  // namespace kinetic::app
