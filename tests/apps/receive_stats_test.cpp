#include "receive_stats.hpp"

#include <gtest/gtest.h>

namespace kinetic::app {
namespace {

TEST(ReceiveStats, RatesAreOverTheWindowsRealLength) {
  ReceiveStats stats(1'000'000);
  const auto video = stats.add_track("video0");
  // 15 frames of 1000 bytes in half a second: 30 frames/s, 240 kbit/s.
  for (int i = 0; i < 15; ++i) stats.on_frame(video, 1000, std::nullopt, 0);
  EXPECT_EQ(stats.report(1'500'000), "video0: 30.0 frames/s 240.0 kbit/s latency - ms (15 frames, total 15)\n");
}

TEST(ReceiveStats, LatencyIsArrivalWallClockMinusCaptureTime) {
  ReceiveStats stats(0);
  const auto video = stats.add_track("video0");
  const std::int64_t arrival = 1'764'035'226'000'000;
  stats.on_frame(video, 10, static_cast<std::uint64_t>(arrival - 40'000), arrival);   // 40 ms
  stats.on_frame(video, 10, static_cast<std::uint64_t>(arrival - 20'000), arrival);   // 20 ms
  stats.on_frame(video, 10, static_cast<std::uint64_t>(arrival - 90'000), arrival);   // 90 ms
  stats.on_frame(video, 10, std::nullopt, arrival);  // counted, not timed
  EXPECT_EQ(stats.report(1'000'000),
            "video0: 4.0 frames/s 0.3 kbit/s latency avg 50.0 min 20.0 max 90.0 ms (4 frames, total 4)\n");
}

TEST(ReceiveStats, APublisherClockAheadShowsAsNegativeLatency) {
  ReceiveStats stats(0);
  const auto audio = stats.add_track("audio0");
  stats.on_frame(audio, 0, 1'000'005'000, 1'000'000'000);
  EXPECT_EQ(stats.report(1'000'000),
            "audio0: 1.0 frames/s 0.0 kbit/s latency avg -5.0 min -5.0 max -5.0 ms (1 frames, total 1)\n");
}

TEST(ReceiveStats, EachReportStartsANewWindowButKeepsTheTotal) {
  ReceiveStats stats(0);
  const auto video = stats.add_track("video0");
  const auto audio = stats.add_track("audio0");
  stats.on_frame(video, 100, 0, 100'000);
  stats.on_frame(audio, 100, 0, 10'000);
  (void)stats.report(1'000'000);
  stats.on_frame(video, 100, 1'000'000, 1'030'000);
  EXPECT_EQ(stats.report(2'000'000),
            "video0: 1.0 frames/s 0.8 kbit/s latency avg 30.0 min 30.0 max 30.0 ms (1 frames, total 2)\n"
            "audio0: 0.0 frames/s 0.0 kbit/s latency - ms (0 frames, total 1)\n");
  EXPECT_EQ(stats.total_frames(), 3u);
}

TEST(ReceiveStats, AnUnknownTrackIsIgnored) {
  ReceiveStats stats(0);
  stats.on_frame(3, 100, 0, 0);
  EXPECT_EQ(stats.total_frames(), 0u);
  EXPECT_EQ(stats.report(1), "");
}

}  // namespace
}  // namespace kinetic::app
