// The player's measurements: the W3C freeze rule on rendered frames, concealment events,
// stall time, latency percentiles and scoring against a reference.
#include "play_report.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace kinetic::app {
namespace {

using mock::DisplayKind;

Presented slot(std::int64_t t_ms, DisplayKind kind, std::int64_t latency_ms = 100) {
  Presented p;
  p.t_us = t_ms * 1000;
  p.slot_us = t_ms * 1000;
  p.kind = kind;
  p.latency_us = latency_ms * 1000;
  return p;
}

TEST(PlayReport, FreezesFollowTheW3CRule) {
  PlayReport r(nullptr, nullptr);
  r.add_track(0, "video0");
  std::int64_t t = 0;
  for (int i = 0; i < 10; ++i) r.on_presented(slot(t += 100, DisplayKind::kReal));
  // 250 ms: above 3 × 100 ms? no; above 100 + 150? yes, but max(300, 250) = 300 is the bar.
  r.on_presented(slot(t += 250, DisplayKind::kReal));
  // Two repeats render nothing new: the next real frame comes 400 ms after the last one.
  r.on_presented(slot(t += 100, DisplayKind::kReal));
  r.on_presented(slot(t += 100, DisplayKind::kFreeze));
  r.on_presented(slot(t += 100, DisplayKind::kFreeze));
  r.on_presented(slot(t += 100, DisplayKind::kFreeze));
  r.on_presented(slot(t += 100, DisplayKind::kReal));
  const auto s = r.summaries().at(0);
  EXPECT_EQ(s.freezes, 1u);
  EXPECT_DOUBLE_EQ(s.freeze_ms, 400.0);
  EXPECT_EQ(s.frozen, 3u);
  EXPECT_EQ(s.real, 13u);
}

TEST(PlayReport, ConjecturesAreRenderedFramesAndConcealmentEvents) {
  PlayReport r(nullptr, nullptr);
  r.add_track(0, "video0");
  std::int64_t t = 0;
  for (int i = 0; i < 10; ++i) r.on_presented(slot(t += 100, DisplayKind::kReal));
  for (int i = 0; i < 3; ++i) r.on_presented(slot(t += 100, DisplayKind::kConjecture));
  r.on_presented(slot(t += 100, DisplayKind::kReal));
  r.on_presented(slot(t += 100, DisplayKind::kConjecture));
  r.on_presented(slot(t += 100, DisplayKind::kReal));
  const auto s = r.summaries().at(0);
  EXPECT_EQ(s.freezes, 0u);
  EXPECT_EQ(s.conjectured, 4u);
  EXPECT_EQ(s.concealment_events, 2u);
  EXPECT_EQ(s.predictions, 4u);
}

TEST(PlayReport, StallTimeAndLatencyPercentiles) {
  std::ostringstream log;
  PlayReport r(&log, nullptr);
  r.add_track(0, "video0");
  std::int64_t t = 0;
  for (int i = 0; i < 10; ++i) r.on_presented(slot(t += 100, DisplayKind::kReal, 100 + i));
  r.on_presented(slot(t += 100, DisplayKind::kStall));
  r.on_presented(slot(t += 700, DisplayKind::kReal, 900));
  const auto s = r.summaries().at(0);
  EXPECT_EQ(s.stall_events, 1u);
  EXPECT_DOUBLE_EQ(s.stall_ms, 700.0);
  EXPECT_EQ(s.freezes, 1u) << "800 ms between rendered frames";
  EXPECT_EQ(s.slots, 11u);
  EXPECT_NEAR(s.latency_p50_ms, 105.0, 1e-9);
  EXPECT_GT(s.latency_p95_ms, 500.0);
  // Twelve JSON lines, the stall among them.
  std::istringstream lines(log.str());
  std::string line;
  int n = 0, stalls = 0;
  while (std::getline(lines, line)) {
    ++n;
    stalls += line.find(R"("shown":"stall")") != std::string::npos;
  }
  EXPECT_EQ(n, 12);
  EXPECT_EQ(stalls, 1);
}

TEST(PlayReport, ScoresAgainstTheReferenceFrameOfTheSlot) {
  std::vector<mock::Frame> frames;
  for (int i = 0; i < 3; ++i) {
    mock::Frame f(16, 16);
    std::fill(f.y.begin(), f.y.end(), static_cast<std::uint8_t>(50 + 50 * i));
    std::fill(f.u.begin(), f.u.end(), 128);
    std::fill(f.v.begin(), f.v.end(), 128);
    f.pts_us = i * 100'000;
    frames.push_back(f);
  }
  PlayReference ref(frames, 100'000);
  PlayReport r(nullptr, &ref);
  r.add_track(0, "video0");
  Presented exact = slot(0, DisplayKind::kReal);
  exact.slot_us = 400'000;  // the second loop's frame 1
  exact.frame = std::make_shared<const mock::Frame>(frames[1]);
  r.on_presented(exact);
  Presented off = slot(100, DisplayKind::kFreeze);
  off.slot_us = 200'000;
  off.frame = std::make_shared<const mock::Frame>(frames[1]);  // frame 1 shown for slot 2
  r.on_presented(off);
  const auto s = r.summaries().at(0);
  EXPECT_EQ(s.scored, 2u);
  EXPECT_EQ(s.substituted_scored, 1u);
  EXPECT_LT(s.substituted_psnr_db, 30.0);
  EXPECT_NEAR(s.psnr_db, (100.0 + s.substituted_psnr_db) / 2, 1e-9);
}

}  // namespace
}  // namespace kinetic::app

namespace kinetic::app {
namespace {

TEST(PlayReport, RunningViewCountsEverythingAndTakesRecentLatencies) {
  PlayReport r(nullptr, nullptr);
  r.add_track(0, "video0");
  std::int64_t t = 0;
  for (int i = 0; i < 400; ++i) r.on_presented(slot(t += 100, DisplayKind::kReal, i < 100 ? 1000 : 100));
  const auto s = r.running(0);
  EXPECT_EQ(s.real, 400u);
  EXPECT_DOUBLE_EQ(s.latency_p95_ms, 100.0) << "the first 100 slots are older than the window";
  EXPECT_EQ(r.running(7).slots, 0u);
}

}  // namespace
}  // namespace kinetic::app
