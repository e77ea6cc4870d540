#include "kinetic/webrtc/rtp_media_clock.hpp"

#include <gtest/gtest.h>

namespace kinetic::webrtc {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

TEST(RtpMediaClock, FramesAreSpacedAsTheSenderSampledThemFromTheFirstPacketsSessionTime) {
  RtpMediaClock clock(90'000);
  EXPECT_EQ(clock.media_ns(7, 1'000, 500 * kMs), 500 * kMs);
  // The session times of later packets (a jitter buffer's bunched or missing ones) do not move it.
  EXPECT_EQ(clock.media_ns(7, 1'000 + 3'000, 501 * kMs), 500 * kMs + 100'000'000 / 3);
  EXPECT_EQ(clock.media_ns(7, 1'000 + 6'000, std::nullopt), 500 * kMs + 2 * 100'000'000 / 3);
  // A lost second of packets is a second of media time.
  EXPECT_EQ(clock.media_ns(7, 1'000 + 96'000, 0), 500 * kMs + 1'066'666'666);
}

TEST(RtpMediaClock, OpusAtFortyEightKilohertz) {
  RtpMediaClock clock(48'000);
  EXPECT_EQ(clock.media_ns(1, 0, 0), 0u);
  EXPECT_EQ(clock.media_ns(1, 960, 0), 20 * kMs);
  EXPECT_EQ(clock.media_ns(1, 48'000, 0), 1'000 * kMs);
}

TEST(RtpMediaClock, TimestampsWrapAtTwoToTheThirtyTwo) {
  RtpMediaClock clock(90'000);
  EXPECT_EQ(clock.media_ns(1, 0xFFFF'FFFFu - 2'999, 0), 0u);
  EXPECT_EQ(clock.media_ns(1, 0xFFFF'FFFFu, 0), 33'322'222u);  // 2,999 ticks of 90 kHz
  EXPECT_EQ(clock.media_ns(1, 2'999, 0), 66'655'555u);         // 3,000 more, across the wrap
}

TEST(RtpMediaClock, APacketSampledEarlierStepsBackButNeverBeforeTheAnchor) {
  RtpMediaClock clock(90'000);
  EXPECT_EQ(clock.media_ns(1, 90'000, 10 * kMs), 10 * kMs);
  EXPECT_EQ(clock.media_ns(1, 90'000 + 9'000, 0), 110 * kMs);
  EXPECT_EQ(clock.media_ns(1, 90'000 + 4'500, 0), 60 * kMs);  // a B-frame
  EXPECT_EQ(clock.media_ns(1, 90'000 - 9'000, 0), 10 * kMs);
}

TEST(RtpMediaClock, ANewSourceGoesOnFromWhereTheLastLeftOff) {
  RtpMediaClock clock(90'000);
  clock.media_ns(1, 0, 0);
  EXPECT_EQ(clock.media_ns(1, 90'000, 0), 1'000 * kMs);
  // The sender restarted with a new SSRC and random timestamps: no jump back.
  EXPECT_EQ(clock.media_ns(2, 123'456'789, 400 * kMs), 1'000 * kMs);
  EXPECT_EQ(clock.media_ns(2, 123'456'789 + 9'000, 0), 1'100 * kMs);
  // One whose session time is later starts there.
  EXPECT_EQ(clock.media_ns(3, 5, 2'000 * kMs), 2'000 * kMs);
}

TEST(RtpMediaClock, AMonthOfNinetyKilohertzDoesNotOverflow) {
  RtpMediaClock clock(90'000);
  clock.media_ns(1, 0, 0);
  std::uint32_t ts = 0;
  const std::uint64_t seconds = 30ULL * 24 * 3600;
  // Steps of 2^30 ticks (~3.3 hours) so the signed unwrap reads each as forward.
  std::uint64_t ticks = 0;
  std::uint64_t last = 0;
  while (ticks + (1u << 30) <= seconds * 90'000) {
    ts += 1u << 30;
    ticks += 1u << 30;
    last = clock.media_ns(1, ts, 0);
  }
  EXPECT_EQ(last, ticks / 90'000 * 1'000'000'000ULL + ticks % 90'000 * 1'000'000'000ULL / 90'000);
  EXPECT_GT(last, 29ULL * 24 * 3600 * 1'000'000'000ULL);
}

}  // namespace
}  // namespace kinetic::webrtc
