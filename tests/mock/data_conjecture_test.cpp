#include "kinetic/mock/data_conjecture.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace kinetic::mock {
namespace {

std::vector<FieldSpec> telemetry() {
  return {
      {"x", FieldKind::kKinematic, 1, 1.0, 1e-4, 0.0},
      {"y", FieldKind::kKinematic, 2, 1.0, 1e-4, 0.0},
      {"heading", FieldKind::kKinematic, 1, 1.0, 1e-4, 360.0},
      {"score", FieldKind::kStep, 1, 1.0, 1e-4, 0.0},
  };
}

std::int64_t us(double s) { return static_cast<std::int64_t>(std::llround(s * 1e6)); }

TEST(DataConjecture, RejectsBadConfigurationAndSamples) {
  EXPECT_FALSE(DataConjecturer::create({}).ok());
  EXPECT_FALSE(DataConjecturer::create({{"x", FieldKind::kKinematic, 3}}).ok());
  EXPECT_FALSE(DataConjecturer::create({{"x", FieldKind::kKinematic, 1, 1.0, 0.0}}).ok());
  auto d = DataConjecturer::create(telemetry());
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->push_real({0, {1.0, 2.0}}).ok());
  EXPECT_FALSE(d->push_real({0, {1.0, 2.0, NAN, 0.0}}).ok());
  EXPECT_TRUE(d->estimate_at(0).empty());
  EXPECT_TRUE(d->display_at(0).empty());
}

TEST(DataConjecture, ExtrapolatesEachKindOfField) {
  auto d = DataConjecturer::create(telemetry());
  ASSERT_TRUE(d.ok());
  // x = 2 + 3t, y = 1 + t + 2t², heading turns at 40°/s through 360, score steps.
  auto truth = [](double t) {
    return std::vector<double>{2 + 3 * t, 1 + t + 2 * t * t, std::fmod(340.0 + 40.0 * t, 360.0), std::floor(t)};
  };
  for (int i = 0; i <= 20; ++i) {
    const double t = i * 0.1;
    auto c = d->push_real({us(t), truth(t)});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->had_conjecture, i > 0);
  }
  const auto est = d->estimate_at(us(2.5));
  ASSERT_EQ(est.size(), 4U);
  const auto real = truth(2.5);
  EXPECT_NEAR(est[0], real[0], 1e-2);
  EXPECT_NEAR(est[1], real[1], 5e-2);
  EXPECT_NEAR(est[2], real[2], 0.2);
  EXPECT_GE(est[2], 0.0);
  EXPECT_LT(est[2], 360.0);
  EXPECT_EQ(est[3], 2.0);  // held, not extrapolated
  EXPECT_LT(d->mean_abs_error()[0], 0.5);
}

TEST(DataConjecture, LateUpdateRollsBackToExactlyTheInOrderState) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::vector<DataSample> samples;
  for (int i = 0; i < 40; ++i) {
    const double t = i * 0.1;
    samples.push_back({us(t), {10 * std::sin(t) + noise(rng), t * t + noise(rng), std::fmod(350 + 30 * t, 360.0), static_cast<double>(i / 7)}});
  }
  auto in_order = DataConjecturer::create(telemetry());
  auto late = DataConjecturer::create(telemetry());
  ASSERT_TRUE(in_order.ok() && late.ok());
  for (const auto& s : samples) ASSERT_TRUE(in_order->push_real(s).ok());
  // Sample 20 and 21 are held back and delivered after sample 26, in reverse order.
  for (int i = 0; i < 40; ++i) {
    if (i == 20 || i == 21) continue;
    ASSERT_TRUE(late->push_real(samples[i]).ok());
    if (i == 26) {
      auto c21 = late->push_real(samples[21]);
      ASSERT_TRUE(c21.ok());
      EXPECT_TRUE(c21->late);
      auto c20 = late->push_real(samples[20]);
      ASSERT_TRUE(c20.ok());
      EXPECT_TRUE(c20->late);
    }
  }
  EXPECT_EQ(late->rollbacks(), 2U);
  ASSERT_EQ(late->state().size(), in_order->state().size());
  for (std::size_t f = 0; f < late->state().size(); ++f) {
    const auto& a = late->state()[f];
    const auto& b = in_order->state()[f];
    EXPECT_EQ(std::memcmp(a.x, b.x, sizeof a.x), 0) << f;
    EXPECT_EQ(std::memcmp(a.p, b.p, sizeof a.p), 0) << f;
    EXPECT_EQ(a.t_us, b.t_us);
  }
  EXPECT_EQ(late->estimate_at(us(4.2)), in_order->estimate_at(us(4.2)));
}

