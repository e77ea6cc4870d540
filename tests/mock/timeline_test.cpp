#include "kinetic/mock/timeline.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

constexpr std::int64_t kInterval = 40'000;  // 25 fps
constexpr std::int64_t kBudget = 100'000;

// A scene whose brightness ramps linearly, so linear extrapolation predicts it exactly.
Frame scene(int i) {
  Frame f(64, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) f.luma(x, y) = static_cast<std::uint8_t>(40 + x + 2 * i);
  std::fill(f.u.begin(), f.u.end(), 128);
  std::fill(f.v.begin(), f.v.end(), 128);
  return f;
}

// A test engine: per-pixel linear extrapolation of the last two real frames (or, when
// `broken`, a negative of the last frame). It records what it was fed.
class LinearEngine final : public VideoConjecturer {
 public:
  explicit LinearEngine(bool broken = false) : broken_(broken) {}
  void push_real(const Frame& f) override {
    pushed.push_back(f.pts_us);
    prev_ = last_;
    last_ = f;
  }
  Conjecture predict(int k) override {
    Conjecture c;
    c.frame = last_;
    c.confidence = 0.9f;
    for (std::size_t i = 0; i < c.frame.y.size(); ++i) {
      const int d = prev_.empty() ? 0 : last_.y[i] - prev_.y[i];
      const int v = broken_ ? 255 - last_.y[i] : last_.y[i] + k * d;
      c.frame.y[i] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
    }
    ++predictions;
    return c;
  }
  void reset() override { last_ = prev_ = Frame{}; }
  [[nodiscard]] std::string_view backend() const override { return "test"; }
  std::vector<std::int64_t> pushed;
  int predictions = 0;

 private:
  bool broken_;
  Frame last_, prev_;
};

TrackConfig video(LatePolicy policy) {
  TrackConfig c;
  c.kind = TrackKind::kVideo;
  c.frame_interval_us = kInterval;
  c.late_policy = policy;
  c.deadline.latency_us = kBudget;
  return c;
}

std::int64_t ts_of(int i) { return 1'000'000 + i * kInterval; }

// Pushes frames 0..n-1 arriving 30 ms after capture, except those in `late` (arrival given).
void push_frames(Timeline& tl, int n, const std::map<int, std::int64_t>& late = {}) {
  for (int i = 0; i < n; ++i) {
    auto it = late.find(i);
    const std::int64_t arrival = it != late.end() ? it->second : ts_of(i) + 30'000;
    ASSERT_TRUE(tl.push_object(1, static_cast<std::uint64_t>(i), ts_of(i), arrival, scene(i)).ok());
  }
}

