// The shared state of one simulated connection: its configuration and the two
// directions' path models, which both endpoints' sessions consult. Tests may change a
// direction's impairment mid-run (a loss burst, a bandwidth drop) and watch every
// packet through the trace hook.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "kinetic/transport/memory/packet.hpp"
#include "kinetic/transport/memory/path_model.hpp"

namespace kinetic::transport::memory {

enum class Direction : std::uint8_t { kToServer, kToClient };

struct LinkConfig {
  PathConfig to_server;
  PathConfig to_client;
  std::string protocol = "moqt-20";  // ALPN (or WT-Protocol) both ends see
  std::string path;                  // WebTransport request path; empty for raw QUIC
  // How many streams of each kind an endpoint lets its peer have open at once; the
  // credit returns (as QUIC's MAX_STREAMS) when a peer's stream closes.
  std::uint64_t max_bidi_streams = 100;
  std::uint64_t max_uni_streams = 100;
  bool datagrams = true;
  std::size_t max_datagram_size = 1150;
  // Datagrams waiting for a bandwidth-limited wire beyond this are dropped (tail drop);
  // an unlimited wire takes every datagram.
  std::size_t datagram_queue_packets = 256;
  // Zero disables it: a pending idle timer would keep SimulatedLoop::run_until_idle busy.
  Duration idle_timeout{0};
  // Beyond one RTT, what a lost stream packet costs before its retransmission leaves.
  Duration loss_recovery_slack = 25ms;
  // on_writable fires when a stream's queued bytes fall to this after exceeding it.
  std::size_t write_low_water = 64 * 1024;
  // Zero: derived from the network's seed and the link's number.
  std::uint64_t seed = 0;
};

// One packet as it left the sender, for tests and traces.
struct TraceEvent {
  TimePoint sent;
  TimePoint arrival;  // meaningless when lost
  Direction direction = Direction::kToServer;
  Packet::Kind kind = Packet::Kind::kStream;
  StreamId stream = 0;
  std::size_t bytes = 0;
  bool lost = false;               // datagram dropped
  std::uint32_t recoveries = 0;    // reliable packet: copies lost before it got through
};

class MemoryLink {
 public:
  MemoryLink(const LinkConfig& config, std::uint64_t seed);

  [[nodiscard]] const LinkConfig& config() const { return config_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  PathModel& path(Direction d) { return d == Direction::kToServer ? to_server_ : to_client_; }
  [[nodiscard]] const PathModel& path(Direction d) const {
    return d == Direction::kToServer ? to_server_ : to_client_;
  }
  // Replaces one direction's impairment from now on (queue and burst state are kept).
  void set_path(Direction d, const PathConfig& config);

  // Base round trip: both one-way delays, without jitter or queueing.
  [[nodiscard]] Duration base_rtt() const;

  void set_trace(std::function<void(const TraceEvent&)> trace) { trace_ = std::move(trace); }
  void record(const TraceEvent& event) const {
    if (trace_) trace_(event);
  }

  // Bytes on the wire in each direction, for SessionStats::bytes_in_flight.
  std::uint64_t& in_flight(Direction d) { return d == Direction::kToServer ? in_flight_to_server_ : in_flight_to_client_; }

 private:
  Duration recovery_delay() const { return base_rtt() + config_.loss_recovery_slack; }

  LinkConfig config_;
  std::uint64_t seed_;
  PathModel to_server_;
  PathModel to_client_;
  std::function<void(const TraceEvent&)> trace_;
  std::uint64_t in_flight_to_server_ = 0;
  std::uint64_t in_flight_to_client_ = 0;
};

}  // namespace kinetic::transport::memory
