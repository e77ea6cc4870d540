#include "kinetic/mock/players.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "kinetic/mock/impairment.hpp"
#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

constexpr std::int64_t kInterval = 100'000;  // 10 fps

// Records what it is fed and predicts a recognisable picture: luma = newest real luma + k.
class RecordingEngine final : public VideoConjecturer {
 public:
  void push_real(const Frame& frame) override {
    pushed.push_back(frame.y[0]);
    last = frame;
  }
  Conjecture predict(int k) override {
    ++predictions;
    Conjecture c;
    c.frame = last;
    for (auto& p : c.frame.y) p = static_cast<std::uint8_t>(p + k);
    c.confidence = 0.9f;
    return c;
  }
  void reset() override { pushed.clear(); }
  [[nodiscard]] std::string_view backend() const override { return "test"; }

  std::vector<std::uint8_t> pushed;  // luma of each pushed frame = its index
  Frame last;
  int predictions = 0;
};

struct Clip {
  std::vector<Frame> frames;
  std::vector<std::int64_t> capture;
  std::vector<std::int64_t> arrival;

  explicit Clip(int n, std::int64_t delay_us = 5'000) {
    for (int i = 0; i < n; ++i) {
      Frame f(16, 16);
      std::fill(f.y.begin(), f.y.end(), static_cast<std::uint8_t>(i * 10));
      std::fill(f.u.begin(), f.u.end(), std::uint8_t{128});
      std::fill(f.v.begin(), f.v.end(), std::uint8_t{128});
      f.pts_us = i * kInterval;
      frames.push_back(f);
      capture.push_back(i * kInterval);
      arrival.push_back(i * kInterval + delay_us);
    }
  }
  PlayerInput input(std::int64_t budget_us) const { return PlayerInput{frames, capture, arrival, budget_us}; }
};

std::vector<ShownFrame> play_all(Player& p, std::size_t n) {
  std::vector<ShownFrame> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = p.show_next();
    EXPECT_TRUE(s.ok());
    if (!s.ok()) break;
    out.push_back(*s);
  }
  return out;
}

