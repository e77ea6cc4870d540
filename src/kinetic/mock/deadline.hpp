// When must the player show an object? deadline = timestamp + clock offset + latency budget.
//
// The clock offset maps the sender's timestamps into the receiver's clock (0 when both share
// one, as in the evaluation harness; a real player sets it from its clock sync). A fixed
// policy keeps the budget constant. An adaptive policy picks the smallest budget whose
// predicted stall probability (from the track's ArrivalModel) is at most a target, and
// changes it slowly: it rises at once when stalls threaten (stalls cost more than latency),
// and falls only when it has been too generous by more than `hysteresis_us`, at a bounded
// rate, so that the picture does not visibly speed up and slow down.
#pragma once

#include <cstdint>

#include "kinetic/mock/kinetics.hpp"

namespace kinetic::mock {

enum class DeadlineMode { kFixed, kAdaptive };

struct DeadlineConfig {
  DeadlineMode mode = DeadlineMode::kFixed;
  std::int64_t latency_us = 200'000;      // fixed budget, and the adaptive starting point
  double target_stall = 0.01;             // adaptive: acceptable P(object misses its deadline)
  bool count_late_tail = false;           // adaptive: include the model's outlier rate in the risk
  std::int64_t min_latency_us = 20'000;
  std::int64_t max_latency_us = 2'000'000;
  std::int64_t step_us = 5'000;           // budgets are multiples of this
  std::int64_t hysteresis_us = 20'000;    // required drop before the budget falls
  double max_decrease_per_s = 0.05;       // budget may fall by this fraction per second
};

class DeadlinePolicy {
 public:
  explicit DeadlinePolicy(const DeadlineConfig& config = {});

  // Adaptive mode: re-plans the budget from the model's particle for `next_timestamp_us`
  // (the next object the player will need), at receiver time `now_us`. Fixed mode: no-op.
  // Returns the budget in force afterwards.
  std::int64_t update(const ArrivalModel& model, std::int64_t next_timestamp_us, std::int64_t now_us);

  // The smallest step-multiple budget within [min, max] whose stall probability for that
  // particle is ≤ target (max when none is); the raw answer before hysteresis.
  [[nodiscard]] std::int64_t required_latency_us(const Particle& particle) const;

  // Predicted probability that the object stamped `timestamp_us` misses its deadline.
  [[nodiscard]] double stall_probability(const Particle& particle, std::int64_t latency_us) const;

  [[nodiscard]] std::int64_t deadline_us(std::int64_t timestamp_us) const noexcept {
    return timestamp_us + clock_offset_us_ + latency_us_;
  }
  [[nodiscard]] std::int64_t latency_us() const noexcept { return latency_us_; }
  [[nodiscard]] std::int64_t clock_offset_us() const noexcept { return clock_offset_us_; }
  void set_clock_offset_us(std::int64_t offset) noexcept { clock_offset_us_ = offset; }
  [[nodiscard]] const DeadlineConfig& config() const noexcept { return config_; }

 private:
  DeadlineConfig config_;
  std::int64_t latency_us_;
  std::int64_t clock_offset_us_ = 0;
  std::int64_t last_update_us_ = 0;
  bool updated_once_ = false;
  double decrease_credit_us_ = 0.0;  // earned room to fall, spent in whole steps
};

}  // namespace kinetic::mock
