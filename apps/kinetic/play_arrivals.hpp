// The arrivals a live `kinetic play --log` recorded, read back so `kinetic mock-eval --arrivals`
// can replay the same trace offline: per source frame of the clip, how long after its capture
// it arrived.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::app {

struct RecordedArrival {
  std::int64_t pts_us = 0;      // media time of the frame
  std::int64_t capture_us = 0;  // the publisher's wall clock at release
  std::int64_t arrival_us = 0;  // the player's wall clock when it was read off the network
};

// The "arrival" lines of `track` in a play log; other lines are skipped. A line that is not
// JSON is an error (the log is ours, so it means the wrong file).
kinetic::Result<std::vector<RecordedArrival>> read_arrivals(const std::string& path, const std::string& track);

// Delay (arrival − capture) per clip frame i, whose media time is i · interval modulo the clip's
// length (kinetic pub --loop continues timestamps); the first record of a frame wins. Frames no
// record names get kNeverArrives (mock/impairment.hpp); `matched` counts the others.
std::vector<std::int64_t> delays_for_clip(const std::vector<RecordedArrival>& records, std::size_t frames,
                                          std::int64_t interval_us, std::size_t& matched);

}  // namespace kinetic::app
