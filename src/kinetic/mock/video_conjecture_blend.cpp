#include "kinetic/mock/video_conjecture_blend.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace kinetic::mock {
namespace {

void blend_plane(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, int wa,
                 std::vector<std::uint8_t>& out) {
  // Fixed point (8 fractional bits) keeps the blend exact and cheap on every pixel.
  const int wb = 256 - wa;
  out.resize(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<std::uint8_t>((a[i] * wa + b[i] * wb + 128) >> 8);
}

class BlendingConjecturer final : public VideoConjecturer {
 public:
  BlendingConjecturer(std::unique_ptr<VideoConjecturer> inner, const BlendConfig& config)
      : inner_(std::move(inner)), config_(config) {}

  void push_real(const Frame& frame) override {
    inner_->push_real(frame);
    newest_ = frame;
  }

  Conjecture predict(int k) override {
    Conjecture c = inner_->predict(k);
    if (c.fell_back || k < 1 || newest_.empty() || !c.frame.same_size(newest_)) return c;
    const double w = blend_weight(config_, k, c.confidence);
    if (w >= 1.0) return c;
    Frame out;
    blend_frames(c.frame, newest_, w, out);
    out.pts_us = c.frame.pts_us;
    c.frame = std::move(out);
    return c;
  }

  void reset() override {
    inner_->reset();
    newest_ = Frame{};
  }
  [[nodiscard]] std::string_view backend() const override { return inner_->backend(); }

 private:
  std::unique_ptr<VideoConjecturer> inner_;
  BlendConfig config_;
  Frame newest_;
};

}  // namespace

double blend_weight(const BlendConfig& config, int k, float confidence) noexcept {
  if (k < 1) return 1.0;
  const double horizon = std::max(config.horizon, 1e-3);
  const double trust = std::pow(std::clamp(static_cast<double>(confidence), 0.0, 1.0), std::max(0.0, config.confidence_power));
  return std::clamp(config.weight_at_1 * trust * std::exp(-static_cast<double>(k - 1) / horizon), 0.0, 1.0);
}

void blend_frames(const Frame& prediction, const Frame& real, double w, Frame& out) {
  const int wa = static_cast<int>(std::lround(std::clamp(w, 0.0, 1.0) * 256.0));
  out.width = prediction.width;
  out.height = prediction.height;
  blend_plane(prediction.y, real.y, wa, out.y);
  blend_plane(prediction.u, real.u, wa, out.u);
  blend_plane(prediction.v, real.v, wa, out.v);
}

std::unique_ptr<VideoConjecturer> make_blending_conjecturer(std::unique_ptr<VideoConjecturer> inner,
                                                            const BlendConfig& config) {
  return std::make_unique<BlendingConjecturer>(std::move(inner), config);
}

}  // namespace kinetic::mock
