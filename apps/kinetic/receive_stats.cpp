#include "receive_stats.hpp"

#include <algorithm>
#include <cstdio>

namespace kinetic::app {

std::size_t ReceiveStats::add_track(std::string name) {
  tracks_.push_back(Track{});
  tracks_.back().name = std::move(name);
  return tracks_.size() - 1;
}

void ReceiveStats::on_frame(std::size_t track, std::size_t bytes, std::optional<std::uint64_t> capture_unix_us,
                            std::int64_t arrival_unix_us) {
  if (track >= tracks_.size()) return;
  Track& t = tracks_[track];
  ++t.total;
  ++t.frames;
  t.bytes += bytes;
  if (!capture_unix_us) return;
  // Signed: a publisher whose clock runs ahead of ours shows as negative latency, not as 2^64.
  const std::int64_t latency = arrival_unix_us - static_cast<std::int64_t>(*capture_unix_us);
  t.latency_min_us = t.timed == 0 ? latency : std::min(t.latency_min_us, latency);
  t.latency_max_us = t.timed == 0 ? latency : std::max(t.latency_max_us, latency);
  t.latency_sum_us += latency;
  ++t.timed;
}

std::string ReceiveStats::report(std::int64_t now_us) {
  const double seconds = static_cast<double>(std::max<std::int64_t>(now_us - window_start_us_, 1)) / 1e6;
  window_start_us_ = now_us;
  std::string out;
  for (auto& t : tracks_) {
    char line[512];
    const double fps = static_cast<double>(t.frames) / seconds;
    const double kbps = static_cast<double>(t.bytes) * 8.0 / 1000.0 / seconds;
    if (t.timed > 0) {
      std::snprintf(line, sizeof line,
                    "%s: %.1f frames/s %.1f kbit/s latency avg %.1f min %.1f max %.1f ms (%llu frames, total %llu)\n",
                    t.name.c_str(), fps, kbps,
                    static_cast<double>(t.latency_sum_us) / static_cast<double>(t.timed) / 1000.0,
                    static_cast<double>(t.latency_min_us) / 1000.0, static_cast<double>(t.latency_max_us) / 1000.0,
                    static_cast<unsigned long long>(t.frames), static_cast<unsigned long long>(t.total));
    } else {
      std::snprintf(line, sizeof line, "%s: %.1f frames/s %.1f kbit/s latency - ms (%llu frames, total %llu)\n",
                    t.name.c_str(), fps, kbps, static_cast<unsigned long long>(t.frames),
                    static_cast<unsigned long long>(t.total));
    }
    out += line;
    const auto total = t.total;
    auto name = std::move(t.name);
    t = Track{};
    t.name = std::move(name);
    t.total = total;
  }
  return out;
}

std::uint64_t ReceiveStats::total_frames() const noexcept {
  std::uint64_t n = 0;
  for (const auto& t : tracks_) n += t.total;
  return n;
}

}  // namespace kinetic::app
