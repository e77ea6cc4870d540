// The hand-off between the network loop and the player thread.
#include "play_feed.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace kinetic::app {
namespace {

using namespace std::chrono_literals;

TEST(PlayFeed, TakesEverythingQueuedInOrder) {
  PlayFeed feed;
  feed.add_track({"video0", {}});
  for (std::uint64_t i = 0; i < 3; ++i) feed.push({0, 0, i, {}, static_cast<std::int64_t>(i)});
  const FeedBatch b = feed.take(std::chrono::steady_clock::now());
  ASSERT_EQ(b.new_tracks.size(), 1u);
  ASSERT_EQ(b.frames.size(), 3u);
  EXPECT_EQ(b.frames[2].object, 2u);
  EXPECT_FALSE(b.closed);
  EXPECT_TRUE(feed.take(std::chrono::steady_clock::now()).frames.empty());
}

TEST(PlayFeed, DropsAndCountsBeyondItsBound) {
  PlayFeed feed(2);
  for (std::uint64_t i = 0; i < 5; ++i) feed.push({0, 0, i, {}, 0});
  const FeedBatch b = feed.take(std::chrono::steady_clock::now());
  EXPECT_EQ(b.frames.size(), 2u);
  EXPECT_EQ(b.dropped, 3u);
}

TEST(PlayFeed, AWaitingTakeWakesForFramesAndClose) {
  PlayFeed feed;
  std::thread network([&] {
    std::this_thread::sleep_for(20ms);
    feed.push({0, 1, 2, {}, 3});
    feed.close();
  });
  const auto start = std::chrono::steady_clock::now();
  FeedBatch b = feed.take(start + 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  std::size_t frames = b.frames.size();
  bool closed = b.closed;
  while (!closed) {
    b = feed.take(std::chrono::steady_clock::now() + 5s);
    frames += b.frames.size();
    closed = b.closed;
  }
  network.join();
  EXPECT_EQ(frames, 1u);
}

}  // namespace
}  // namespace kinetic::app
