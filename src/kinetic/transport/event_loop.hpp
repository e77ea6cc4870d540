// The loop a connection lives on: a clock, timers and posted tasks. The real loop
// (epoll, one per thread) and the simulated loop (virtual time, for deterministic tests)
// both implement it, so sessions and the relay run unchanged on either.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace kinetic::transport {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using TimerId = std::uint64_t;

class EventLoop {
 public:
  virtual ~EventLoop() = default;

  [[nodiscard]] virtual TimePoint now() const = 0;
  // Runs `fn` once at `when` (or soon after); cancel before then to skip it.
  virtual TimerId schedule_at(TimePoint when, std::function<void()> fn) = 0;
  // A delay too far off for the clock (a peer's timeout near 2^62 ms, a token valid for ages)
  // waits for ever instead of overflowing into the past, where it would fire at once. Taken in
  // the caller's unit: converting 2^62 ms to the clock's nanoseconds is itself the overflow.
  template <class Rep, class Period>
  TimerId schedule_after(std::chrono::duration<Rep, Period> d, std::function<void()> fn) {
    using Given = std::chrono::duration<Rep, Period>;
    const TimePoint from = now();
    if (d > std::chrono::duration_cast<Given>(TimePoint::max() - from))
      return schedule_at(TimePoint::max(), std::move(fn));
    return schedule_at(from + std::chrono::duration_cast<Duration>(d), std::move(fn));
  }
  virtual void cancel(TimerId id) = 0;
  // Runs `fn` on the loop's thread soon; the only call that is safe from another thread.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace kinetic::transport
