#include "kinetic/transport/epoll_loop.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace kinetic::transport {
namespace {

using namespace std::chrono_literals;

TEST(EpollLoopTest, TimersRunInDeadlineOrder) {
  EpollLoop loop;
  std::vector<int> order;
  auto t = loop.now();
  loop.schedule_at(t + 30ms, [&] { order.push_back(3); });
  loop.schedule_at(t + 10ms, [&] { order.push_back(1); });
  loop.schedule_after(20ms, [&] { order.push_back(2); });
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 3; }, 2s));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(loop.now() - t, 30ms);
}

TEST(EpollLoopTest, CancelledTimerNeverRuns) {
  EpollLoop loop;
  bool cancelled_ran = false;
  bool other_ran = false;
  auto id = loop.schedule_after(5ms, [&] { cancelled_ran = true; });
  loop.schedule_after(20ms, [&] { other_ran = true; });
  loop.cancel(id);
  ASSERT_TRUE(loop.run_until([&] { return other_ran; }, 2s));
  EXPECT_FALSE(cancelled_ran);
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(EpollLoopTest, TimerMayScheduleAndCancelOthers) {
  EpollLoop loop;
  int fired = 0;
  TimerId later = 0;
  later = loop.schedule_after(50ms, [&] { fired += 100; });
  loop.schedule_after(1ms, [&] {
    loop.cancel(later);
    loop.schedule_after(1ms, [&] { ++fired; });
  });
  ASSERT_TRUE(loop.run_until([&] { return fired == 1; }, 2s));
  loop.run_until([] { return false; }, 80ms);
  EXPECT_EQ(fired, 1);
}

TEST(EpollLoopTest, PostFromAnotherThreadWakesTheLoop) {
  EpollLoop loop;
  std::atomic<int> count{0};
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) loop.post([&] { count.fetch_add(1); });
  });
  ASSERT_TRUE(loop.run_until([&] { return count.load() == 1000; }, 5s));
  t.join();
}

TEST(EpollLoopTest, StopFromAnotherThreadEndsRun) {
  EpollLoop loop;
  bool posted_ran = false;
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    loop.post([&] { posted_ran = true; });
    loop.stop();
  });
  loop.run();  // returns only because of stop()
  t.join();
  loop.run_until([&] { return posted_ran; }, 1s);
  EXPECT_TRUE(posted_ran);
}

TEST(EpollLoopTest, WatchedPipeDeliversReadableEvents) {
  EpollLoop loop;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string got;
  ASSERT_TRUE(loop.watch(fds[0], EPOLLIN, [&](std::uint32_t events) {
    EXPECT_TRUE(events & EPOLLIN);
    char buf[64];
    auto n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
  }));
  EXPECT_FALSE(loop.watch(fds[0], EPOLLIN, [](std::uint32_t) {}));  // already watched
  ASSERT_EQ(::write(fds[1], "abc", 3), 3);
  ASSERT_TRUE(loop.run_until([&] { return got == "abc"; }, 2s));
  loop.unwatch(fds[0]);
  ASSERT_EQ(::write(fds[1], "d", 1), 1);
  loop.run_until([] { return false; }, 30ms);
  EXPECT_EQ(got, "abc");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EpollLoopTest, UnwatchInsideCallbackIsSafe) {
  EpollLoop loop;
  int a[2], b[2];
  ASSERT_EQ(::pipe(a), 0);
  ASSERT_EQ(::pipe(b), 0);
  int calls = 0;
  // Whichever fires first removes both; the other must not be called in the same round.
  auto cb = [&](std::uint32_t) {
    ++calls;
    loop.unwatch(a[0]);
    loop.unwatch(b[0]);
  };
  ASSERT_TRUE(loop.watch(a[0], EPOLLIN, cb));
  ASSERT_TRUE(loop.watch(b[0], EPOLLIN, cb));
  ASSERT_EQ(::write(a[1], "x", 1), 1);
  ASSERT_EQ(::write(b[1], "x", 1), 1);
  loop.run_until([] { return false; }, 30ms);
  EXPECT_EQ(calls, 1);
  for (int fd : {a[0], a[1], b[0], b[1]}) ::close(fd);
}

TEST(EpollLoopTest, WatchRejectsBadDescriptor) {
  EpollLoop loop;
  EXPECT_FALSE(loop.watch(-1, EPOLLIN, [](std::uint32_t) {}));
  EXPECT_FALSE(loop.modify(12345, EPOLLIN));
}

