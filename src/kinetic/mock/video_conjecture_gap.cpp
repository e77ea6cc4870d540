#include "kinetic/mock/video_conjecture_gap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "kinetic/mock/video_conjecture_blend.hpp"

namespace kinetic::mock {
namespace {

class GapScaledConjecturer final : public VideoConjecturer {
 public:
  explicit GapScaledConjecturer(std::unique_ptr<VideoConjecturer> inner) : inner_(std::move(inner)) {}

  void push_real(const Frame& frame) override {
    inner_->push_real(frame);
    if (have_newest_ && frame.pts_us > newest_pts_) {
      gap_us_ = frame.pts_us - newest_pts_;
      if (interval_us_ == 0 || gap_us_ < interval_us_) interval_us_ = gap_us_;
      previous_known_ = true;
    } else if (have_newest_) {
      previous_known_ = false;  // a restart or a size change: no gap to trust
    }
    newest_ = frame;
    newest_pts_ = frame.pts_us;
    have_newest_ = true;
  }

  Conjecture predict(int k) override {
    if (!previous_known_ || interval_us_ <= 0 || k < 1) return inner_->predict(k);
    const double gap = static_cast<double>(gap_us_) / static_cast<double>(interval_us_);
    double fraction = 1.0;
    const int horizon = gap_scaled_horizon(k, gap, fraction);
    Conjecture c = inner_->predict(horizon);
    if (!c.fell_back && fraction < 1.0 && c.frame.same_size(newest_)) {
      Frame out;
      blend_frames(c.frame, newest_, fraction, out);
      out.pts_us = c.frame.pts_us;
      c.frame = std::move(out);
    }
    c.frame.pts_us = newest_pts_ + static_cast<std::int64_t>(k) * interval_us_;
    return c;
  }

  void reset() override {
    inner_->reset();
    have_newest_ = previous_known_ = false;
    interval_us_ = gap_us_ = 0;
    newest_ = Frame{};
  }
  [[nodiscard]] std::string_view backend() const override { return inner_->backend(); }

 private:
  std::unique_ptr<VideoConjecturer> inner_;
  Frame newest_;
  std::int64_t newest_pts_ = 0;
  std::int64_t gap_us_ = 0;
  std::int64_t interval_us_ = 0;
  bool have_newest_ = false;
  bool previous_known_ = false;
};

}  // namespace

int gap_scaled_horizon(int k, double gap, double& fraction) noexcept {
  fraction = 1.0;
  if (k < 1) return k;
  if (!(gap > 1.0)) return k;
  const double m = static_cast<double>(k) / gap;
  if (m < 1.0) {
    fraction = m;
    return 1;
  }
  return std::max(1, static_cast<int>(std::lround(m)));
}

std::unique_ptr<VideoConjecturer> make_gap_scaled_conjecturer(std::unique_ptr<VideoConjecturer> inner) {
  return std::make_unique<GapScaledConjecturer>(std::move(inner));
}

}  // namespace kinetic::mock
