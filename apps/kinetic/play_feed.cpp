#include "play_feed.hpp"

namespace kinetic::app {

void PlayFeed::add_track(FeedTrack track) {
  {
    std::lock_guard lock(mu_);
    tracks_.push_back(std::move(track));
  }
  cv_.notify_one();
}

void PlayFeed::push(FeedFrame frame) {
  {
    std::lock_guard lock(mu_);
    if (frames_.size() >= max_frames_) {
      ++dropped_;
      return;
    }
    frames_.push_back(std::move(frame));
  }
  cv_.notify_one();
}

void PlayFeed::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_one();
}

void PlayFeed::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

FeedBatch PlayFeed::take(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [this] { return !tracks_.empty() || !frames_.empty() || closed_ || woken_; });
  FeedBatch b;
  b.new_tracks.swap(tracks_);
  b.frames.reserve(frames_.size());
  for (auto& f : frames_) b.frames.push_back(std::move(f));
  frames_.clear();
  b.dropped = dropped_;
  dropped_ = 0;
  b.closed = closed_;
  woken_ = false;
  return b;
}

}  // namespace kinetic::app