TEST(EpollLoopTest, TaskScheduledManyTimesRunsOncePerRound) {
  EpollLoop loop;
  int runs = 0;
  EpollLoop::Task task(loop, [&] { ++runs; });
  for (int i = 0; i < 5; ++i) task.schedule();
  EXPECT_TRUE(task.scheduled());
  loop.run_once(0ms);
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(task.scheduled());
  loop.run_once(0ms);
  EXPECT_EQ(runs, 1);  // not scheduled again, not run again
}

TEST(EpollLoopTest, TaskRescheduledByItselfRunsNextRoundWithoutBlocking) {
  EpollLoop loop;
  int runs = 0;
  std::unique_ptr<EpollLoop::Task> task;
  task = std::make_unique<EpollLoop::Task>(loop, [&] {
    if (++runs < 3) task->schedule();
  });
  task->schedule();
  loop.run_once(0ms);
  EXPECT_EQ(runs, 1);
  // The next rounds must not wait for an event: a scheduled task is work to do.
  auto t = loop.now();
  loop.run_once(1s);
  loop.run_once(1s);
  EXPECT_EQ(runs, 3);
  EXPECT_LT(loop.now() - t, 500ms);
}

TEST(EpollLoopTest, DestroyedTaskNeverRunsEvenWhenDestroyedByAnEarlierTaskOfTheRound) {
  EpollLoop loop;
  int second_runs = 0;
  auto second = std::make_unique<EpollLoop::Task>(loop, [&] { ++second_runs; });
  EpollLoop::Task first(loop, [&] { second.reset(); });
  first.schedule();
  second->schedule();
  loop.run_once(0ms);
  EXPECT_EQ(second_runs, 0);
  EpollLoop::Task third(loop, [&] { ++second_runs; });
  third.schedule();
  {
    EpollLoop::Task gone(loop, [&] { second_runs += 100; });
    gone.schedule();
  }
  loop.run_once(0ms);
  EXPECT_EQ(second_runs, 1);
}

TEST(EpollLoopTest, TimerReArmedKeepsOnlyItsLatestDeadline) {
  EpollLoop loop;
  std::vector<TimePoint> fired;
  EpollLoop::Timer timer(loop, [&] { fired.push_back(loop.now()); });
  auto t0 = loop.now();
  timer.arm_at(t0 + 5ms);
  timer.arm_at(t0 + 40ms);  // replaces the 5 ms arming
  EXPECT_TRUE(timer.armed());
  EXPECT_EQ(loop.pending_timers(), 1u);
  ASSERT_TRUE(loop.run_until([&] { return !fired.empty(); }, 2s));
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_GE(fired[0] - t0, 40ms);
  EXPECT_FALSE(timer.armed());
  EXPECT_EQ(loop.pending_timers(), 0u);
  loop.run_until([] { return false; }, 20ms);
  EXPECT_EQ(fired.size(), 1u);
}

// The loop sleeps in its wait until the earliest live timer, to the nanosecond: a timer is never
// run early, and a loop with nothing else to do wakes for it rather than for the wait's limit.
TEST(EpollLoopTest, SleepingLoopWakesForItsEarliestLiveTimerAndNotBefore) {
  EpollLoop loop;
  std::vector<TimePoint> fired;
  EpollLoop::Timer timer(loop, [&] { fired.push_back(loop.now()); });
  EpollLoop::Timer cancelled(loop, [&] { fired.push_back(TimePoint{}); });
  const auto t0 = loop.now();
  cancelled.arm_at(t0 + 1ms);
  timer.arm_at(t0 + 1500us);
  cancelled.disarm();
  int rounds = 0;
  while (fired.empty() && rounds < 10) {
    loop.run_once(10s);
    ++rounds;
  }
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_GE(fired[0] - t0, 1500us);
  EXPECT_LT(fired[0] - t0, 5s) << "slept for the wait's limit, not until the timer";
  EXPECT_LE(rounds, 3);
}

TEST(EpollLoopTest, DisarmedOrDestroyedTimerNeverFires) {
  EpollLoop loop;
  int fired = 0;
  EpollLoop::Timer kept(loop, [&] { fired += 1; });
  EpollLoop::Timer disarmed(loop, [&] { fired += 10; });
  auto doomed = std::make_unique<EpollLoop::Timer>(loop, [&] { fired += 100; });
  auto t0 = loop.now();
  disarmed.arm_at(t0 + 2ms);
  disarmed.disarm();
  doomed->arm_at(t0 + 2ms);
  // Due in the same round as `doomed`, and destroys it before its turn.
  EpollLoop::Timer killer(loop, [&] { doomed.reset(); });
  killer.arm_at(t0 + 1ms);
  kept.arm_at(t0 + 10ms);
  ASSERT_TRUE(loop.run_until([&] { return fired != 0; }, 2s));
  EXPECT_EQ(fired, 1);
}

