#include "kinetic/mock/impairment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kinetic::mock {
namespace {

std::vector<std::int64_t> sends(std::size_t n, std::int64_t interval_us = 40'000) {
  std::vector<std::int64_t> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<std::int64_t>(i) * interval_us;
  return s;
}

TEST(Impairment, PresetsExistAndDescribeThemselves) {
  for (auto name : impairment_preset_names()) {
    auto p = impairment_preset(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(p->name, name);
    EXPECT_NE(p->describe().find(std::string(name)), std::string::npos);
    EXPECT_NE(p->describe().find("RTO"), std::string::npos);
  }
  EXPECT_FALSE(impairment_preset("moon").ok());
  EXPECT_FALSE(impairment_preset("clean")->impaired());
  EXPECT_TRUE(impairment_preset("wifi")->impaired());
  EXPECT_TRUE(impairment_preset("congested")->impaired());
}

TEST(Impairment, CleanTraceIsAConstantDelay) {
  auto p = impairment_preset("clean");
  auto a = make_arrivals(*p, 1, sends(500), 10);
  ASSERT_TRUE(a.ok());
  for (const auto& o : *a) {
    EXPECT_EQ(o.arrival_us - o.send_us, 5000);
    EXPECT_EQ(o.transmissions, 1);
    EXPECT_FALSE(o.head_of_line);
  }
}

TEST(Impairment, SameSeedSameTraceOtherSeedOtherTrace) {
  auto p = impairment_preset("lte");
  auto a = make_arrivals(*p, 42, sends(300), 24);
  auto b = make_arrivals(*p, 42, sends(300), 24);
  auto c = make_arrivals(*p, 43, sends(300), 24);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  bool differs = false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].arrival_us, (*b)[i].arrival_us);
    differs = differs || (*a)[i].arrival_us != (*c)[i].arrival_us;
  }
  EXPECT_TRUE(differs);
}

TEST(Impairment, GammaJitterHasTheConfiguredMean) {
  ImpairmentParams p;
  p.base_delay_ms = 10;
  p.jitter = JitterShape::kGamma;
  p.gamma_shape = 2.0;
  p.gamma_scale_ms = 5.0;
  auto a = make_arrivals(p, 7, sends(20000), 1);
  ASSERT_TRUE(a.ok());
  double sum = 0;
  std::int64_t min_delay = INT64_MAX;
  for (const auto& o : *a) {
    sum += static_cast<double>(o.arrival_us - o.send_us);
    min_delay = std::min(min_delay, o.arrival_us - o.send_us);
  }
  EXPECT_NEAR(sum / 20000.0 / 1000.0, 20.0, 0.3);  // base 10 + k*theta 10
  EXPECT_GE(min_delay, 10'000);                   // shifted: never earlier than the base
}

TEST(Impairment, SmallGammaShapeStillHasTheRightMean) {
  ImpairmentParams p;
  p.jitter = JitterShape::kGamma;
  p.gamma_shape = 0.5;
  p.gamma_scale_ms = 8.0;
  auto a = make_arrivals(p, 3, sends(20000), 1);
  ASSERT_TRUE(a.ok());
  double sum = 0;
  for (const auto& o : *a) sum += static_cast<double>(o.arrival_us - o.send_us);
  EXPECT_NEAR(sum / 20000.0 / 1000.0, 4.0, 0.2);
}

TEST(Impairment, ParetoHasAHeavyTailAndIsClamped) {
  ImpairmentParams p;
  p.jitter = JitterShape::kPareto;
  p.pareto_alpha = 1.2;
  p.pareto_scale_ms = 5;
  p.max_jitter_ms = 300;
  auto a = make_arrivals(p, 11, sends(20000), 1);
  ASSERT_TRUE(a.ok());
  auto s = summarize(*a);
  EXPECT_LT(s.delay_p50_ms, 5.0);   // median excess of Pareto(1.2, 5) is 5·(2^(1/1.2) − 1) = 3.9
  EXPECT_GT(s.delay_p95_ms, 25.0);  // yet a long tail
  EXPECT_LE(s.delay_max_ms, 300.0);
  EXPECT_EQ(s.delay_max_ms, 300.0);  // 20000 draws of alpha 1.2 reach the clamp
}

TEST(Impairment, GilbertElliottLossesComeInBurstsAtTheStationaryRate) {
  ImpairmentParams p;
  p.p_good_to_bad = 0.02;
  p.p_bad_to_good = 0.2;
  p.loss_good = 0.0;
  p.loss_bad = 1.0;
  p.rto_ms = 100;
  p.max_retransmissions = 64;
  const std::size_t n = 50000;
  auto a = make_arrivals(p, 5, sends(n), 1);
  ASSERT_TRUE(a.ok());
  std::size_t lost = 0;
  std::size_t runs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bool l = (*a)[i].transmissions > 1;
    lost += l ? 1 : 0;
    if (l && (i == 0 || (*a)[i - 1].transmissions == 1)) ++runs;
  }
  const double rate = static_cast<double>(lost) / n;
  EXPECT_NEAR(rate, p.stationary_loss(), 0.01);  // 0.02 / 0.22 = 0.0909
  // Mean burst length 1 / p_bad_to_good = 5, far from the 1.1 of independent losses.
  EXPECT_NEAR(static_cast<double>(lost) / static_cast<double>(runs), 5.0, 0.5);
}