TEST(Players, OnACleanTraceAllThreeShowTheRealFramesOnTime) {
  Clip clip(20);
  RecordingEngine engine;
  auto in = clip.input(50'000);
  auto jb = make_jitter_buffer_player(in);
  auto ff = make_freeze_frame_player(in);
  auto mk = make_mock_player(in, engine);
  ASSERT_TRUE(jb.ok() && ff.ok() && mk.ok());
  for (Player* p : {jb->get(), ff->get(), mk->get()}) {
    auto shown = play_all(*p, 20);
    ASSERT_EQ(shown.size(), 20u);
    for (std::size_t i = 0; i < shown.size(); ++i) {
      EXPECT_EQ(shown[i].kind, ShownKind::kReal) << player_name(p->kind());
      EXPECT_EQ(shown[i].picture, &clip.frames[i]);
      EXPECT_EQ(shown[i].stall_us, 0);
      EXPECT_EQ(shown[i].latency_us, 50'000);
    }
    EXPECT_FALSE(p->show_next().ok());  // past the end
  }
  EXPECT_EQ(engine.predictions, 0);
}

TEST(Players, JitterBufferWaitsAndTheWaitShiftsTheTimeline) {
  Clip clip(6);
  clip.arrival[2] = 2 * kInterval + 80'000;  // 30 ms past its 50 ms deadline
  auto jb = make_jitter_buffer_player(clip.input(50'000));
  ASSERT_TRUE(jb.ok());
  auto shown = play_all(**jb, 6);
  EXPECT_EQ(shown[1].stall_us, 0);
  EXPECT_EQ(shown[2].stall_us, 30'000);
  EXPECT_EQ(shown[2].display_us, clip.arrival[2]);
  EXPECT_EQ(shown[2].kind, ShownKind::kReal);
  for (std::size_t i = 3; i < 6; ++i) {
    EXPECT_EQ(shown[i].stall_us, 0);
    EXPECT_EQ(shown[i].latency_us, 80'000);  // the budget plus the wait, for ever after
    EXPECT_EQ(shown[i].picture, &clip.frames[i]);
  }
}

TEST(Players, JitterBufferGivesUpOnAFrameThatNeverComes) {
  Clip clip(4);
  clip.arrival[1] = kNeverArrives;
  PlayerConfig config;
  config.give_up_us = 300'000;
  auto jb = make_jitter_buffer_player(clip.input(50'000), config);
  ASSERT_TRUE(jb.ok());
  auto shown = play_all(**jb, 4);
  EXPECT_EQ(shown[1].kind, ShownKind::kRepeat);
  EXPECT_EQ(shown[1].real_index, 0);
  EXPECT_EQ(shown[1].stall_us, 300'000);
  EXPECT_EQ(shown[3].latency_us, 350'000);
}

TEST(Players, FreezeFrameNeverWaitsAndRepeatsTheNewestRealFrame) {
  Clip clip(6);
  clip.arrival[2] = 2 * kInterval + 120'000;  // misses its slot, here before slot 3's
  clip.arrival[3] = 3 * kInterval + 400'000;  // misses slots 3 and 4
  clip.arrival[4] = 3 * kInterval + 400'000;
  auto ff = make_freeze_frame_player(clip.input(50'000));
  ASSERT_TRUE(ff.ok());
  auto shown = play_all(**ff, 6);
  for (const auto& s : shown) {
    EXPECT_EQ(s.stall_us, 0);
    EXPECT_EQ(s.latency_us, 50'000);
  }
  EXPECT_EQ(shown[2].kind, ShownKind::kRepeat);
  EXPECT_EQ(shown[2].real_index, 1);
  EXPECT_EQ(shown[3].kind, ShownKind::kRepeat);
  EXPECT_EQ(shown[3].real_index, 2);  // frame 2 came late, but it is newer than frame 1
  EXPECT_EQ(shown[4].real_index, 2);
  EXPECT_EQ(shown[5].kind, ShownKind::kReal);
}

TEST(Players, BlankBeforeTheFirstRealFrame) {
  Clip clip(3);
  clip.arrival[0] = 200'000;
  auto ff = make_freeze_frame_player(clip.input(50'000));
  ASSERT_TRUE(ff.ok());
  auto s = (*ff)->show_next();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, ShownKind::kBlank);
  ASSERT_NE(s->picture, nullptr);
  EXPECT_EQ(s->picture->y[0], 0);
  EXPECT_EQ(s->picture->u[0], 128);
}

TEST(Players, MockConjecturesFromRealFramesOnlyAndReconciles) {
  Clip clip(8);
  clip.arrival[3] = 3 * kInterval + 160'000;  // misses slots 3 and 4 (HOL holds 4 too)
  clip.arrival[4] = 3 * kInterval + 160'000;
  RecordingEngine engine;
  auto mk = make_mock_player(clip.input(50'000), engine);
  ASSERT_TRUE(mk.ok());
  std::vector<ShownFrame> shown;
  std::vector<int> luma;  // read at once: a conjecture's picture lives until the next slot
  for (int i = 0; i < 8; ++i) {
    auto s = (*mk)->show_next();
    ASSERT_TRUE(s.ok());
    shown.push_back(*s);
    luma.push_back(s->picture->y[0]);
  }
  EXPECT_EQ(shown[3].kind, ShownKind::kConjecture);
  EXPECT_EQ(shown[3].conjecture_k, 1);
  EXPECT_EQ(luma[3], 2 * 10 + 1);
  EXPECT_EQ(shown[4].kind, ShownKind::kConjecture);
  EXPECT_EQ(shown[4].conjecture_k, 2);
  EXPECT_EQ(luma[4], 2 * 10 + 2);
  EXPECT_GE(shown[4].predict_wall_ms, 0.0);
  EXPECT_EQ(shown[5].kind, ShownKind::kReal);
  for (const auto& s : shown) {
    EXPECT_EQ(s.latency_us, 50'000);
    EXPECT_EQ(s.stall_us, 0);
  }
  // Every real frame once, in order, and nothing else.
  EXPECT_EQ(engine.pushed, (std::vector<std::uint8_t>{0, 10, 20, 30, 40, 50, 60, 70}));
  EXPECT_EQ(engine.predictions, 2);
  EXPECT_EQ((*mk)->pushes(), 8u);
  // Both conjectures were reconciled once their real frames came.
  auto events = (*mk)->reconciliations();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].object_id, 3u);
  EXPECT_EQ(events[1].object_id, 4u);
  EXPECT_LT(events[0].psnr_db, kPsnrCapDb);
  EXPECT_GT(events[0].psnr_db, 20.0);  // luma off by 9 levels everywhere: about 29 dB on luma
}

TEST(Players, MockFreezesBeyondItsFarthestConjecture) {
  Clip clip(8);
  for (std::size_t i = 2; i < 8; ++i) clip.arrival[i] = 2'000'000;
  RecordingEngine engine;
  PlayerConfig config;
  config.max_conjecture_k = 3;
  auto mk = make_mock_player(clip.input(50'000), engine, config);
  ASSERT_TRUE(mk.ok());
  auto shown = play_all(**mk, 8);
  for (std::size_t i = 2; i < 5; ++i) EXPECT_EQ(shown[i].kind, ShownKind::kConjecture) << i;
  for (std::size_t i = 5; i < 8; ++i) {
    EXPECT_EQ(shown[i].kind, ShownKind::kRepeat) << i;
    EXPECT_EQ(shown[i].real_index, 1);
  }
  EXPECT_EQ(engine.predictions, 3);
}

TEST(Players, MockAlwaysOneFrameShortKeepsConjecturingOneAhead) {
  // Every frame lands 20 ms after its slot (budget below the path delay) but before the next.
  Clip clip(30, 70'000);
  RecordingEngine engine;
  auto mk = make_mock_player(clip.input(50'000), engine);
  ASSERT_TRUE(mk.ok());
  auto shown = play_all(**mk, 30);
  EXPECT_EQ(shown[0].kind, ShownKind::kBlank);
  for (std::size_t i = 1; i < 30; ++i) {
    EXPECT_EQ(shown[i].kind, ShownKind::kConjecture) << i;
    EXPECT_EQ(shown[i].conjecture_k, 1) << i;
  }
}

TEST(Players, MockStopsConjecturingWhenTheReconcilerLosesConfidence) {
  // An engine whose pictures are far off: reconciliation drives the confidence down.
  class WildEngine final : public VideoConjecturer {
   public:
    void push_real(const Frame& frame) override { last = frame; }
    Conjecture predict(int) override {
      Conjecture c;
      c.frame = last;
      for (auto* plane : {&c.frame.y, &c.frame.u, &c.frame.v}) {
        for (auto& p : *plane) p = static_cast<std::uint8_t>(255 - p / 2);
      }
      return c;
    }
    void reset() override {}
    [[nodiscard]] std::string_view backend() const override { return "test"; }
    Frame last;
  } engine;
  Clip clip(40);
  for (std::size_t i = 1; i < 40; i += 2) clip.arrival[i] = clip.capture[i] + 120'000;  // every other frame late
  auto mk = make_mock_player(clip.input(50'000), engine);
  ASSERT_TRUE(mk.ok());
  auto shown = play_all(**mk, 40);
  int conjectured_late = 0;
  int frozen_late = 0;
  for (std::size_t i = 21; i < 40; i += 2) {
    conjectured_late += shown[i].kind == ShownKind::kConjecture ? 1 : 0;
    frozen_late += shown[i].kind == ShownKind::kRepeat ? 1 : 0;
  }
  EXPECT_EQ(shown[1].kind, ShownKind::kConjecture);
  // Distrust sets in: most late slots freeze, and the occasional retry keeps failing.
  EXPECT_GT(frozen_late, conjectured_late);
  EXPECT_EQ(conjectured_late + frozen_late, 10);
  EXPECT_LT((*mk)->reconciliations().back().confidence_after, 0.5);
}

TEST(Players, BadInputIsAnError) {
  Clip clip(3);
  RecordingEngine engine;
  auto in = clip.input(50'000);
  in.arrival_us = std::span<const std::int64_t>(clip.arrival).first(2);
  EXPECT_FALSE(make_freeze_frame_player(in).ok());
  EXPECT_FALSE(make_mock_player(in, engine).ok());
  EXPECT_FALSE(make_jitter_buffer_player(clip.input(-1)).ok());
  PlayerInput empty;
  EXPECT_FALSE(make_jitter_buffer_player(empty).ok());
  clip.frames[1] = Frame(8, 8);
  EXPECT_FALSE(make_freeze_frame_player(clip.input(50'000)).ok());
}

TEST(Players, Names) {
  EXPECT_EQ(player_name(PlayerKind::kMock), "mock");
  EXPECT_EQ(player_name(PlayerKind::kJitterBuffer), "jitter-buffer");
  EXPECT_EQ(shown_name(ShownKind::kConjecture), "conjecture");
}

}  // namespace
}  // namespace kinetic::mock
