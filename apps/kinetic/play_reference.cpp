#include "play_reference.hpp"

#include <cmath>

#include "kinetic/media/ffmpeg_decoder.hpp"
#include "kinetic/mock/evaluation.hpp"

namespace kinetic::app {

kinetic::Result<PlayReference> PlayReference::load(const std::string& path, double max_seconds) {
  media::VideoDecodeOptions options;
  options.max_seconds = max_seconds;
  media::VideoStreamInfo info;
  KINETIC_TRY(auto pictures, media::decode_video(path, options, &info));
  if (pictures.empty()) return kinetic::Error{kinetic::Errc::kInvalidValue, "the reference has no video frames"};
  if (info.fps <= 0) return kinetic::Error{kinetic::Errc::kInvalidValue, "the reference has no frame rate"};
  std::vector<mock::Frame> frames;
  frames.reserve(pictures.size());
  for (auto& p : pictures) frames.push_back(mock::to_frame(std::move(p)));
  return PlayReference(std::move(frames), static_cast<std::int64_t>(std::llround(1e6 / info.fps)));
}

PlayReference::PlayReference(std::vector<mock::Frame> frames, std::int64_t frame_interval_us)
    : frames_(std::move(frames)), interval_us_(frame_interval_us) {
  if (!frames_.empty()) first_pts_us_ = frames_.front().pts_us;
}

const mock::Frame* PlayReference::at(std::int64_t slot_us) const {
  if (frames_.empty() || interval_us_ <= 0) return nullptr;
  const auto n = static_cast<std::int64_t>(frames_.size());
  // Nearest frame start, so a timestamp rounded either way by a timescale still matches.
  const double pos = static_cast<double>(slot_us - first_pts_us_) / static_cast<double>(interval_us_);
  std::int64_t index = static_cast<std::int64_t>(std::llround(pos)) % n;
  if (index < 0) index += n;
  return &frames_[static_cast<std::size_t>(index)];
}

}  // namespace kinetic::app
