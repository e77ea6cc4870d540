// An EventLoop on virtual time, so that sessions, relays and MOCK can be tested
// deterministically and far faster than real time. Nothing runs on its own: the test
// drives the clock with run_until / run_for / run_until_idle, and every event runs on the
// calling thread in (time, insertion) order, so the same calls give the same order.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kinetic/transport/event_loop.hpp"

namespace kinetic::transport::memory {

class SimulatedLoop final : public EventLoop {
 public:
  // A fixed, arbitrary epoch well away from zero so that `now() - something` never
  // underflows in code under test.
  static constexpr TimePoint kEpoch = TimePoint(std::chrono::hours(24 * 365));

  explicit SimulatedLoop(TimePoint start = kEpoch) : now_(start) {}
  SimulatedLoop(const SimulatedLoop&) = delete;
  SimulatedLoop& operator=(const SimulatedLoop&) = delete;

  [[nodiscard]] TimePoint now() const override { return now_; }
  // A time in the past runs at the current time, after what is already due now.
  TimerId schedule_at(TimePoint when, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  // Safe from any thread; the task runs at the virtual time at which the loop picks it up.
  void post(std::function<void()> fn) override;

  // Runs every event due at or before `deadline` (including those they schedule), then
  // leaves the clock at `deadline`. Returns how many events ran.
  std::size_t run_until(TimePoint deadline);
  std::size_t run_for(Duration d) { return run_until(now_ + d); }
  // Runs events, jumping the clock to each, until `done()` holds or the clock would pass
  // now() + limit. True when `done()` held.
  bool run_until(const std::function<bool()>& done, Duration limit);
  // Runs events until none is pending. False when `max_events` ran first (a periodic
  // timer never lets the loop go idle, so the bound keeps a test from spinning forever).
  bool run_until_idle(std::size_t max_events = 1'000'000);
  // Runs the single next event, jumping the clock to it. False when none is pending.
  bool run_one();

  // Moves the clock without running anything, as if the current task took `d` of CPU
  // time; events that became due run at the next run_* call, in their order.
  void advance(Duration d);

  [[nodiscard]] std::size_t pending() const;
  // The time of the next event, or TimePoint::max() when none is pending.
  [[nodiscard]] TimePoint next_event_time() const;
  [[nodiscard]] std::uint64_t events_run() const { return events_run_; }

 private:
  // Ids double as the tie-break at equal times, so they follow call order, posts included.
  struct Entry {
    TimePoint when;
    TimerId id;
    // Makes std::push_heap & co. keep the earliest entry on top.
    friend bool operator<(const Entry& a, const Entry& b) {
      return a.when != b.when ? a.when > b.when : a.id > b.id;
    }
  };

  void adopt_posted();
  void push(TimePoint when, TimerId id, std::function<void()> fn);
  // Drops cancelled entries from the top of the heap.
  void skip_cancelled() const;
  bool run_next(TimePoint deadline);

  TimePoint now_;
  std::atomic<TimerId> next_id_{1};
  // A cancelled timer loses its function at once and its heap entry when it surfaces.
  mutable std::vector<Entry> heap_;
  std::unordered_map<TimerId, std::function<void()>> tasks_;
  std::uint64_t events_run_ = 0;
  bool running_ = false;

  mutable std::mutex posted_mutex_;
  std::vector<std::pair<TimerId, std::function<void()>>> posted_;
};

}  // namespace kinetic::transport::memory