TEST(DataConjecture, CorrectionIsBlendedWithoutAJump) {
  DataConjectureConfig cfg;
  cfg.blend_frames = 8;
  auto d = DataConjecturer::create({{"x", FieldKind::kKinematic, 1, 50.0, 1e-4, 0.0}}, cfg);
  ASSERT_TRUE(d.ok());
  // Moves at +10 units/s, reverses to −10 at t = 2 s. Updates every 100 ms; those after
  // 2 s are delayed until 2.4 s, so the display extrapolates the old direction meanwhile.
  auto x = [](double t) { return t < 2.0 ? 10 * t : 20 - 10 * (t - 2.0); };
  const double frame = 1.0 / 30.0;
  int next_update = 0;
  double previous = 0.0;
  bool have_previous = false;
  double max_step = 0.0;
  double raw_jump = 0.0;
  int frames_since_correction = -1;
  for (int f = 0; f < 90; ++f) {
    const double t = f * frame;
    // Deliver every update whose (possibly delayed) arrival is due.
    while (next_update * 0.1 <= t + 1e-9) {
      const double ts = next_update * 0.1;
      const double arrival = ts > 2.0 && ts <= 2.4 ? 2.4 : ts;
      if (arrival > t + 1e-9) break;
      if (ts > 2.4) break;  // after the correction no more updates: watch the blend settle
      const double before = d->estimate_at(us(t)).empty() ? 0.0 : d->estimate_at(us(t))[0];
      ASSERT_TRUE(d->push_real({us(ts), {x(ts)}}).ok());
      if (arrival == 2.4 && ts > 2.0) {
        raw_jump = std::max(raw_jump, std::fabs(d->estimate_at(us(t))[0] - before));
        frames_since_correction = 0;
      }
      ++next_update;
    }
    const auto shown = d->display_at(us(t));
    ASSERT_EQ(shown.size(), 1U);
    if (have_previous) max_step = std::max(max_step, std::fabs(shown[0] - previous));
    previous = shown[0];
    have_previous = true;
    if (frames_since_correction >= 0) {
      if (frames_since_correction >= cfg.blend_frames) {
        EXPECT_DOUBLE_EQ(shown[0], d->estimate_at(us(t))[0]) << "frame " << frames_since_correction;
      }
      ++frames_since_correction;
    }
  }
  ASSERT_GT(frames_since_correction, cfg.blend_frames);
  // The model itself jumped by several units; the picture moved at most about an eighth of
  // that per frame plus its own motion.
  EXPECT_GT(raw_jump, 4.0);
  EXPECT_LT(max_step, raw_jump / cfg.blend_frames + 1.5);
}

TEST(DataConjecture, HistoryBoundsRollback) {
  DataConjectureConfig cfg;
  cfg.history = 4;
  auto d = DataConjecturer::create({{"x"}}, cfg);
  ASSERT_TRUE(d.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(d->push_real({i * 100'000, {static_cast<double>(i)}}).ok());
  auto old = d->push_real({150'000, {1.5}});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, kinetic::Errc::kLimitExceeded);
  EXPECT_TRUE(d->push_real({850'000, {8.5}}).ok());
}

}  // namespace
}  // namespace kinetic::mock
