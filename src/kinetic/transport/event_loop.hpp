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
  TimerId schedule_after(Duration d, std::function<void()> fn) { return schedule_at(now() + d, std::move(fn)); }
  virtual void cancel(TimerId id) = 0;
  // Runs `fn` on the loop's thread soon; the only call that is safe from another thread.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace kinetic::transport
