// Seeded network impairment traces for the MOCK evaluation: when does each object of a track
// arrive, given when it was sent? Delay = base + jitter (shifted gamma or Pareto tail); losses
// come in bursts from a Gilbert–Elliott chain; a lost object is not gone but retransmitted, so
// it arrives an RTO later (and may be lost again). Objects of one group share a stream and so
// arrive in order: a late object holds back the rest of its group, as QUIC streams do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::mock {

enum class JitterShape {
  kNone,
  kGamma,   // shifted gamma: most objects a little late, a light tail
  kPareto,  // Pareto (xm, alpha) minus xm: a heavy tail of very late objects
};

struct ImpairmentParams {
  std::string name = "custom";
  double base_delay_ms = 0;        // one-way propagation and queuing floor
  JitterShape jitter = JitterShape::kNone;
  double gamma_shape = 2.0;        // k
  double gamma_scale_ms = 5.0;     // theta; mean jitter = k * theta
  double pareto_alpha = 2.0;       // tail index; smaller is heavier
  double pareto_scale_ms = 5.0;    // xm
  double max_jitter_ms = 2000;     // clamps the tail so one draw cannot end the run
  // Gilbert–Elliott: a two-state Markov chain stepped once per object.
  double p_good_to_bad = 0;        // P(enter a burst)
  double p_bad_to_good = 1;        // P(leave it); mean burst length = 1 / p_bad_to_good
  double loss_good = 0;            // loss probability in the good state
  double loss_bad = 0;             // loss probability in the bad state
  double rto_ms = 200;             // extra delay per retransmission
  int max_retransmissions = 6;     // after this many the object never arrives

  [[nodiscard]] bool impaired() const noexcept;
  // The long-run loss rate of the chain (before retransmission).
  [[nodiscard]] double stationary_loss() const noexcept;
  [[nodiscard]] double mean_jitter_ms() const noexcept;
  // One line for logs and the CLI: every parameter with its unit.
  [[nodiscard]] std::string describe() const;
};

// Every delay finite and non-negative, every probability in [0, 1], jitter parameters usable.
Status validate_impairment(const ImpairmentParams& params);

// Named presets: "clean" (no impairment at all), "wifi", "lte", "congested".
Result<ImpairmentParams> impairment_preset(std::string_view name);
std::vector<std::string_view> impairment_preset_names();

inline constexpr std::int64_t kNeverArrives = INT64_MAX;

struct ObjectArrival {
  std::int64_t send_us = 0;
  std::int64_t arrival_us = 0;  // kNeverArrives when every retransmission was lost too
  int transmissions = 1;        // 1 = first try; more = lost and resent
  bool head_of_line = false;    // held back by an earlier object of its group
};

// Arrivals for objects sent at `send_us` (non-decreasing). Objects i and i+1 are in the same
// group when i / group_size == (i+1) / group_size; group_size 1 makes every object its own
// stream. Everything comes from `seed`: the same inputs always give the same trace.
Result<std::vector<ObjectArrival>> make_arrivals(const ImpairmentParams& params, std::uint64_t seed,
                                                       const std::vector<std::int64_t>& send_us, int group_size = 1);

struct TraceSummary {
  std::size_t objects = 0;
  std::size_t retransmitted = 0;     // objects lost at least once
  std::size_t never_arrived = 0;
  std::size_t head_of_line = 0;
  double delay_p50_ms = 0;           // over arrived objects
  double delay_p95_ms = 0;
  double delay_max_ms = 0;
};

TraceSummary summarize(const std::vector<ObjectArrival>& arrivals);

}  // namespace kinetic::mock
