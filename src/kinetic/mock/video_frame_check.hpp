// Checks and time arithmetic both video conjecture engines apply to incoming frames, so
// that they accept, reject and time-stamp exactly alike.
#pragma once

#include <cstdint>

#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/video_algorithm.hpp"

namespace kinetic::mock::video {

// Even, non-empty, planes of the sizes the dimensions promise, and few enough pixels for
// the splat index.
[[nodiscard]] inline bool acceptable_frame(const Frame& f) noexcept {
  if (f.width <= 0 || f.height <= 0 || (f.width % 2) != 0 || (f.height % 2) != 0) return false;
  const auto w = static_cast<std::int64_t>(f.width);
  const auto h = static_cast<std::int64_t>(f.height);
  if (w * h > kMaxPixels) return false;
  const auto luma = static_cast<std::size_t>(w * h);
  const auto chroma = static_cast<std::size_t>((w / 2) * (h / 2));
  return f.y.size() == luma && f.u.size() == chroma && f.v.size() == chroma;
}

// Presentation time of the frame `k` intervals after `newest`, the interval being the last
// one observed (none known: the conjecture keeps the newest frame's time).
[[nodiscard]] inline std::int64_t predicted_pts(std::int64_t newest_pts, std::int64_t previous_pts, bool has_previous,
                                                int k) noexcept {
  const std::int64_t interval = has_previous ? newest_pts - previous_pts : 0;
  return interval > 0 ? newest_pts + interval * k : newest_pts;
}

}  // namespace kinetic::mock::video
