// The real EventLoop: epoll for sockets, a timerfd for the earliest timer, an eventfd to
// wake the loop for work posted from other threads. One loop per thread; everything but
// post() and stop() must be called on the loop's own thread.
#pragma once

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

  [[nodiscard]] bool in_loop_thread() const { return std::this_thread::get_id() == owner_; }
  [[nodiscard]] std::size_t pending_timers() const { return timer_fns_.size(); }

 private:
  struct Watcher {
    int fd;
    std::uint32_t generation;
    FdCallback cb;
  };
  struct TimerEntry {
    TimePoint when;
    TimerId id;
    bool operator>(const TimerEntry& o) const { return when != o.when ? when > o.when : id > o.id; }
  };

  void run_timers();
  void run_posted();
  void arm_timerfd();
  int wait_timeout_ms(Duration max_wait) const;

  int epfd_ = -1;
  int timerfd_ = -1;
  int eventfd_ = -1;
  std::thread::id owner_;
  std::atomic<bool> stopped_{false};

  std::unordered_map<int, std::shared_ptr<Watcher>> watchers_;
  std::uint32_t next_generation_ = 1;

  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  std::unordered_map<TimerId, std::function<void()>> timer_fns_;
  TimerId next_timer_ = 1;
  TimePoint armed_{TimePoint::max()};

  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  bool wake_pending_ = false;  // guarded by post_mu_: an eventfd write is outstanding
};

}  // namespace kinetic::transport
