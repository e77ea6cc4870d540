// The hand-off between `kinetic play`'s network loop and its player thread. The network side
// only appends (it never waits on a decoder or a conjecture); the player takes everything
// queued at once, waiting at most until its next display tick.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/media/loc_packager.hpp"

namespace kinetic::app {

struct FeedTrack {
  std::string name;
  media::StreamInfo stream;
};

struct FeedFrame {
  std::size_t track = 0;  // index into the tracks announced so far
  std::uint64_t group = 0;
  std::uint64_t object = 0;
  media::LocFrame frame;
  std::int64_t arrival_us = 0;  // wall clock when the object was read off the network
};

struct FeedBatch {
  std::vector<FeedTrack> new_tracks;  // announced since the previous take, in index order
  std::vector<FeedFrame> frames;
  std::size_t dropped = 0;            // frames the queue had no room for since the previous take
  bool closed = false;                // the network side has ended; nothing more will come
};

class PlayFeed {
 public:
  // At most `max_frames` wait; beyond that new frames are dropped (and counted) rather than
  // letting a stalled player grow memory without bound.
  explicit PlayFeed(std::size_t max_frames = 4096) : max_frames_(max_frames) {}

  void add_track(FeedTrack track);
  void push(FeedFrame frame);
  void close();

  // Everything queued; waits until `deadline` when nothing is.
  FeedBatch take(std::chrono::steady_clock::time_point deadline);
  // Wakes a waiting take() early (e.g. the window was closed).
  void wake();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t max_frames_;
  std::vector<FeedTrack> tracks_;
  std::deque<FeedFrame> frames_;
  std::size_t dropped_ = 0;
  bool closed_ = false;
  bool woken_ = false;
};

}  // namespace kinetic::app