TEST(EpollLoopTest, TimerArmedFromItsOwnCallbackFiresAgain) {
  EpollLoop loop;
  int fired = 0;
  std::unique_ptr<EpollLoop::Timer> timer;
  timer = std::make_unique<EpollLoop::Timer>(loop, [&] {
    if (++fired < 3) timer->arm_at(loop.now() + 1ms);
  });
  timer->arm_at(loop.now() + 1ms);
  ASSERT_TRUE(loop.run_until([&] { return fired == 3; }, 2s));
  loop.run_until([] { return false; }, 20ms);
  EXPECT_EQ(fired, 3);
}

TEST(EpollLoopTest, StaleTimerEntriesDoNotAccumulate) {
  // A connection re-arms per flush, mostly to an earlier time than an idle timeout far away;
  // the entries those armings leave must not pile up for the idle timeout's length.
  EpollLoop loop;
  int fired = 0;
  EpollLoop::Timer timer(loop, [&] { ++fired; });
  auto t0 = loop.now();
  for (int i = 0; i < 100000; ++i) timer.arm_at(t0 + 1h - std::chrono::milliseconds(i % 1000));
  EXPECT_EQ(loop.pending_timers(), 1u);
  EXPECT_LT(loop.heap_entries(), 1000u);
  timer.arm_at(t0 + 1ms);
  ASSERT_TRUE(loop.run_until([&] { return fired == 1; }, 2s));
}

TEST(EpollLoopTest, PostFromTheLoopThreadRunsWithoutAWake) {
  EpollLoop loop;
  int runs = 0;
  loop.run_once(0ms);  // makes this thread the loop's
  loop.post([&] {
    ++runs;
    loop.post([&] { ++runs; });  // from inside a posted task: the next round
  });
  // Nothing wakes the loop, so a round that waited for an event would take the whole second.
  auto t = loop.now();
  loop.run_once(1s);
  loop.run_once(1s);
  EXPECT_EQ(runs, 2);
  EXPECT_LT(loop.now() - t, 500ms);
}

TEST(EpollLoopTest, PostsToALoopThatIsNotWaitingWakeNothing) {
  EpollLoop loop;
  loop.run_once(0ms);  // this thread's, and not blocked in epoll_wait
  int runs = 0;
  std::thread t([&] {
    for (int i = 0; i < 100; ++i) loop.post([&] { ++runs; });
  });
  t.join();
  EXPECT_EQ(loop.wakes(), 0U);
  loop.run_once(1s);  // does not block: posts are waiting
  EXPECT_EQ(runs, 100);
}

TEST(EpollLoopTest, PostToASleepingLoopWakesItWithOneWrite) {
  EpollLoop loop;
  bool ran = false;
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);  // the loop below is blocked by then
    loop.post([&] { ran = true; });
  });
  const auto start = loop.now();
  loop.run_once(10s);  // a single round: returns when the post wakes it
  t.join();
  EXPECT_TRUE(ran);
  EXPECT_LT(loop.now() - start, 5s);
  EXPECT_EQ(loop.wakes(), 1U);
}

// A post that lands while the loop decides to sleep must still wake it: the loop runs with no
// timeout at all, so one lost wake-up would leave it blocked until the watchdog below.
TEST(EpollLoopTest, NoPostIsLeftBehindWhileTheLoopGoesToSleep) {
  EpollLoop loop;
  constexpr int kPosts = 20'000;
  std::atomic<int> runs{0};
  std::atomic<bool> finished{false};
  std::thread runner([&] {
    loop.run();
    finished = true;
  });
  std::thread poster([&] {
    for (int i = 0; i < kPosts; ++i) {
      if (i % 64 == 0) std::this_thread::sleep_for(20us);  // lets the loop fall asleep now and then
      loop.post([&] {
        if (runs.fetch_add(1) + 1 == kPosts) loop.stop();
      });
    }
  });
  poster.join();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!finished.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  const bool stopped_by_itself = finished.load();
  loop.stop();  // the watchdog's, if a wake-up was lost
  runner.join();
  EXPECT_TRUE(stopped_by_itself) << runs.load() << " of " << kPosts << " ran";
  EXPECT_EQ(runs.load(), kPosts);
}

TEST(EpollLoopTest, RunUntilTimesOut) {
  EpollLoop loop;
  auto t = loop.now();
  EXPECT_FALSE(loop.run_until([] { return false; }, 40ms));
  EXPECT_GE(loop.now() - t, 40ms);
}

}  // namespace
}  // namespace kinetic::transport
