// Delays between attempts to reach a peer that keeps failing: doubling from `initial` up to
// `max`, back to `initial` once an attempt succeeds, so a flapping upstream is retried
// promptly while a dead one is not hammered.
#pragma once

#include <chrono>

namespace kinetic::relay {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  Backoff(Duration initial, Duration max) noexcept;

  // The delay before the next attempt; each call doubles the one after (up to max).
  Duration next() noexcept;
  // The link came up: the next failure waits `initial` again.
  void reset() noexcept { current_ = initial_; }
  [[nodiscard]] Duration peek() const noexcept { return current_; }

 private:
  Duration initial_;
  Duration max_;
  Duration current_;
};

}  // namespace kinetic::relay
