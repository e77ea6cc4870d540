#include "kinetic/transport/epoll_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace kinetic::transport {

namespace {

// Tags the loop's own descriptors in epoll_event.data so they never collide with a watcher.
constexpr std::uint64_t kEventTag = ~std::uint64_t{0} - 1;

std::uint64_t watcher_tag(int fd, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

EpollLoop::EpollLoop() : owner_(std::this_thread::get_id()) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw_errno("epoll_create1");
  eventfd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (eventfd_ < 0) {
    ::close(epfd_);
    throw_errno("eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kEventTag;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, eventfd_, &ev);
}

EpollLoop::~EpollLoop() {
  // Callbacks may own connections whose Timers and Tasks unregister from this loop as they
  // go: drop the callbacks while everything those touch is still here.
  {
    auto posted = std::move(posted_);
    auto watchers = std::move(watchers_);
    auto fns = std::move(timer_fns_);
  }
  ::close(eventfd_);
  ::close(epfd_);
}

TimerId EpollLoop::schedule_at(TimePoint when, std::function<void()> fn) {
  TimerId id = next_timer_++;
  timer_fns_.emplace(id, std::move(fn));
  push_timer({when, id, kNoSlot});
  return id;
}

void EpollLoop::push_timer(const TimerEntry& e) {
  const std::size_t live_entries = timer_fns_.size() + armed_timers_;
  if (timers_.size() > 2 * live_entries + 64) timers_.compact([this](const TimerEntry& x) { return live(x); });
  // No re-arming here: the loop reads the earliest timer when it next waits, so the many
  // timers a fan-out arms in one turn cost no system call each.
  timers_.push(e);
}

std::size_t EpollLoop::pending_timers() const { return timer_fns_.size() + armed_timers_; }

// ---- Timer ------------------------------------------------------------------------------

EpollLoop::Timer::Timer(EpollLoop& loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {
  if (loop_.free_slots_.empty()) {
    slot_ = static_cast<std::uint32_t>(loop_.timer_slots_.size());
    loop_.timer_slots_.push_back(this);
  } else {
    slot_ = loop_.free_slots_.back();
    loop_.free_slots_.pop_back();
    loop_.timer_slots_[slot_] = this;
  }
}

// Heap entries that name this timer stay behind; live() skips them once it is gone.
EpollLoop::Timer::~Timer() {
  disarm();
  loop_.timer_slots_[slot_] = nullptr;
  loop_.free_slots_.push_back(slot_);
}

void EpollLoop::Timer::arm_at(TimePoint when) {
  // The entry of an earlier arming stays in the heap, skipped because its id is stale.
  if (armed_id_ == 0) ++loop_.armed_timers_;
  armed_id_ = loop_.next_timer_++;
  loop_.push_timer({when, armed_id_, slot_});
}

void EpollLoop::Timer::disarm() noexcept {
  if (armed_id_ != 0) --loop_.armed_timers_;
  armed_id_ = 0;
}

bool EpollLoop::live(const TimerEntry& e) const {
  if (e.slot == kNoSlot) return timer_fns_.count(e.id) != 0;
  const Timer* t = timer_slots_[e.slot];
  return t != nullptr && t->armed_id_ == e.id;
}

// ---- Task -------------------------------------------------------------------------------

EpollLoop::Task::~Task() {
  if (slot_ == kNone) return;
  (running_ ? loop_.running_tasks_ : loop_.tasks_)[slot_] = nullptr;
}

void EpollLoop::Task::schedule() {
  if (slot_ != kNone) return;  // already due this round
  slot_ = loop_.tasks_.size();
  running_ = false;
  loop_.tasks_.push_back(this);
}

void EpollLoop::run_tasks() {
  // Tasks scheduled while these run go to the next round, so one that reschedules itself
  // cannot starve the sockets.
  running_tasks_.swap(tasks_);
  for (auto* t : running_tasks_) {
    if (t != nullptr) t->running_ = true;
  }
  for (auto& slot : running_tasks_) {
    Task* t = slot;
    if (t == nullptr) continue;  // destroyed by an earlier task of this round
    slot = nullptr;
    t->slot_ = Task::kNone;
    t->running_ = false;
    t->fn_();
  }
  running_tasks_.clear();
}

void EpollLoop::cancel(TimerId id) {
  // The heap entry stays until it surfaces; without its function it is skipped.
  timer_fns_.erase(id);
}

void EpollLoop::post(std::function<void()> fn) {
  // Only a loop blocked in epoll_wait needs the eventfd: one that is running (this thread's
  // own, or another's between waits) runs what was posted this round or the next, and that
  // one does not block while anything is posted. A busy hub and its workers post to each
  // other every turn, so this saves the write, the wake-up and the read on most of them.
  bool wake = false;
  {
    std::lock_guard lock(post_mu_);
    posted_.push_back(std::move(fn));
    if (sleeping_ && !wake_pending_) {
      wake_pending_ = true;
      wake = true;
    }
  }
  if (wake) {
    wakes_.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(eventfd_, &one, sizeof one);
  }
}

bool EpollLoop::watch(int fd, std::uint32_t events, FdCallback cb) {
  if (fd < 0 || watchers_.count(fd) != 0) return false;
  auto w = std::make_shared<Watcher>(Watcher{fd, next_generation_++, std::move(cb)});
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = watcher_tag(fd, w->generation);
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  watchers_.emplace(fd, std::move(w));
  return true;
}

bool EpollLoop::modify(int fd, std::uint32_t events) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) return false;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = watcher_tag(fd, it->second->generation);
  return ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EpollLoop::unwatch(int fd) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) return;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  watchers_.erase(it);
}

void EpollLoop::run_timers() {
  auto t = now();
  // Timers scheduled by a running timer for "now" run on the next round, so a timer
  // that re-arms itself cannot starve the sockets.
  due_.clear();
  while (!timers_.empty() && timers_.top().when <= t) {
    const TimerEntry e = timers_.top();
    timers_.pop();
    if (e.slot != kNoSlot) {
      if (live(e)) due_.push_back({{}, e.slot, e.id});
      continue;
    }
    auto it = timer_fns_.find(e.id);
    if (it == timer_fns_.end()) continue;
    due_.push_back({std::move(it->second), kNoSlot, e.id});
    timer_fns_.erase(it);
  }
  // due_ is not touched by the callbacks (they only schedule), so indexing it is safe.
  for (std::size_t i = 0; i < due_.size(); ++i) {
    auto& d = due_[i];
    if (d.slot == kNoSlot) {
      d.fn();
      continue;
    }
    Timer* timer = timer_slots_[d.slot];
    if (timer == nullptr || timer->armed_id_ != d.id) continue;  // destroyed or re-armed by an earlier one
    timer->disarm();
    timer->fn_();
  }
  due_.clear();
}

void EpollLoop::run_posted() {
  {
    std::lock_guard lock(post_mu_);
    running_posted_.swap(posted_);
  }
  for (auto& fn : running_posted_) fn();
  running_posted_.clear();
}

Duration EpollLoop::wait_timeout(Duration max_wait) {
  if (!tasks_.empty()) return Duration::zero();
  // A cancelled or re-armed timer never wakes the loop.
  while (!timers_.empty() && !live(timers_.top())) timers_.pop();
  Duration timeout = max_wait;
  if (!timers_.empty()) {
    const Duration until = timers_.top().when - now();
    if (until <= Duration::zero()) return Duration::zero();
    timeout = std::min(until, max_wait);
  }
  // Checked last and under the lock that posts take, so a post either is seen here or finds
  // the loop sleeping and wakes it.
  std::lock_guard lock(post_mu_);
  if (!posted_.empty()) return Duration::zero();
  sleeping_ = timeout > Duration::zero();
  return timeout;
}

int EpollLoop::wait(epoll_event* events, int max_events, Duration timeout) {
  if (timeout == Duration::max()) return ::epoll_wait(epfd_, events, max_events, -1);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  if (pwait2_) {
    const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const int n = ::epoll_pwait2(epfd_, events, max_events, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    pwait2_ = false;  // a kernel before 5.11: millisecond timeouts, rounded up so timers never fire early
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::chrono::nanoseconds(ns)).count();
  return ::epoll_wait(epfd_, events, max_events, static_cast<int>(std::min<long long>(ms, 1 << 30)));
}

void EpollLoop::run_once(Duration max_wait) {
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  std::array<epoll_event, 128> events{};
  int n = wait(events.data(), static_cast<int>(events.size()), wait_timeout(max_wait));
  if (sleeping_) {  // only this thread writes it, so reading it unlocked here is no race
    std::lock_guard lock(post_mu_);
    sleeping_ = false;
  }
  for (int i = 0; i < n; ++i) {
    auto tag = events[i].data.u64;
    if (tag == kEventTag) {
      std::uint64_t count;
      [[maybe_unused]] auto r = ::read(eventfd_, &count, sizeof count);
      std::lock_guard lock(post_mu_);
      wake_pending_ = false;
      continue;
    }
    int fd = static_cast<int>(static_cast<std::uint32_t>(tag));
    auto it = watchers_.find(fd);
    // A callback earlier in this batch may have unwatched (and even re-watched) the fd.
    if (it == watchers_.end() || it->second->generation != static_cast<std::uint32_t>(tag >> 32)) continue;
    auto keep = it->second;
    keep->cb(events[i].events);
  }
  run_timers();
  run_posted();
  run_tasks();
}

void EpollLoop::run() {
  stopped_.store(false);
  while (!stopped_.load(std::memory_order_relaxed)) run_once(Duration::max());
}

void EpollLoop::stop() {
  stopped_.store(true);
  post([] {});  // wakes a loop blocked in epoll_wait
}

bool EpollLoop::run_until(const std::function<bool()>& done, Duration timeout) {
  auto deadline = now() + timeout;
  stopped_.store(false);
  while (!done()) {
    auto left = deadline - now();
    if (left <= Duration::zero() || stopped_.load()) return done();
    run_once(std::min<Duration>(left, std::chrono::milliseconds(50)));
  }
  return true;
}

}  // namespace kinetic::transport
