// The real EventLoop: epoll for sockets, its wait's timeout for the earliest timer, an eventfd to
// wake the loop for work posted from other threads. One loop per thread; everything but
// post() and stop() must be called on the loop's own thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kinetic/transport/event_loop.hpp"

struct epoll_event;

namespace kinetic::transport {

class EpollLoop final : public EventLoop {
 public:
  // `events` is the EPOLLIN / EPOLLOUT / EPOLLERR mask epoll reported.
  using FdCallback = std::function<void(std::uint32_t events)>;

  // Throws std::system_error when the kernel refuses the epoll, timer or event fds
  // (descriptor exhaustion): there is no loop to run without them.
  EpollLoop();
  ~EpollLoop() override;
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  [[nodiscard]] TimePoint now() const override { return Clock::now(); }
  TimerId schedule_at(TimePoint when, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  void post(std::function<void()> fn) override;

  // A callback that runs once at the end of the round in which it was scheduled, however many
  // times it was scheduled: for work that many events ask for and one run settles (a
  // connection's flush). Scheduling allocates nothing, where post() makes a std::function and
  // may wake the loop through its eventfd. Destroying it unschedules it. Loop thread only.
  class Task {
   public:
    Task(EpollLoop& loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
    ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    void schedule();
    [[nodiscard]] bool scheduled() const noexcept { return slot_ != kNone; }

   private:
    friend class EpollLoop;
    static constexpr std::size_t kNone = ~std::size_t{0};
    EpollLoop& loop_;
    std::function<void()> fn_;
    std::size_t slot_ = kNone;  // index in the loop's scheduled or running list
    bool running_ = false;      // which of the two
  };

  // A timer that is armed again and again (a connection's next expiry) without the
  // std::function and map entry schedule_at() makes each time. Destroying it disarms it.
  // Loop thread only.
  class Timer {
   public:
    Timer(EpollLoop& loop, std::function<void()> fn);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    // Replaces any earlier arming.
    void arm_at(TimePoint when);
    void disarm() noexcept;
    [[nodiscard]] bool armed() const noexcept { return armed_id_ != 0; }

   private:
    friend class EpollLoop;
    EpollLoop& loop_;
    std::function<void()> fn_;
    TimerId armed_id_ = 0;  // the heap entry that stands for this arming
    std::uint32_t slot_;    // in the loop's timer_slots_
  };

  // Level-triggered interest in `fd`; false when epoll refuses it (bad fd, already watched).
  bool watch(int fd, std::uint32_t events, FdCallback cb);
  bool modify(int fd, std::uint32_t events);
  void unwatch(int fd);

  // Runs until stop(). stop() is safe from any thread and from inside callbacks.
  void run();
  void stop();
  // Runs until `done()` holds (checked after every dispatch round) or `timeout` passes;
  // returns done(). For tests and tools that drive a loop on their own thread.
  bool run_until(const std::function<bool()>& done, Duration timeout);
  // One round: waits at most `max_wait` for events, then runs what is due.
  void run_once(Duration max_wait);

  [[nodiscard]] bool in_loop_thread() const {
    return std::this_thread::get_id() == owner_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t pending_timers() const;
  // Entries in the timer heap, stale ones included (tests bound it).
  [[nodiscard]] std::size_t heap_entries() const { return timers_.size(); }
  // Times post() woke the loop from epoll_wait (an eventfd write each), from any thread.
  [[nodiscard]] std::uint64_t wakes() const { return wakes_.load(std::memory_order_relaxed); }

 private:
  struct Watcher {
    int fd;
    std::uint32_t generation;
    FdCallback cb;
  };
  struct TimerEntry {
    TimePoint when;
    TimerId id;
    std::uint32_t slot;  // the Timer's slot; kNoSlot for schedule_at()'s, whose functions are in timer_fns_
    bool operator>(const TimerEntry& o) const { return when != o.when ? when > o.when : id > o.id; }
  };
  // A due timer taken off the heap: its function (schedule_at) or its Timer, checked again
  // before it runs because an earlier callback of the round may have re-armed or destroyed it.
  struct DueTimer {
    std::function<void()> fn;
    std::uint32_t slot = kNoSlot;
    TimerId id = 0;
  };
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

  [[nodiscard]] bool live(const TimerEntry& e) const;
  void run_timers();
  void run_posted();
  void run_tasks();
  // How long the next wait may sleep: none while work is queued, else until the earliest live
  // timer or max_wait (Duration::max(): no limit). Drops cancelled entries from the heap's top.
  Duration wait_timeout(Duration max_wait);
  int wait(::epoll_event* events, int max_events, Duration timeout);

  int epfd_ = -1;
  int eventfd_ = -1;
  // Written by the thread that runs the loop, read by in_loop_thread() from any thread.
  std::atomic<std::thread::id> owner_;
  std::atomic<bool> stopped_{false};

  std::unordered_map<int, std::shared_ptr<Watcher>> watchers_;
  std::uint32_t next_generation_ = 1;

  // Re-arming and cancelling leave stale entries behind (a connection re-arms per flush, often
  // earlier than an idle timeout seconds away); compact() drops them once they outnumber the
  // live ones, so the heap stays the size of what is armed.
  struct TimerHeap : std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> {
    template <typename Live>
    void compact(Live&& live) {
      std::erase_if(c, [&](const TimerEntry& e) { return !live(e); });
      std::make_heap(c.begin(), c.end(), comp);
    }
  };
  void push_timer(const TimerEntry& e);
  TimerHeap timers_;
  std::size_t armed_timers_ = 0;  // Timers armed now
  std::unordered_map<TimerId, std::function<void()>> timer_fns_;
  // Every Timer not yet destroyed, by slot (null where one was), so a heap entry is checked with
  // an index rather than a hash lookup; a slot is reused, its stale entries fail the id check.
  std::vector<Timer*> timer_slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<DueTimer> due_;                     // run_timers' list, kept for its capacity
  std::vector<Task*> tasks_;                      // scheduled; null where one was destroyed
  std::vector<Task*> running_tasks_;
  TimerId next_timer_ = 1;
  bool pwait2_ = true;  // epoll_pwait2 (nanosecond timeouts) works on this kernel

  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> running_posted_;  // swapped with posted_, keeps its capacity
  bool wake_pending_ = false;  // guarded by post_mu_: an eventfd write is outstanding
  // Guarded by post_mu_: the loop found nothing posted and is blocking (or about to) in
  // epoll_wait. Only then does a post from another thread need the eventfd's write, and the
  // loop its read; a busy loop picks posts up at its next round's run_posted().
  bool sleeping_ = false;
  std::atomic<std::uint64_t> wakes_{0};
};

}  // namespace kinetic::transport
