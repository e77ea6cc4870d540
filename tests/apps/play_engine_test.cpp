// The player's media side driven as the player thread drives it, on a simulated wall clock:
// the demo clip's real H.264 frames arrive on time or late, and what is presented must be the
// decoded frame, a conjecture, a freeze or a stall, as the late policy says.
#include "play_engine.hpp"

#include <gtest/gtest.h>

#include <map>

#include "kinetic/media/ffmpeg_decoder.hpp"
#include "play_fixture.hpp"

namespace kinetic::app {
namespace {

using mock::DisplayKind;

constexpr std::int64_t kCaptureBase = 1'700'000'000'000'000;  // a wall clock in microseconds
constexpr std::int64_t kTickUs = 4'000;
constexpr std::int64_t kPathUs = 20'000;

struct PlayRun {
  std::vector<Presented> shown;
  std::vector<Reconciled> reconciled;
};

// When each frame arrives: capture + path delay + its extra delay, and never before the frame
// ahead of it in its group (one QUIC stream per group delivers in order).
std::map<std::size_t, std::int64_t> arrival_times(const test::ClipFrames& clip,
                                                  const std::map<std::size_t, std::int64_t>& extra_us) {
  std::map<std::size_t, std::int64_t> out;
  for (std::size_t i = 0; i < clip.frames.size(); ++i) {
    const auto it = extra_us.find(i);
    std::int64_t at = kCaptureBase + clip.pts_us[i] + kPathUs + (it == extra_us.end() ? 0 : it->second);
    if (i > 0 && clip.group[i] == clip.group[i - 1]) at = std::max(at, out[i - 1]);
    out[i] = at;
  }
  return out;
}

// Frames that miss a fixed budget.
std::size_t late_frames(const test::ClipFrames& clip, const std::map<std::size_t, std::int64_t>& extra_us,
                        std::int64_t budget_us) {
  std::size_t n = 0;
  for (const auto& [i, at] : arrival_times(clip, extra_us)) n += at > kCaptureBase + clip.pts_us[i] + budget_us;
  return n;
}

// Plays `clip` with each frame arriving path delay + extra[i] after capture; ticks until the
// last frame's deadline has passed.
PlayRun play(const test::ClipFrames& clip, PlayConfig config, const std::map<std::size_t, std::int64_t>& extra_us,
         std::int64_t until_us = 0) {
  PlayEngine engine(config);
  auto track = engine.add_track("video0", clip.stream);
  EXPECT_TRUE(track);
  std::multimap<std::int64_t, std::size_t> arrivals;
  for (const auto& [i, at] : arrival_times(clip, extra_us)) arrivals.emplace(at, i);
  PlayRun run;
  const std::int64_t end = until_us > 0 ? until_us : kCaptureBase + clip.pts_us.back() + 1'500'000;
  for (std::int64_t now = kCaptureBase; now <= end; now += kTickUs) {
    while (!arrivals.empty() && arrivals.begin()->first <= now) {
      const std::size_t i = arrivals.begin()->second;
      engine.on_frame(*track, clip.group[i], clip.object[i], clip.frames[i], arrivals.begin()->first);
      arrivals.erase(arrivals.begin());
    }
    PlayTick tick = engine.tick(now);
    // Past the clip's end the timeline goes on presenting substitutes; those slots are not the clip's.
    for (auto& p : tick.video) {
      if (p.slot_us <= clip.pts_us.back()) run.shown.push_back(std::move(p));
    }
    for (auto& r : tick.reconciled) run.reconciled.push_back(r);
  }
  return run;
}

std::size_t count(const PlayRun& r, DisplayKind k) {
  std::size_t n = 0;
  for (const auto& p : r.shown) n += p.kind == k;
  return n;
}

PlayConfig fixed(std::int64_t budget_us, mock::LatePolicy late) {
  PlayConfig c;
  c.budget_us = budget_us;
  c.late = late;
  c.prefer_gpu = false;
  return c;
}

TEST(PlayEngine, OnACleanPathEverySlotIsTheDecodedFrame) {
  const auto clip = test::load_clip_frames(25, kCaptureBase);
  ASSERT_EQ(clip.frames.size(), 25u);
  auto decoded = media::decode_video(test::kDemoClip, {.max_width = 0, .max_frames = 25, .max_seconds = 0});
  ASSERT_TRUE(decoded);
  const PlayRun run = play(clip, fixed(100'000, mock::LatePolicy::kConjecture), {});
  ASSERT_EQ(run.shown.size(), 25u);
  for (std::size_t i = 0; i < run.shown.size(); ++i) {
    const Presented& p = run.shown[i];
    ASSERT_EQ(p.kind, DisplayKind::kReal) << "slot " << i;
    ASSERT_TRUE(p.frame);
    EXPECT_EQ(p.frame->y, (*decoded)[i].y) << "slot " << i << " is not the file decode's picture";
    EXPECT_EQ(p.frame->u, (*decoded)[i].u);
    // Presented at the deadline: capture + budget, within a tick.
    EXPECT_GE(p.latency_us, 100'000);
    EXPECT_LT(p.latency_us, 100'000 + kTickUs);
  }
  EXPECT_TRUE(run.reconciled.empty());
}

TEST(PlayEngine, LateFramesAreConjecturedThenReconciled) {
  const auto clip = test::load_clip_frames(30, kCaptureBase);
  // Frames 12 and 13 are 400 ms late, past a 100 ms budget, and hold back the rest of their group.
  const std::map<std::size_t, std::int64_t> late{{12, 400'000}, {13, 400'000}};
  const std::size_t missed = late_frames(clip, late, 100'000);
  ASSERT_GE(missed, 2u);
  const PlayRun run = play(clip, fixed(100'000, mock::LatePolicy::kConjecture), late);
  EXPECT_EQ(count(run, DisplayKind::kConjecture), missed);
  EXPECT_EQ(count(run, DisplayKind::kReal), 30u - missed);
  EXPECT_EQ(count(run, DisplayKind::kStall), 0u);
  for (const auto& p : run.shown) {
    if (p.kind != DisplayKind::kConjecture) continue;
    EXPECT_GT(p.confidence, 0.0f);
    EXPECT_GE(p.predict_ms, 0.0);
  }
  ASSERT_EQ(run.reconciled.size(), missed);
  for (const auto& r : run.reconciled) {
    EXPECT_EQ(r.event.substitute, mock::Substitute::kConjecture);
    EXPECT_GT(r.event.psnr_db, 15.0) << "a conjecture of a static-camera clip should resemble the real frame";
  }
}

TEST(PlayEngine, FreezeAndStallPoliciesOnTheSameLateFrames) {
  const auto clip = test::load_clip_frames(30, kCaptureBase);
  const std::map<std::size_t, std::int64_t> late{{12, 400'000}, {13, 400'000}};
  const PlayRun freeze = play(clip, fixed(100'000, mock::LatePolicy::kFreeze), late);
  EXPECT_EQ(count(freeze, DisplayKind::kFreeze), late_frames(clip, late, 100'000));
  EXPECT_EQ(count(freeze, DisplayKind::kConjecture), 0u);
  const PlayRun stall = play(clip, fixed(100'000, mock::LatePolicy::kStall), late);
  EXPECT_GE(count(stall, DisplayKind::kStall), 1u) << "playback must wait for frame 12";
  EXPECT_EQ(count(stall, DisplayKind::kReal), 30u) << "the stall policy shows every frame, later";
  // After the stall every slot is shown later than the budget.
  EXPECT_GT(stall.shown.back().latency_us, 300'000);
}

TEST(PlayEngine, GarbageAndGapsAreSkippedUntilTheNextKeyframe) {
  auto clip = test::load_clip_frames(30, kCaptureBase);
  ASSERT_GT(clip.group.back(), 0u) << "the clip needs a second keyframe within 30 frames";
  PlayEngine engine(fixed(100'000, mock::LatePolicy::kConjecture));
  auto track = engine.add_track("video0", clip.stream);
  ASSERT_TRUE(track);
  std::size_t second_group = 0;
  while (clip.group[second_group] == 0) ++second_group;
  std::size_t shown_real = 0;
  for (std::size_t i = 0; i < clip.frames.size(); ++i) {
    media::LocFrame f = clip.frames[i];
    if (i == 3) f.payload = kinetic::SharedBytes(std::vector<std::uint8_t>(500, 0xAB));  // garbage
    if (i == 6) continue;                                                              // a gap
    const std::int64_t now = kCaptureBase + clip.pts_us[i] + kPathUs;
    engine.on_frame(*track, clip.group[i], clip.object[i], f, now);
    for (const auto& p : engine.tick(now + 100'000).video) shown_real += p.kind == DisplayKind::kReal;
  }
  const auto& st = engine.stats(*track);
  EXPECT_EQ(st.objects, 29u);
  EXPECT_GE(st.gaps, 1u);
  EXPECT_GT(st.undecodable, 0u) << "frames after the gap wait for a keyframe";
  EXPECT_GT(shown_real, 0u);
  // The second group decodes again from its keyframe.
  EXPECT_GE(st.decoded, clip.frames.size() - second_group);
}

TEST(PlayEngine, AnUnknownCodecIsRefusedAndOtherTracksPlay) {
  PlayEngine engine(fixed(100'000, mock::LatePolicy::kConjecture));
  media::StreamInfo bogus;
  bogus.kind = media::StreamKind::kVideo;
  bogus.codec_id = 0;  // AV_CODEC_ID_NONE
  EXPECT_FALSE(engine.add_track("bad", bogus));
  const auto clip = test::load_clip_frames(5, kCaptureBase);
  auto track = engine.add_track("video0", clip.stream);
  ASSERT_TRUE(track);
  EXPECT_EQ(*track, 0u);
}

TEST(PlayEngine, LeadPresentsConjecturesAheadOfTheFrames) {
  const auto clip = test::load_clip_frames(20, kCaptureBase);
  PlayConfig c = fixed(50'000, mock::LatePolicy::kConjecture);
  c.lead_us = 100'000;  // one frame at 10 fps ahead of capture + budget
  const PlayRun run = play(clip, c, {});
  EXPECT_GT(count(run, DisplayKind::kConjecture), 0u);
  std::size_t ahead = 0;
  for (const auto& p : run.shown) ahead += p.kind == DisplayKind::kConjecture && p.latency_us < 0;
  EXPECT_GT(ahead, 0u) << "no conjecture was shown before its frame's capture time";
}

}  // namespace
}  // namespace kinetic::app
