#include "kinetic/mock/reconciler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

Frame flat(std::uint8_t luma) {
  Frame f(32, 32);
  std::fill(f.y.begin(), f.y.end(), luma);
  std::fill(f.u.begin(), f.u.end(), 128);
  std::fill(f.v.begin(), f.v.end(), 128);
  return f;
}

TEST(Reconciler, VideoEventCarriesPsnrSsimAndScore) {
  Reconciler r;
  const Frame real = flat(100);
  auto perfect = r.reconcile_video(1, 7, 1000, 2000, Substitute::kConjecture, real, real);
  ASSERT_TRUE(perfect.ok());
  EXPECT_EQ(perfect->object_id, 7U);
  EXPECT_EQ(perfect->timestamp_us, 1000);
  EXPECT_EQ(perfect->arrival_us, 2000);
  EXPECT_EQ(perfect->psnr_db, kPsnrCapDb);
  EXPECT_DOUBLE_EQ(perfect->ssim, 1.0);
  EXPECT_DOUBLE_EQ(perfect->score, 1.0);
  EXPECT_DOUBLE_EQ(perfect->confidence_after, 1.0);

  // Luma off by 16 everywhere, chroma exact: MSE (6·256)/8 = 192.
  auto off = r.reconcile_video(1, 8, 2000, 3000, Substitute::kConjecture, flat(116), real);
  ASSERT_TRUE(off.ok());
  const double psnr = 10.0 * std::log10(255.0 * 255.0 / 192.0);
  EXPECT_NEAR(off->psnr_db, psnr, 1e-9);
  const ReconcilerConfig c;
  const double score = (psnr - c.psnr_bad_db) / (c.psnr_good_db - c.psnr_bad_db);
  EXPECT_NEAR(off->score, score, 1e-9);
  EXPECT_NEAR(off->confidence_after, 1.0 + c.alpha * (score - 1.0), 1e-12);
  EXPECT_EQ(r.reconciled(1), 2U);
}

TEST(Reconciler, ConfidenceIsAnEwmaAndGatesConjecture) {
  ReconcilerConfig c;
  c.alpha = 0.5;
  c.min_confidence = 0.3;
  c.recovery_per_freeze = 0.1;
  Reconciler r(c);
  EXPECT_TRUE(r.should_conjecture(4));
  const Frame real = flat(20);
  const Frame wrong = flat(230);  // PSNR ≈ 3 dB: score 0
  double expected = 1.0;
  for (int i = 0; i < 3; ++i) {
    auto e = r.reconcile_video(4, static_cast<std::uint64_t>(i), i, i, Substitute::kConjecture, wrong, real);
    ASSERT_TRUE(e.ok());
    EXPECT_DOUBLE_EQ(e->score, 0.0);
    expected *= 0.5;
    EXPECT_DOUBLE_EQ(r.confidence(4), expected);
  }
  EXPECT_FALSE(r.should_conjecture(4));
  EXPECT_TRUE(r.should_conjecture(5));  // other tracks unaffected
  // Freezes do not count as conjectures but let the track be tried again eventually.
  int freezes = 0;
  while (!r.should_conjecture(4) && freezes < 100) {
    ASSERT_TRUE(r.reconcile_video(4, 99, 0, 0, Substitute::kFreeze, wrong, real).ok());
    ++freezes;
  }
  EXPECT_GT(freezes, 1);
  EXPECT_LT(freezes, 10);
  EXPECT_EQ(r.reconciled(4), 3U);
}

TEST(Reconciler, AudioAndDataScores) {
  Reconciler r;
  std::vector<std::int16_t> real(960), shown(960);
  for (std::size_t i = 0; i < real.size(); ++i) {
    real[i] = static_cast<std::int16_t>((i % 2) != 0U ? 1000 : -1000);
    shown[i] = static_cast<std::int16_t>(real[i] * 9 / 10);
  }
  auto a = r.reconcile_audio(2, 1, 0, 0, Substitute::kConjecture, shown, real);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, TrackKind::kAudio);
  EXPECT_NEAR(a->snr_db, 20.0, 1e-9);
  EXPECT_DOUBLE_EQ(a->score, 1.0);  // above snr_good_db
  EXPECT_FALSE(r.reconcile_audio(2, 1, 0, 0, Substitute::kConjecture, shown, std::vector<std::int16_t>(10)).ok());

  const std::vector<double> errors{0.5, 1.5};
  auto d = r.reconcile_data(3, 1, 0, 0, Substitute::kConjecture, errors);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, TrackKind::kData);
  EXPECT_DOUBLE_EQ(d->abs_error, 1.0);
  EXPECT_NEAR(d->score, std::exp(-1.0), 1e-12);
  EXPECT_NEAR(r.mean_metric(3), 1.0, 1e-12);
  EXPECT_FALSE(r.reconcile_data(3, 1, 0, 0, Substitute::kConjecture, {}).ok());
  const std::vector<double> bad{NAN};
  EXPECT_FALSE(r.reconcile_data(3, 1, 0, 0, Substitute::kConjecture, bad).ok());
}

TEST(Reconciler, MismatchedFramesAreErrors) {
  Reconciler r;
  EXPECT_FALSE(r.reconcile_video(1, 0, 0, 0, Substitute::kConjecture, flat(1), Frame(16, 16)).ok());
  EXPECT_EQ(r.reconciled(1), 0U);
}

}  // namespace
}  // namespace kinetic::mock
