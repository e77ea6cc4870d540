// The impairment proxy's model of one direction of a path, packet by packet: what happens to a
// datagram sent now with this many bytes? Pure and seeded (no sockets, no clock: the caller
// passes the time), so the same packets at the same times always meet the same fate.
//
// A packet first meets a bottleneck (a rate limit with a drop-tail queue), then the path: a
// Gilbert–Elliott chain stepped once per packet plus independent random loss, a base delay and
// jitter. Jitter is drawn once per correlation interval rather than per packet, so it behaves
// like a queue that grows and drains: packets stay in order (delivery = max(send + delay,
// previous delivery)) unless picked for reordering, which holds one back past its successors.
//
// Unlike make_arrivals (impairment.hpp), a lost packet is simply gone: the rto_ms and
// max_retransmissions of ImpairmentParams mean nothing here, because the QUIC connection
// through the proxy notices the loss and retransmits by itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/mock/impairment.hpp"
#include "kinetic/mock/impairment_trace.hpp"
#include "kinetic/mock/seeded_draw.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::mock {

struct PacketImpairmentConfig {
  ImpairmentParams path;          // delay, jitter, Gilbert–Elliott chain (rto_ms unused)
  double loss = 0;                // independent random loss probability, on top of the chain
  double rate_kbps = 0;           // bottleneck rate; 0 = unlimited
  double queue_ms = 100;          // drop-tail: a packet that would wait longer is dropped; 0 = no time limit
  std::size_t queue_bytes = 0;    // ... or that finds this many bytes queued ahead; 0 = no byte limit
  double reorder = 0;             // probability that a packet is held back ...
  double reorder_ms = 10;         // ... this long past its place in line
  double jitter_interval_ms = 33; // one jitter value per interval; 0 = a fresh one per packet
  // From trace[i].at_ms on, trace[i] replaces the base delay, jitter, loss (chain and random)
  // and rate; the queue limit and reordering stay.
  std::vector<TraceStep> trace;

  // One line for logs: every setting with its unit.
  [[nodiscard]] std::string describe() const;
};

// Everything finite and in range: probabilities in [0, 1], delays up to a minute, a rate of 0
// or 1 kbit/s .. 100 Gbit/s, a trace whose times increase.
Status validate_packet_impairment(const PacketImpairmentConfig& config);

enum class PacketDrop {
  kNone,
  kLoss,   // random loss, or the chain's loss while in its good state
  kBurst,  // the chain's loss inside a burst
  kQueue,  // the bottleneck queue was full
};
std::string_view packet_drop_name(PacketDrop drop);

struct PacketFate {
  PacketDrop drop = PacketDrop::kNone;
  std::int64_t deliver_at_us = 0;  // when it leaves the far end of the path (if not dropped)
  bool reordered = false;          // held back, so later packets may overtake it
  [[nodiscard]] bool delivered() const noexcept { return drop == PacketDrop::kNone; }
};

struct PacketImpairmentCounters {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t delivered = 0;
  std::uint64_t delivered_bytes = 0;
  std::uint64_t lost = 0;
  std::uint64_t burst_lost = 0;
  std::uint64_t queue_dropped = 0;
  std::uint64_t reordered = 0;
};

class PacketImpairment {
 public:
  // The config must pass validate_packet_impairment; its error comes back otherwise.
  static Result<PacketImpairment> create(PacketImpairmentConfig config, std::uint64_t seed);

  // `now_us` counts from the start of the run (the trace's time zero); a time earlier than the
  // previous call's is taken as that time, so a clock step cannot reorder the path.
  PacketFate on_packet(std::int64_t now_us, std::size_t bytes);

  [[nodiscard]] const PacketImpairmentCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const PacketImpairmentConfig& config() const noexcept { return config_; }
  [[nodiscard]] bool in_burst() const noexcept { return bad_; }

 private:
  PacketImpairment(PacketImpairmentConfig config, std::uint64_t seed);

  const TraceStep* step_at(std::int64_t now_us);
  std::int64_t jitter_us(std::int64_t now_us, const TraceStep* step);

  PacketImpairmentConfig config_;
  // Two streams, so which packets are lost or reordered depends only on the seed and the packet
  // count, not on how many jitter intervals the timing happened to touch.
  SeededDraw packet_draw_;
  SeededDraw time_draw_;
  PacketImpairmentCounters counters_;
  bool bad_ = false;                  // Gilbert–Elliott state
  std::int64_t last_now_us_ = 0;
  std::size_t next_step_ = 0;         // first trace step not yet in force
  std::int64_t link_free_us_ = 0;     // when the bottleneck finishes what it holds
  std::int64_t fifo_last_us_ = 0;     // latest in-order delivery so far
  std::int64_t jitter_interval_ = -1; // interval the current jitter value belongs to
  std::size_t jitter_step_ = 0;       // next_step_ when it was drawn
  std::int64_t jitter_value_us_ = 0;
};

}  // namespace kinetic::mock
