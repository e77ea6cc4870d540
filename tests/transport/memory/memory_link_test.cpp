#include "kinetic/transport/memory/memory_link.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::memory {
namespace {

using namespace std::chrono_literals;

TEST(MemoryLink, DirectionsHaveTheirOwnConfigAndRandomness) {
  LinkConfig config;
  config.to_server.delay = 30ms;
  config.to_client.delay = 10ms;
  config.to_server.loss = 0.5;
  config.to_client.loss = 0.5;
  MemoryLink link(config, 77);
  EXPECT_EQ(link.base_rtt(), 40ms);
  EXPECT_EQ(link.path(Direction::kToServer).config().delay, 30ms);
  EXPECT_EQ(link.path(Direction::kToClient).config().delay, 10ms);
  // Same loss rate, but not the same draws.
  const TimePoint t0{};
  std::vector<bool> up, down;
  for (int i = 0; i < 64; ++i) {
    up.push_back(link.path(Direction::kToServer).transmit(t0, 10, false).lost);
    down.push_back(link.path(Direction::kToClient).transmit(t0, 10, false).lost);
  }
  EXPECT_NE(up, down);
}

TEST(MemoryLink, RecoveryCostsARoundTripPlusSlack) {
  LinkConfig config;
  config.to_server.delay = 30ms;
  config.to_client.delay = 10ms;
  config.to_server.loss = 1.0;
  config.loss_recovery_slack = 5ms;
  MemoryLink link(config, 1);
  const TimePoint t0{};
  const Transmission t = link.path(Direction::kToServer).transmit(t0, 10, true);
  EXPECT_EQ(t.arrival, t0 + 30ms + 45ms * t.losses);
}

TEST(MemoryLink, SetPathChangesOneDirectionAndTheRecoveryDelay) {
  LinkConfig config;
  MemoryLink link(config, 1);
  PathConfig slow;
  slow.delay = 100ms;
  slow.loss = 1.0;
  link.set_path(Direction::kToClient, slow);
  EXPECT_EQ(link.config().to_client.delay, 100ms);
  EXPECT_EQ(link.base_rtt(), 110ms);
  const Transmission t = link.path(Direction::kToClient).transmit(TimePoint{}, 10, true);
  EXPECT_EQ(t.arrival, TimePoint{} + 100ms + (110ms + config.loss_recovery_slack) * t.losses);
  EXPECT_EQ(link.path(Direction::kToServer).config().delay, 10ms);
}

TEST(MemoryLink, TraceSeesRecordedEvents) {
  MemoryLink link(LinkConfig{}, 1);
  int seen = 0;
  link.record(TraceEvent{});
  link.set_trace([&](const TraceEvent& e) { seen += static_cast<int>(e.bytes); });
  TraceEvent e;
  e.bytes = 5;
  link.record(e);
  EXPECT_EQ(seen, 5);
}

}  // namespace
}  // namespace kinetic::transport::memory
