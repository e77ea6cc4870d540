// `kinetic play --reference FILE`: the source pictures a player should have shown, so every
// presented frame can be scored (PSNR/SSIM) against the source frame of its slot. The file is
// the one the publisher read; a slot's media time, taken modulo the file's length, names its
// frame, which also holds for `kinetic pub --loop` (each loop continues the timestamps).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kinetic/mock/frame.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::app {

class PlayReference {
 public:
  // Decodes at most `max_seconds` (0 = all) of `path`'s video at its own size.
  static kinetic::Result<PlayReference> load(const std::string& path, double max_seconds = 0);
  PlayReference(std::vector<mock::Frame> frames, std::int64_t frame_interval_us);

  // The source frame whose display slot starts at media time `slot_us`; null when none is.
  [[nodiscard]] const mock::Frame* at(std::int64_t slot_us) const;
  [[nodiscard]] std::size_t size() const noexcept { return frames_.size(); }
  [[nodiscard]] std::int64_t frame_interval_us() const noexcept { return interval_us_; }

 private:
  std::vector<mock::Frame> frames_;
  std::int64_t interval_us_ = 0;
  std::int64_t first_pts_us_ = 0;
};

}  // namespace kinetic::app
