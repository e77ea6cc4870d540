// What every event loop shares through EventLoop: delays too far off for the clock.
#include "kinetic/transport/event_loop.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"

namespace kinetic::transport {
namespace {

using namespace std::chrono_literals;

// The largest delivery timeout a peer can send: a 62-bit varint of milliseconds, about 2^22
// times what the clock's nanoseconds can hold.
constexpr auto kPeersLongest = std::chrono::milliseconds((std::uint64_t{1} << 62) - 1);

TEST(EventLoop, ADelayBeyondTheClockNeverFiresOnTheSimulatedLoop) {
  memory::SimulatedLoop loop;
  int fired = 0;
  loop.schedule_after(kPeersLongest, [&] { ++fired; });
  loop.schedule_after(std::chrono::hours(24 * 365 * 1000), [&] { ++fired; });  // 3e19 ns: past int64
  loop.schedule_after(10ms, [] {});
  EXPECT_EQ(loop.run_for(1h), 1u) << "only the 10 ms timer is due";
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(loop.next_event_time(), TimePoint::max());
}

TEST(EventLoop, ADelayBeyondTheClockNeverFiresOnTheEpollLoop) {
  EpollLoop loop;
  int fired = 0;
  loop.schedule_after(kPeersLongest, [&] { ++fired; });
  bool later = false;
  loop.schedule_after(5ms, [&] { later = true; });
  ASSERT_TRUE(loop.run_until([&] { return later || fired > 0; }, 2s));
  loop.run_until([&] { return fired > 0; }, 20ms);
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(later);
}

TEST(EventLoop, OrdinaryDelaysKeepTheirUnit) {
  memory::SimulatedLoop loop;
  const auto start = loop.now();
  TimePoint at{};
  loop.schedule_after(std::chrono::seconds(3), [&] { at = loop.now(); });
  loop.run_for(5s);
  EXPECT_EQ(at - start, 3s);
}

}  // namespace
}  // namespace kinetic::transport
