#include "kinetic/transport/memory/simulated_loop.hpp"

#include <algorithm>

namespace kinetic::transport::memory {

void SimulatedLoop::push(TimePoint when, TimerId id, std::function<void()> fn) {
  tasks_.emplace(id, std::move(fn));
  heap_.push_back(Entry{when, id});
  std::push_heap(heap_.begin(), heap_.end());
}

TimerId SimulatedLoop::schedule_at(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  push(std::max(when, now_), id, std::move(fn));
  return id;
}

void SimulatedLoop::cancel(TimerId id) { tasks_.erase(id); }

void SimulatedLoop::post(std::function<void()> fn) {
  std::lock_guard lock(posted_mutex_);
  posted_.emplace_back(next_id_++, std::move(fn));
}

void SimulatedLoop::adopt_posted() {
  std::vector<std::pair<TimerId, std::function<void()>>> batch;
  {
    std::lock_guard lock(posted_mutex_);
    if (posted_.empty()) return;
    batch.swap(posted_);
  }
  // Posted tasks become ordinary timers at the current time, keeping the id they got
  // when posted so that they sort among timers by call order.
  for (auto& [id, fn] : batch) push(now_, id, std::move(fn));
}

void SimulatedLoop::skip_cancelled() const {
  while (!heap_.empty() && !tasks_.contains(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end());
    heap_.pop_back();
  }
}

bool SimulatedLoop::run_next(TimePoint deadline) {
  adopt_posted();
  skip_cancelled();
  if (heap_.empty() || heap_.front().when > deadline) return false;
  const Entry next = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end());
  heap_.pop_back();
  auto it = tasks_.find(next.id);
  auto fn = std::move(it->second);
  tasks_.erase(it);
  now_ = std::max(now_, next.when);
  ++events_run_;
  fn();
  return true;
}

std::size_t SimulatedLoop::run_until(TimePoint deadline) {
  if (running_) return 0;  // re-entry from inside an event would break the ordering
  running_ = true;
  std::size_t ran = 0;
  while (run_next(deadline)) ++ran;
  now_ = std::max(now_, deadline);
  running_ = false;
  return ran;
}

bool SimulatedLoop::run_until(const std::function<bool()>& done, Duration limit) {
  if (running_) return done();
  running_ = true;
  const TimePoint deadline = now_ + limit;
  bool held = done();
  while (!held && run_next(deadline)) held = done();
  if (!held) now_ = std::max(now_, deadline);
  running_ = false;
  return held;
}

bool SimulatedLoop::run_until_idle(std::size_t max_events) {
  if (running_) return false;
  running_ = true;
  std::size_t ran = 0;
  bool idle = false;
  while (ran < max_events) {
    if (!run_next(TimePoint::max())) {
      idle = true;
      break;
    }
    ++ran;
  }
  running_ = false;
  return idle;
}

bool SimulatedLoop::run_one() {
  if (running_) return false;
  running_ = true;
  const bool ran = run_next(TimePoint::max());
  running_ = false;
  return ran;
}

void SimulatedLoop::advance(Duration d) {
  if (d > Duration::zero()) now_ += d;
}

std::size_t SimulatedLoop::pending() const {
  std::lock_guard lock(posted_mutex_);
  return tasks_.size() + posted_.size();
}

TimePoint SimulatedLoop::next_event_time() const {
  {
    std::lock_guard lock(posted_mutex_);
    if (!posted_.empty()) return now_;
  }
  skip_cancelled();
  return heap_.empty() ? TimePoint::max() : heap_.front().when;
}

}  // namespace kinetic::transport::memory
