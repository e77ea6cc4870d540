// Motion measured across a missing frame is scaled to one interval before it is extrapolated.
#include "kinetic/mock/video_conjecture_gap.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kinetic::mock {
namespace {

// Records the horizons it is asked for; predicts a flat picture of value 200.
class Recording final : public VideoConjecturer {
 public:
  explicit Recording(std::vector<int>& asked) : asked_(asked) {}
  void push_real(const Frame&) override {}
  Conjecture predict(int k) override {
    asked_.push_back(k);
    Frame f(16, 16);
    std::fill(f.y.begin(), f.y.end(), 200);
    std::fill(f.u.begin(), f.u.end(), 128);
    std::fill(f.v.begin(), f.v.end(), 128);
    return {f, 1.0f, false};
  }
  void reset() override {}
  [[nodiscard]] std::string_view backend() const override { return "recording"; }

 private:
  std::vector<int>& asked_;
};

Frame flat(std::uint8_t y, std::int64_t pts) {
  Frame f(16, 16);
  std::fill(f.y.begin(), f.y.end(), y);
  std::fill(f.u.begin(), f.u.end(), 128);
  std::fill(f.v.begin(), f.v.end(), 128);
  f.pts_us = pts;
  return f;
}

TEST(VideoConjectureGap, HorizonIsKOverTheGap) {
  double fraction = 0;
  EXPECT_EQ(gap_scaled_horizon(3, 1.0, fraction), 3);
  EXPECT_DOUBLE_EQ(fraction, 1.0);
  EXPECT_EQ(gap_scaled_horizon(4, 2.0, fraction), 2);
  EXPECT_EQ(gap_scaled_horizon(3, 2.0, fraction), 2);  // 1.5 rounds up
  EXPECT_EQ(gap_scaled_horizon(1, 2.0, fraction), 1);
  EXPECT_DOUBLE_EQ(fraction, 0.5);
}

TEST(VideoConjectureGap, AMissingFrameHalvesTheMotionAhead) {
  std::vector<int> asked;
  auto engine = make_gap_scaled_conjecturer(std::make_unique<Recording>(asked));
  engine->push_real(flat(100, 0));
  engine->push_real(flat(100, 40'000));
  engine->push_real(flat(100, 120'000));  // the frame at 80 ms never came: a gap of two intervals
  const Conjecture two = engine->predict(2);
  EXPECT_EQ(asked.back(), 1) << "two intervals ahead is one step of the motion measured over two";
  EXPECT_EQ(two.frame.pts_us, 200'000);
  const Conjecture one = engine->predict(1);
  EXPECT_EQ(asked.back(), 1);
  EXPECT_EQ(one.frame.y[0], 150) << "half of the one-step prediction, half the newest real frame";
  engine->push_real(flat(100, 160'000));  // back to one interval
  (void)engine->predict(3);
  EXPECT_EQ(asked.back(), 3);
}

}  // namespace
}  // namespace kinetic::mock
