// `kinetic sub --stats`: per track, frames and bits per second and the latency of each frame,
// reported once per window. A frame's latency is the wall clock when it arrived minus the
// capture time its publisher stamped in it (LOC property kCaptureTime, Unix microseconds), so it
// spans publisher, relays and network and is only as good as the two machines' clock sync.
// Rates are over the window's real length, which the loop's timer only approximates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kinetic::app {

class ReceiveStats {
 public:
  // `now_us` is any monotonic clock; it only measures windows.
  explicit ReceiveStats(std::int64_t now_us) : window_start_us_(now_us) {}

  std::size_t add_track(std::string name);

  // One frame of `bytes` that arrived at wall clock `arrival_unix_us`.
  void on_frame(std::size_t track, std::size_t bytes, std::optional<std::uint64_t> capture_unix_us,
                std::int64_t arrival_unix_us);

  // One line per track about the window that ends at `now_us`, which then starts anew:
  //   TRACK: F frames/s R kbit/s latency avg A min M max X ms (N frames, total T)
  // with "latency - ms" when no frame of the window carried a capture time.
  std::string report(std::int64_t now_us);

  [[nodiscard]] std::uint64_t total_frames() const noexcept;

 private:
  struct Track {
    std::string name;
    std::uint64_t total = 0;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t timed = 0;  // frames with a capture time
    std::int64_t latency_sum_us = 0;
    std::int64_t latency_min_us = 0;
    std::int64_t latency_max_us = 0;
  };
  std::vector<Track> tracks_;
  std::int64_t window_start_us_;
};

}  // namespace kinetic::app
