#include "kinetic/mock/audio_pitch_repeat.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic::mock {

PitchRepeater::PitchRepeater(int sample_rate, int channels)
    : channels_(static_cast<std::size_t>(channels)),
      min_period_(static_cast<std::size_t>(sample_rate) / 400),
      max_period_(static_cast<std::size_t>(sample_rate) / 50),
      window_(static_cast<std::size_t>(sample_rate) / 200) {
  history_.reserve((max_period_ + window_) * channels_ * 2);
}

void PitchRepeater::remember(std::span<const std::int16_t> pcm) {
  history_.insert(history_.end(), pcm.begin(), pcm.end());
  const std::size_t keep = (max_period_ + window_) * channels_;
  if (history_.size() > keep) history_.erase(history_.begin(), history_.end() - static_cast<std::ptrdiff_t>(keep));
}

void PitchRepeater::start() {
  cycle_.clear();
  phase_ = 0;
  const std::size_t frames = history_.size() / channels_;
  if (frames < min_period_ + window_) return;
  auto at = [&](std::size_t frame) { return static_cast<double>(history_[frame * channels_]); };
  const std::size_t tail = frames - window_;
  double energy = 0.0;
  for (std::size_t i = 0; i < window_; ++i) energy += at(tail + i) * at(tail + i);
  if (energy <= 0.0) return;
  std::size_t best = 0;
  double best_score = 0.0;
  for (std::size_t t = min_period_; t <= max_period_ && t <= tail; ++t) {
    double xy = 0.0;
    double yy = 0.0;
    for (std::size_t i = 0; i < window_; ++i) {
      const double y = at(tail - t + i);
      xy += at(tail + i) * y;
      yy += y * y;
    }
    if (yy <= 0.0) continue;
    const double score = xy / std::sqrt(yy * energy);
    if (score > best_score) {
      best_score = score;
      best = t;
    }
  }
  if (best == 0) return;
  cycle_.assign(history_.end() - static_cast<std::ptrdiff_t>(best * channels_), history_.end());
}

void PitchRepeater::predict(std::span<std::int16_t> out) {
  if (cycle_.empty()) {
    std::fill(out.begin(), out.end(), std::int16_t{0});
    return;
  }
  const std::size_t period_frames = period();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t frame = (phase_ + i / channels_) % period_frames;
    out[i] = cycle_[frame * channels_ + i % channels_];
  }
  phase_ = (phase_ + out.size() / channels_) % period_frames;
}

}  // namespace kinetic::mock
