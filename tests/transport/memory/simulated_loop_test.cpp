#include "kinetic/transport/memory/simulated_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kinetic::transport::memory {
namespace {

using namespace std::chrono_literals;

TEST(SimulatedLoop, StartsAtTheFixedEpoch) {
  SimulatedLoop loop;
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch);
  EXPECT_EQ(loop.pending(), 0u);
  EXPECT_EQ(loop.next_event_time(), TimePoint::max());
}

TEST(SimulatedLoop, RunsTimersInTimeThenInsertionOrder) {
  SimulatedLoop loop;
  std::string order;
  loop.schedule_after(20ms, [&] { order += 'c'; });
  loop.schedule_after(10ms, [&] { order += 'a'; });
  loop.schedule_after(10ms, [&] { order += 'b'; });
  loop.schedule_after(0ms, [&] { order += '0'; });
  EXPECT_EQ(loop.run_until_idle(), true);
  EXPECT_EQ(order, "0abc");
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 20ms);
}

TEST(SimulatedLoop, ClockShowsEachEventsTime) {
  SimulatedLoop loop;
  std::vector<Duration> seen;
  for (auto d : {5ms, 1ms, 3ms}) loop.schedule_after(d, [&] { seen.push_back(loop.now() - SimulatedLoop::kEpoch); });
  loop.run_until_idle();
  EXPECT_EQ(seen, (std::vector<Duration>{1ms, 3ms, 5ms}));
}

TEST(SimulatedLoop, CancelledTimerNeverRuns) {
  SimulatedLoop loop;
  int ran = 0;
  const TimerId a = loop.schedule_after(1ms, [&] { ran += 1; });
  loop.schedule_after(2ms, [&] { ran += 10; });
  loop.cancel(a);
  loop.cancel(a);       // twice is harmless
  loop.cancel(12345);   // unknown too
  loop.run_until_idle();
  EXPECT_EQ(ran, 10);
}

TEST(SimulatedLoop, NextEventTimeSkipsCancelledTimers) {
  SimulatedLoop loop;
  const TimerId a = loop.schedule_after(1ms, [] {});
  loop.schedule_after(2ms, [] {});
  EXPECT_EQ(loop.next_event_time(), SimulatedLoop::kEpoch + 1ms);
  loop.cancel(a);
  EXPECT_EQ(loop.next_event_time(), SimulatedLoop::kEpoch + 2ms);
  EXPECT_EQ(loop.pending(), 1u);
  EXPECT_TRUE(loop.run_one());
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 2ms);
  EXPECT_FALSE(loop.run_one());
  EXPECT_EQ(loop.events_run(), 1u);
}

TEST(SimulatedLoop, TimerMayCancelALaterOne) {
  SimulatedLoop loop;
  int ran = 0;
  TimerId later = 0;
  loop.schedule_after(1ms, [&] { loop.cancel(later); });
  later = loop.schedule_after(2ms, [&] { ++ran; });
  loop.run_until_idle();
  EXPECT_EQ(ran, 0);
}

TEST(SimulatedLoop, RunUntilStopsAtTheDeadlineAndSetsTheClock) {
  SimulatedLoop loop;
  int ran = 0;
  loop.schedule_after(10ms, [&] { ++ran; });
  loop.schedule_after(30ms, [&] { ++ran; });
  EXPECT_EQ(loop.run_until(loop.now() + 20ms), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 20ms);
  EXPECT_EQ(loop.run_for(10ms), 1u);  // an event exactly at the deadline runs
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 30ms);
}

TEST(SimulatedLoop, EventsScheduledByEventsRunInTheSameCall) {
  SimulatedLoop loop;
  std::vector<int> seen;
  loop.schedule_after(1ms, [&] {
    seen.push_back(1);
    loop.schedule_after(1ms, [&] { seen.push_back(2); });
    loop.post([&] { seen.push_back(0); });  // at 1ms, before the 2ms timer
  });
  loop.run_for(5ms);
  EXPECT_EQ(seen, (std::vector<int>{1, 0, 2}));
}

TEST(SimulatedLoop, PastTimesRunNowAfterWhatIsAlreadyDue) {
  SimulatedLoop loop;
  loop.run_for(1s);
  std::string order;
  loop.post([&] { order += 'p'; });
  loop.schedule_at(SimulatedLoop::kEpoch, [&] { order += 'x'; });
  loop.run_until_idle();
  EXPECT_EQ(order, "px");
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 1s);
}

TEST(SimulatedLoop, RunUntilIdleIsBoundedForPeriodicTimers) {
  SimulatedLoop loop;
  std::function<void()> tick = [&] { loop.schedule_after(1ms, tick); };
  loop.schedule_after(1ms, tick);
  EXPECT_FALSE(loop.run_until_idle(100));
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 100ms);
}

TEST(SimulatedLoop, RunUntilPredicateStopsAsSoonAsItHolds) {
  SimulatedLoop loop;
  int count = 0;
  for (int i = 1; i <= 10; ++i) loop.schedule_after(i * 1ms, [&] { ++count; });
  EXPECT_TRUE(loop.run_until([&] { return count == 3; }, 1s));
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 3ms);
  EXPECT_FALSE(loop.run_until([&] { return count == 100; }, 50ms));
  EXPECT_EQ(count, 10);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 53ms);
}

TEST(SimulatedLoop, AdvanceMovesTheClockWithoutRunning) {
  SimulatedLoop loop;
  int ran = 0;
  TimePoint ran_at{};
  loop.schedule_after(5ms, [&] { ++ran; ran_at = loop.now(); });
  loop.advance(10ms);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 10ms);
  loop.run_until_idle();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(ran_at, SimulatedLoop::kEpoch + 10ms);  // late, never in the past
  loop.advance(-5ms);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch + 10ms);
}

TEST(SimulatedLoop, ReentrantRunDoesNothing) {
  SimulatedLoop loop;
  std::size_t inner = 99;
  loop.schedule_after(1ms, [&] { inner = loop.run_for(1s); });
  loop.schedule_after(2ms, [] {});
  loop.run_for(1ms);
  EXPECT_EQ(inner, 0u);
  EXPECT_EQ(loop.pending(), 1u);
}

TEST(SimulatedLoop, PostIsSafeFromOtherThreads) {
  SimulatedLoop loop;
  int count = 0;  // only touched on the loop's thread
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) loop.post([&] { ++count; });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(loop.pending(), 4000u);
  EXPECT_TRUE(loop.run_until_idle());
  EXPECT_EQ(count, 4000);
  EXPECT_EQ(loop.now(), SimulatedLoop::kEpoch);
}

TEST(SimulatedLoop, SameCallsGiveTheSameOrder) {
  auto trace = [] {
    SimulatedLoop loop;
    std::vector<int> seen;
    for (int i = 0; i < 50; ++i) {
      loop.schedule_after(std::chrono::milliseconds((i * 7) % 13), [&seen, &loop, i] {
        seen.push_back(i);
        if (i % 5 == 0) loop.post([&seen, i] { seen.push_back(1000 + i); });
      });
    }
    loop.run_until_idle();
    return seen;
  };
  EXPECT_EQ(trace(), trace());
}

}  // namespace
}  // namespace kinetic::transport::memory
