#include "kinetic/mock/fwsnrseg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

constexpr int kRate = 48000;

// Pink-ish noise: white noise through a one-pole low-pass, from a seeded generator.
std::vector<std::int16_t> coloured_noise(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> white(0.0, 3000.0);
  std::vector<std::int16_t> out(n);
  double y = 0.0;
  for (auto& v : out) {
    y = 0.9 * y + white(rng);
    v = static_cast<std::int16_t>(std::clamp(y, -32768.0, 32767.0));
  }
  return out;
}

std::vector<double> scored(const std::vector<std::optional<double>>& s) {
  std::vector<double> out;
  for (const auto& v : s)
    if (v) out.push_back(*v);
  return out;
}

TEST(FwSnrSeg, FramesBandsAndBadInput) {
  auto m = FwSnrSeg::create(kRate);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->frame_length(), 1440u);
  EXPECT_EQ(m->hop(), 360u);
  // One band per Bark up to 20 kHz: about 24.
  EXPECT_GE(m->bands(), 23u);
  EXPECT_LE(m->bands(), 25u);
  EXPECT_FALSE(FwSnrSeg::create(1000).ok());
  const auto a = coloured_noise(1, 4800);
  EXPECT_FALSE(m->frames(a, std::vector<std::int16_t>(4799)).ok());
  auto s = m->frames(a, a);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), (4800u - 1440u) / 360u + 1u);
}

TEST(FwSnrSeg, IdenticalIsTheCapSilenceIsZeroHalfIsSixDb) {
  auto m = FwSnrSeg::create(kRate);
  ASSERT_TRUE(m.ok());
  const auto ref = coloured_noise(2, kRate);
  std::vector<std::int16_t> half(ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) half[i] = static_cast<std::int16_t>(ref[i] / 2);
  for (double v : scored(*m->frames(ref, ref))) EXPECT_DOUBLE_EQ(v, kFwSnrSegMaxDb);
  for (double v : scored(*m->frames(ref, std::vector<std::int16_t>(ref.size(), 0)))) EXPECT_NEAR(v, 0.0, 1e-9);
  // Every band keeps half its magnitude: 10·log10(1 / 0.5²) = 6.02 dB, up to int16 rounding.
  for (double v : scored(*m->frames(ref, half))) EXPECT_NEAR(v, 6.02, 0.05);
}

TEST(FwSnrSeg, SameSpectrumOtherPhaseBeatsSilenceWhereSnrDoesNot) {
  // The case the measure exists for: another draw of the same noise is, to a listener, the
  // same sound; waveform SNR scores it 3 dB below silence.
  auto m = FwSnrSeg::create(kRate);
  ASSERT_TRUE(m.ok());
  const auto ref = coloured_noise(3, kRate);
  const auto other = coloured_noise(4, kRate);
  auto snr = snr_db(ref, other);
  ASSERT_TRUE(snr.ok());
  EXPECT_LT(*snr, -2.0);
  const auto scores = scored(*m->frames(ref, other));
  ASSERT_FALSE(scores.empty());
  double mean = 0.0;
  for (double v : scores) mean += v / static_cast<double>(scores.size());
  EXPECT_GT(mean, 3.0);
  // White noise where the reference is low-passed is the wrong spectrum: worse than the match.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> white(0.0, 9000.0);
  std::vector<std::int16_t> hiss(ref.size());
  for (auto& v : hiss) v = static_cast<std::int16_t>(std::clamp(white(rng), -32768.0, 32767.0));
  double hiss_mean = 0.0;
  const auto hs = scored(*m->frames(ref, hiss));
  for (double v : hs) hiss_mean += v / static_cast<double>(hs.size());
  EXPECT_LT(hiss_mean, mean - 3.0);
}

TEST(FwSnrSeg, SilentReferenceFramesAreNotScoredAndTheMeanSelectsByFrameCentre) {
  auto m = FwSnrSeg::create(kRate);
  ASSERT_TRUE(m.ok());
  auto ref = coloured_noise(6, kRate);
  std::fill(ref.begin(), ref.begin() + kRate / 2, std::int16_t{0});
  const std::vector<std::int16_t> silent(ref.size(), 0);
  auto s = m->frames(ref, silent);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)[0].has_value());
  EXPECT_TRUE(s->back().has_value());
  // Half-scale in the second half only: the mean over the second half is the half-scale score.
  std::vector<std::int16_t> test = ref;
  for (std::size_t i = kRate / 2; i < test.size(); ++i) test[i] = static_cast<std::int16_t>(test[i] / 2);
  auto t = m->frames(ref, test);
  ASSERT_TRUE(t.ok());
  std::vector<std::uint8_t> late(ref.size(), 0);
  std::fill(late.begin() + kRate / 2 + static_cast<std::ptrdiff_t>(m->frame_length()), late.end(), std::uint8_t{1});
  const auto mean = mean_fwsnrseg(*t, m->frame_length(), m->hop(), late);
  ASSERT_TRUE(mean.has_value());
  EXPECT_NEAR(*mean, 6.02, 0.05);
  EXPECT_FALSE(mean_fwsnrseg(*t, m->frame_length(), m->hop(), std::vector<std::uint8_t>(ref.size(), 0)).has_value());
}

}  // namespace
}  // namespace kinetic::mock