TEST(Impairment, LostObjectsArriveAnRtoLater) {
  ImpairmentParams p;
  p.base_delay_ms = 20;
  p.loss_good = 0.3;
  p.rto_ms = 150;
  auto a = make_arrivals(p, 9, sends(2000), 1);
  ASSERT_TRUE(a.ok());
  std::size_t resent = 0;
  for (const auto& o : *a) {
    ASSERT_NE(o.arrival_us, kNeverArrives);
    EXPECT_EQ(o.arrival_us - o.send_us, 20'000 + 150'000 * (o.transmissions - 1));
    if (o.transmissions > 1) ++resent;
  }
  EXPECT_GT(resent, 400u);
  EXPECT_LT(resent, 800u);
}

TEST(Impairment, ObjectsBeyondTheRetransmissionLimitNeverArrive) {
  ImpairmentParams p;
  p.loss_good = 1.0;
  p.max_retransmissions = 2;
  auto a = make_arrivals(p, 1, sends(10), 1);
  ASSERT_TRUE(a.ok());
  for (const auto& o : *a) EXPECT_EQ(o.arrival_us, kNeverArrives);
  EXPECT_EQ(summarize(*a).never_arrived, 10u);
}

TEST(Impairment, ALateObjectHoldsBackTheRestOfItsGroupOnly) {
  ImpairmentParams p;
  p.base_delay_ms = 10;
  p.loss_good = 0.05;
  p.rto_ms = 500;
  const int group = 10;
  auto a = make_arrivals(p, 21, sends(3000, 40'000), group);
  ASSERT_TRUE(a.ok());
  std::size_t held = 0;
  for (std::size_t i = 1; i < a->size(); ++i) {
    const bool same = i / group == (i - 1) / group;
    if (same) {
      EXPECT_GE((*a)[i].arrival_us, (*a)[i - 1].arrival_us) << i;
    }
    if ((*a)[i].head_of_line) {
      ++held;
      EXPECT_TRUE(same);
      EXPECT_NE(i % group, 0u);
    }
  }
  EXPECT_GT(held, 0u);
  EXPECT_EQ(summarize(*a).head_of_line, held);
}

TEST(Impairment, BadInputIsAnError) {
  ImpairmentParams p;
  p.loss_bad = 1.5;
  EXPECT_FALSE(make_arrivals(p, 1, sends(3)).ok());
  p = ImpairmentParams{};
  p.base_delay_ms = -1;
  EXPECT_FALSE(make_arrivals(p, 1, sends(3)).ok());
  p = ImpairmentParams{};
  EXPECT_FALSE(make_arrivals(p, 1, sends(3), 0).ok());
  EXPECT_FALSE(make_arrivals(p, 1, {10, 5}).ok());
  p.jitter = JitterShape::kPareto;
  p.pareto_alpha = 0;
  EXPECT_FALSE(make_arrivals(p, 1, sends(3)).ok());
}

TEST(Impairment, StationaryLossFormula) {
  ImpairmentParams p;
  p.p_good_to_bad = 0.1;
  p.p_bad_to_good = 0.3;
  p.loss_good = 0.01;
  p.loss_bad = 0.5;
  EXPECT_NEAR(p.stationary_loss(), 0.75 * 0.01 + 0.25 * 0.5, 1e-12);
}

}  // namespace
}  // namespace kinetic::mock