TEST(Timeline, RealFramesOnTimeAreShownWithTheBudgetAsLatency) {
  Timeline tl;
  LinearEngine engine;
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  push_frames(tl, 20);
  for (int i = 0; i < 20; ++i) {
    auto out = tl.display_at(1, ts_of(i) + kBudget + 1'000);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->kind, DisplayKind::kReal) << i;
    ASSERT_TRUE(out->frame);
    EXPECT_EQ(out->frame->pts_us, ts_of(i));
    EXPECT_EQ(out->object_id, static_cast<std::uint64_t>(i));
    EXPECT_EQ(out->latency_us, kBudget + 1'000);
    EXPECT_TRUE(out->new_slot);
  }
  EXPECT_EQ(engine.predictions, 0);
  EXPECT_TRUE(tl.take_events().empty());
  EXPECT_EQ(engine.pushed.size(), 20U);
}

TEST(Timeline, LateFrameIsConjecturedThenReconciled) {
  Timeline tl;
  LinearEngine engine;
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  push_frames(tl, 30, {{10, ts_of(10) + 300'000}});
  std::vector<DisplayKind> kinds;
  for (int i = 0; i < 30; ++i) {
    auto out = tl.display_at(1, ts_of(i) + kBudget + 1'000);
    ASSERT_TRUE(out.ok());
    kinds.push_back(out->kind);
    if (i == 10) {
      ASSERT_EQ(out->kind, DisplayKind::kConjecture);
      ASSERT_TRUE(out->frame);
      EXPECT_EQ(out->frame->pts_us, ts_of(10));
      EXPECT_EQ(out->frame->y, scene(10).y);  // the ramp is predicted exactly
      // Repeated calls within the slot do not ask the engine again.
      const int before = engine.predictions;
      auto again = tl.display_at(1, ts_of(i) + kBudget + 20'000);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(again->kind, DisplayKind::kConjecture);
      EXPECT_FALSE(again->new_slot);
      EXPECT_EQ(engine.predictions, before);
    }
  }
  for (int i = 0; i < 30; ++i)
    if (i != 10) {
      EXPECT_EQ(kinds[static_cast<std::size_t>(i)], DisplayKind::kReal) << i;
    }

  const auto events = tl.take_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].object_id, 10U);
  EXPECT_EQ(events[0].timestamp_us, ts_of(10));
  EXPECT_EQ(events[0].arrival_us, ts_of(10) + 300'000);
  EXPECT_EQ(events[0].kind, TrackKind::kVideo);
  EXPECT_EQ(events[0].substitute, Substitute::kConjecture);
  EXPECT_EQ(events[0].psnr_db, kPsnrCapDb);
  EXPECT_DOUBLE_EQ(events[0].ssim, 1.0);
  EXPECT_EQ(tl.reconciler().reconciled(1), 1U);

  // The engine saw real frames only, in order; the late frame 10 came after 11 and so was
  // not fed (it would have gone back in time).
  for (std::size_t i = 1; i < engine.pushed.size(); ++i) EXPECT_GT(engine.pushed[i], engine.pushed[i - 1]);
  EXPECT_EQ(std::count(engine.pushed.begin(), engine.pushed.end(), ts_of(10)), 0);
  EXPECT_EQ(engine.pushed.size(), 29U);
}

TEST(Timeline, LateFrameReplacesTheConjectureWithinItsSlot) {
  Timeline tl;
  LinearEngine engine;
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  push_frames(tl, 12, {{10, ts_of(10) + kBudget + 20'000}});
  for (int i = 0; i <= 10; ++i) ASSERT_TRUE(tl.display_at(1, ts_of(i) + kBudget + 1'000).ok());
  auto out = tl.display_at(1, ts_of(10) + kBudget + 25'000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->kind, DisplayKind::kReal);
  EXPECT_EQ(out->frame->pts_us, ts_of(10));
  EXPECT_EQ(tl.take_events().size(), 1U);
}

TEST(Timeline, FreezePolicyRepeatsTheLastRealFrame) {
  Timeline tl;
  ASSERT_TRUE(tl.add_track(1, video(LatePolicy::kFreeze)).ok());
  push_frames(tl, 15, {{10, ts_of(10) + 300'000}});
  for (int i = 0; i < 15; ++i) {
    auto out = tl.display_at(1, ts_of(i) + kBudget + 1'000);
    ASSERT_TRUE(out.ok());
    if (i == 10) {
      EXPECT_EQ(out->kind, DisplayKind::kFreeze);
      EXPECT_EQ(out->frame->pts_us, ts_of(9));
      EXPECT_EQ(out->timestamp_us, ts_of(10));
    } else {
      EXPECT_EQ(out->kind, DisplayKind::kReal);
    }
  }
  ASSERT_TRUE(tl.display_at(1, ts_of(10) + 300'000).ok());  // frame 10 is here now
  const auto events = tl.take_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].substitute, Substitute::kFreeze);
  EXPECT_LT(events[0].psnr_db, kPsnrCapDb);
  EXPECT_EQ(tl.reconciler().reconciled(1), 0U);  // freezes do not score the engine
}

TEST(Timeline, StallPolicyWaitsAndLatencyGrows) {
  Timeline tl;
  ASSERT_TRUE(tl.add_track(1, video(LatePolicy::kStall)).ok());
  push_frames(tl, 20, {{10, ts_of(10) + 200'000}});
  for (int i = 0; i < 10; ++i) ASSERT_EQ(tl.display_at(1, ts_of(i) + kBudget + 1'000)->kind, DisplayKind::kReal);
  // Frame 10 is due at ts+100 ms but arrives at ts+200 ms: the player waits.
  std::int64_t t = ts_of(10) + kBudget + 1'000;
  int stalls = 0;
  for (; t < ts_of(10) + 200'000; t += 10'000) {
    auto out = tl.display_at(1, t);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->kind, DisplayKind::kStall);
    EXPECT_EQ(out->frame->pts_us, ts_of(9));
    ++stalls;
  }
  EXPECT_GT(stalls, 5);
  auto resumed = tl.display_at(1, t);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->kind, DisplayKind::kReal);
  EXPECT_EQ(resumed->frame->pts_us, ts_of(10));
  EXPECT_GE(resumed->latency_us, 200'000);
  // Later frames keep the grown latency.
  auto later = tl.display_at(1, t + 3 * kInterval);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->kind, DisplayKind::kReal);
  EXPECT_EQ(later->frame->pts_us, ts_of(13));
  EXPECT_GE(later->latency_us, 190'000);
}

TEST(Timeline, DistrustedEngineIsReplacedByFreezes) {
  Timeline tl;
  LinearEngine engine(/*broken=*/true);
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  // Every third frame is late.
  std::map<int, std::int64_t> late;
  for (int i = 3; i < 60; i += 3) late[i] = ts_of(i) + 150'000;
  push_frames(tl, 60, late);
  int conjectures_late_in_run = 0;
  for (int i = 0; i < 60; ++i) {
    auto out = tl.display_at(1, ts_of(i) + kBudget + 1'000);
    ASSERT_TRUE(out.ok());
    if (i > 40 && out->kind == DisplayKind::kConjecture) ++conjectures_late_in_run;
  }
  EXPECT_LT(tl.reconciler().confidence(1), tl.reconciler().config().min_confidence + 0.1);
  EXPECT_LE(conjectures_late_in_run, 2);
  for (const auto& e : tl.take_events())
    if (e.substitute == Substitute::kConjecture) {
      EXPECT_LT(e.psnr_db, 20.0);
    }
}

TEST(Timeline, AudioSlotsAreConcealedAndLatePacketsReconciled) {
  constexpr std::int64_t kAudioInterval = 20'000;
  TrackConfig cfg;
  cfg.kind = TrackKind::kAudio;
  cfg.frame_interval_us = kAudioInterval;
  cfg.deadline.latency_us = 60'000;
  Timeline tl;
  ASSERT_TRUE(tl.add_track(2, cfg).ok());
  OpusEncoderConfig ecfg;
  ecfg.voip = true;
  auto enc = OpusPacketEncoder::create(ecfg);
  ASSERT_TRUE(enc.ok());
  for (int i = 0; i < 50; ++i) {
    std::vector<std::int16_t> pcm(960);
    for (int s = 0; s < 960; ++s) {
      const double t = (i * 960 + s) / 48000.0;
      pcm[static_cast<std::size_t>(s)] = static_cast<std::int16_t>(5000 * std::sin(2 * M_PI * 220 * t) + 2000 * std::sin(2 * M_PI * 440 * t));
    }
    auto p = enc->encode(pcm);
    ASSERT_TRUE(p.ok());
    const std::int64_t ts = i * kAudioInterval;
    if (i == 20) continue;  // lost
    const std::int64_t arrival = i == 30 ? ts + 200'000 : ts + 10'000;
    ASSERT_TRUE(tl.push_object(2, static_cast<std::uint64_t>(i), ts, arrival, kinetic::SharedBytes(std::move(*p))).ok());
  }
  std::size_t samples = 0;
  int concealed_calls = 0;
  for (std::int64_t t = 60'000; t < 50 * kAudioInterval + 60'000; t += 10'000) {
    auto out = tl.display_at(2, t);
    ASSERT_TRUE(out.ok());
    samples += out->pcm.size();
    if (out->new_slot && out->kind == DisplayKind::kConjecture) ++concealed_calls;
    EXPECT_EQ(out->pcm.size() % 960, 0U);
  }
  EXPECT_EQ(samples, 50U * 960U);  // the audio clock never slips
  EXPECT_EQ(concealed_calls, 2);   // slots 20 (lost) and 30 (late)
  const auto events = tl.take_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].object_id, 30U);
  EXPECT_EQ(events[0].kind, TrackKind::kAudio);
  EXPECT_TRUE(std::isfinite(events[0].snr_db));
  EXPECT_LT(events[0].snr_db, kSnrCapDb);
}

TEST(Timeline, DataTrackExtrapolatesAndReconcilesLateUpdates) {
  TrackConfig cfg;
  cfg.kind = TrackKind::kData;
  cfg.frame_interval_us = 100'000;
  cfg.deadline.latency_us = 50'000;
  cfg.fields = {{"x", FieldKind::kKinematic, 1, 1.0, 1e-4, 0.0}, {"score", FieldKind::kStep}};
  Timeline tl;
  ASSERT_TRUE(tl.add_track(3, cfg).ok());
  // x accelerates after 1 s, so the update at 1.2 s (late) corrects the extrapolation.
  auto x = [](double t) { return t < 1.0 ? 5 * t : 5 * t + 8 * (t - 1.0) * (t - 1.0); };
  for (int i = 0; i < 20; ++i) {
    const std::int64_t ts = i * 100'000;
    const std::int64_t arrival = i == 12 ? ts + 400'000 : ts + 20'000;
    ASSERT_TRUE(tl.push_object(3, static_cast<std::uint64_t>(i), ts, arrival,
                               std::vector<double>{x(static_cast<double>(ts) / 1e6), static_cast<double>(i / 5)}).ok());
  }
  bool saw_conjecture = false;
  for (std::int64_t t = 50'000; t < 2'000'000; t += 33'333) {
    auto out = tl.display_at(3, t);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->values.size(), 2U);
    if (out->timestamp_us == 1'200'000) {
      EXPECT_EQ(out->kind, DisplayKind::kConjecture);
      saw_conjecture = true;
    }
  }
  EXPECT_TRUE(saw_conjecture);
  const auto events = tl.take_events();
  ASSERT_FALSE(events.empty());
  bool found = false;
  for (const auto& e : events)
    if (e.object_id == 12) {
      found = true;
      EXPECT_EQ(e.kind, TrackKind::kData);
      EXPECT_GT(e.abs_error, 0.0);
    }
  EXPECT_TRUE(found);
}

TEST(Timeline, BadInputIsAnError) {
  Timeline tl;
  LinearEngine engine;
  EXPECT_FALSE(tl.push_object(9, 0, 0, 0, scene(0)).ok());
  EXPECT_FALSE(tl.display_at(9, 0).ok());
  TrackConfig audio;
  audio.kind = TrackKind::kAudio;
  EXPECT_FALSE(tl.add_video_track(1, audio, engine).ok());
  audio.frame_interval_us = 20'000;
  ASSERT_TRUE(tl.add_track(2, audio).ok());
  EXPECT_FALSE(tl.add_track(2, audio).ok());
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  EXPECT_FALSE(tl.push_object(1, 0, 0, 0, std::vector<double>{1.0}).ok());
  EXPECT_FALSE(tl.push_object(1, 0, 0, 0, Frame{}).ok());
  EXPECT_FALSE(tl.push_object(2, 0, 0, 0, kinetic::SharedBytes{}).ok());
  ASSERT_TRUE(tl.push_object(1, 0, 0, 10, scene(0)).ok());
  EXPECT_FALSE(tl.push_object(1, 1, 0, 20, scene(1)).ok());  // same timestamp twice
  TrackConfig odd = audio;
  odd.frame_interval_us = 20'001;
  EXPECT_FALSE(tl.add_track(3, odd).ok());
  // Nothing has arrived yet: a stall with nothing to show.
  auto out = tl.display_at(1, 5);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->kind, DisplayKind::kStall);
  EXPECT_FALSE(out->frame);
}

}  // namespace
}  // namespace kinetic::mock

namespace kinetic::mock {
namespace {

TEST(Timeline, AdaptiveBudgetSettlesOnThePathAndKeepsFramesOnTime) {
  TrackConfig cfg = video(LatePolicy::kConjecture);
  cfg.deadline.mode = DeadlineMode::kAdaptive;
  cfg.deadline.latency_us = 400'000;
  cfg.deadline.max_decrease_per_s = 0.2;
  Timeline tl;
  LinearEngine engine;
  ASSERT_TRUE(tl.add_video_track(1, cfg, engine).ok());
  std::mt19937_64 rng(11);
  std::normal_distribution<double> jitter(0.0, 5'000.0);
  constexpr int kFrames = 750;  // 30 s
  for (int i = 0; i < kFrames; ++i) {
    const auto arrival = ts_of(i) + 60'000 + static_cast<std::int64_t>(jitter(rng));
    ASSERT_TRUE(tl.push_object(1, static_cast<std::uint64_t>(i), ts_of(i), arrival, scene(i)).ok());
  }
  int late_in_second_half = 0, shown_in_second_half = 0;
  for (std::int64_t t = ts_of(0); t < ts_of(kFrames); t += kInterval / 2) {
    auto out = tl.display_at(1, t);
    ASSERT_TRUE(out.ok());
    if (t > ts_of(kFrames / 2) && out->new_slot) {
      ++shown_in_second_half;
      if (out->kind != DisplayKind::kReal) ++late_in_second_half;
    }
  }
  // 60 ms + 2.33·5 ms ≈ 72 ms, plus up to the 20 ms hysteresis.
  const std::int64_t budget = tl.deadline(1)->latency_us();
  EXPECT_GE(budget, 70'000);
  EXPECT_LE(budget, 100'000);
  EXPECT_GT(shown_in_second_half, 300);
  EXPECT_LE(late_in_second_half, shown_in_second_half / 50);
}

TEST(Timeline, SurvivesDisorderlyInput) {
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<std::int64_t> ts_d(-2'000'000, 4'000'000);
  std::uniform_int_distribution<std::int64_t> delay_d(-100'000, 900'000);
  std::uniform_int_distribution<int> what(0, 9);
  Timeline tl;
  LinearEngine engine;
  ASSERT_TRUE(tl.add_video_track(1, video(LatePolicy::kConjecture), engine).ok());
  TrackConfig stall = video(LatePolicy::kStall);
  ASSERT_TRUE(tl.add_track(2, stall).ok());
  TrackConfig data;
  data.kind = TrackKind::kData;
  data.frame_interval_us = 50'000;
  data.fields = {{"x"}, {"s", FieldKind::kStep}};
  ASSERT_TRUE(tl.add_track(3, data).ok());
  std::int64_t t = -3'000'000;
  for (int step = 0; step < 3000; ++step) {
    const int w = what(rng);
    const std::uint64_t track = 1 + static_cast<std::uint64_t>(step % 3);
    if (w < 6) {
      const std::int64_t ts = ts_d(rng);
      Payload p = track == 3 ? Payload{std::vector<double>{static_cast<double>(ts) / 1e5, 1.0}} : Payload{scene(step)};
      (void)tl.push_object(track, static_cast<std::uint64_t>(step), ts, ts + delay_d(rng), std::move(p));
    } else {
      t += std::uniform_int_distribution<std::int64_t>(-5'000, 60'000)(rng);
      auto out = tl.display_at(track, t);
      ASSERT_TRUE(out.ok());
      if (out->frame) {
        EXPECT_EQ(out->frame->width, 64);
      }
    }
  }
  for (std::size_t i = 1; i < engine.pushed.size(); ++i) EXPECT_GT(engine.pushed[i], engine.pushed[i - 1]);
  (void)tl.take_events();
}

}  // namespace
}  // namespace kinetic::mock

namespace kinetic::mock {
namespace {

// Real footage (the vtest.avi pedestrians, decoded by the ffmpeg CLI at test time) through
// the CPU engine: every sixth frame is late, and each is reconciled against what stood in for
// it. Prints the PSNR of conjectures against that of freezes.
std::vector<Frame> load_vtest(int frames, int w, int h) {
  const std::string out = std::string(KINETIC_BINARY_DIR) + "/mock_timeline_test_vtest.yuv";
  const std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel quiet -y -i \"" + std::string(KINETIC_SHARED_DIR) +
                          "/media/vtest.avi\" -frames:v " + std::to_string(frames) + " -vf scale=" + std::to_string(w) +
                          ":" + std::to_string(h) + " -pix_fmt yuv420p -f rawvideo \"" + out + "\"";
  std::vector<Frame> result;
  if (std::system("command -v ffmpeg >/dev/null 2>&1") != 0 || std::system(cmd.c_str()) != 0) return result;
  std::FILE* f = std::fopen(out.c_str(), "rb");
  if (f == nullptr) return result;
  for (int i = 0; i < frames; ++i) {
    Frame fr(w, h);
    if (std::fread(fr.y.data(), 1, fr.y.size(), f) != fr.y.size() || std::fread(fr.u.data(), 1, fr.u.size(), f) != fr.u.size() ||
        std::fread(fr.v.data(), 1, fr.v.size(), f) != fr.v.size())
      break;
    result.push_back(std::move(fr));
  }
  std::fclose(f);
  return result;
}

TEST(Timeline, RealFootageThroughTheCpuEngine) {
  constexpr int kFrames = 60;
  const auto frames = load_vtest(kFrames, 384, 288);
  if (frames.size() != static_cast<std::size_t>(kFrames)) GTEST_SKIP() << "ffmpeg or vtest.avi not available";
  constexpr std::int64_t kTen = 100'000;  // vtest is 10 fps
  auto run = [&](LatePolicy policy, VideoConjecturer* engine) {
    TrackConfig cfg;
    cfg.kind = TrackKind::kVideo;
    cfg.frame_interval_us = kTen;
    cfg.late_policy = policy;
    cfg.deadline.latency_us = 150'000;
    Timeline tl;
    EXPECT_TRUE((engine != nullptr ? tl.add_video_track(1, cfg, *engine) : tl.add_track(1, cfg)).ok());
    for (int i = 0; i < kFrames; ++i) {
      const std::int64_t ts = i * kTen;
      const std::int64_t arrival = (i % 6 == 5) ? ts + 400'000 : ts + 50'000;
      EXPECT_TRUE(tl.push_object(1, static_cast<std::uint64_t>(i), ts, arrival, frames[static_cast<std::size_t>(i)]).ok());
    }
    for (std::int64_t t = 0; t < kFrames * kTen + 500'000; t += kTen / 2) EXPECT_TRUE(tl.display_at(1, t).ok());
    return tl.take_events();
  };
  auto engine = make_cpu_video_conjecturer();
  const auto mock = run(LatePolicy::kConjecture, engine.get());
  const auto freeze = run(LatePolicy::kFreeze, nullptr);
  ASSERT_EQ(mock.size(), 10U);
  ASSERT_EQ(freeze.size(), 10U);
  double mock_psnr = 0, freeze_psnr = 0, mock_ssim = 0, freeze_ssim = 0;
  for (std::size_t i = 0; i < mock.size(); ++i) {
    EXPECT_EQ(mock[i].object_id, freeze[i].object_id);
    EXPECT_GT(mock[i].psnr_db, 15.0);
    EXPECT_GT(mock[i].ssim, 0.3);
    EXPECT_LE(mock[i].ssim, 1.0);
    mock_psnr += mock[i].psnr_db / 10.0;
    freeze_psnr += freeze[i].psnr_db / 10.0;
    mock_ssim += mock[i].ssim / 10.0;
    freeze_ssim += freeze[i].ssim / 10.0;
  }
  std::printf("vtest 384x288, 10 late frames: conjecture %.2f dB / SSIM %.4f, freeze %.2f dB / SSIM %.4f\n", mock_psnr,
              mock_ssim, freeze_psnr, freeze_ssim);
}

}  // namespace
}  // namespace kinetic::mock
