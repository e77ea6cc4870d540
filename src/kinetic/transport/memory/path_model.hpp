// One direction of a simulated link: when a packet handed to the wire arrives, or
// whether it is lost. Bandwidth serializes packets one after another; delay and jitter
// follow; random loss and a Gilbert–Elliott two-state channel decide losses. Jitter
// never reorders (a late packet holds back those behind it, as on one queue); only the
// explicit reordering knob lets a packet overtake others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "kinetic/transport/event_loop.hpp"

namespace kinetic::transport::memory {

using namespace std::chrono_literals;

struct JitterModel {
  enum class Kind {
    kNone,
    kUniform,      // uniform in [-spread, +spread]
    kNormal,       // normal with standard deviation `spread`
    kExponential,  // one-sided queueing delay with mean `spread`
  };
  Kind kind = Kind::kNone;
  Duration spread{0};
};

// Two-state burst loss: in Good a packet is lost with `loss_good`, in Bad with
// `loss_bad`; before each packet the channel moves Good→Bad with `p_good_to_bad` and
// Bad→Good with `p_bad_to_good` (so bursts last 1 / p_bad_to_good packets on average).
struct GilbertElliott {
  double p_good_to_bad = 0.0;
  double p_bad_to_good = 1.0;
  double loss_good = 0.0;
  double loss_bad = 1.0;

  [[nodiscard]] bool enabled() const { return p_good_to_bad > 0.0; }
};

struct PathConfig {
  Duration delay = 10ms;            // one-way propagation delay
  JitterModel jitter;
  double loss = 0.0;                // independent per-packet loss, on top of burst loss
  GilbertElliott burst;
  std::uint64_t bandwidth_bps = 0;  // 0: unlimited (no serialization delay)
  double reorder = 0.0;             // chance that a packet is held back by reorder_delay
  Duration reorder_delay = 5ms;
  std::size_t mtu = 1200;           // packet payload bytes
  std::size_t overhead = 40;        // per-packet header bytes that also cost bandwidth
};

// What happened to one packet handed to the wire.
struct Transmission {
  TimePoint arrival;
  bool lost = false;          // unreliable packet dropped
  std::uint32_t losses = 0;   // for reliable packets: how many copies were lost first
};

class PathModel {
 public:
  // `recovery_delay` is what one lost copy of a reliable packet costs before its
  // retransmission leaves (about one RTT plus the loss timer's slack).
  PathModel(PathConfig config, std::uint64_t seed, Duration recovery_delay);

  [[nodiscard]] const PathConfig& config() const { return config_; }
  void set_config(const PathConfig& config) { config_ = config; }
  void set_recovery_delay(Duration d) { recovery_delay_ = d; }

  // When the wire is free for the next packet; before then, packets wait in the sender.
  [[nodiscard]] TimePoint free_at() const { return free_at_; }
  // Puts one packet of `payload_bytes` on the wire at `now` (which must not be before
  // free_at()). Reliable packets are never lost, only delayed by recovery, and each
  // lost copy occupies the wire once more.
  Transmission transmit(TimePoint now, std::size_t payload_bytes, bool reliable);

  // How long `bytes` occupy the wire at the configured bandwidth (zero when unlimited).
  [[nodiscard]] Duration serialization_time(std::size_t bytes) const;

  [[nodiscard]] std::uint64_t packets_sent() const { return packets_sent_; }
  [[nodiscard]] std::uint64_t packets_lost() const { return packets_lost_; }
  [[nodiscard]] bool in_burst() const { return bad_; }

 private:
  bool draw_loss();
  Duration draw_jitter();
  double uniform() { return unit_(rng_); }

  PathConfig config_;
  Duration recovery_delay_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  bool bad_ = false;
  TimePoint free_at_{};
  TimePoint last_arrival_{};
  std::uint64_t packets_sent_ = 0;
  std::uint64_t packets_lost_ = 0;
};

}  // namespace kinetic::transport::memory
