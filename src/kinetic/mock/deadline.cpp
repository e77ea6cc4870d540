#include "kinetic/mock/deadline.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic::mock {

DeadlinePolicy::DeadlinePolicy(const DeadlineConfig& config)
    : config_(config), latency_us_(config.latency_us) {
  if (config_.step_us <= 0) config_.step_us = 1;
  if (config_.max_latency_us < config_.min_latency_us) config_.max_latency_us = config_.min_latency_us;
  if (config_.mode == DeadlineMode::kAdaptive)
    latency_us_ = std::clamp(latency_us_, config_.min_latency_us, config_.max_latency_us);
}

double DeadlinePolicy::stall_probability(const Particle& particle, std::int64_t latency_us) const {
  const double deadline = static_cast<double>(particle.timestamp_us + clock_offset_us_ + latency_us);
  const double on_time = config_.count_late_tail ? particle.p_arrived_by_with_tail(deadline)
                                                 : particle.p_arrived_by(deadline);
  return 1.0 - on_time;
}

std::int64_t DeadlinePolicy::required_latency_us(const Particle& particle) const {
  double need = 1.0 - config_.target_stall;
  if (config_.count_late_tail) {
    if (particle.late_tail >= config_.target_stall) return config_.max_latency_us;
    need /= (1.0 - particle.late_tail);
  }
  const double arrival = particle.arrival_quantile(need);
  const double raw = arrival - static_cast<double>(particle.timestamp_us + clock_offset_us_);
  if (!std::isfinite(raw) || raw >= static_cast<double>(config_.max_latency_us)) return config_.max_latency_us;
  const auto step = static_cast<double>(config_.step_us);
  const auto rounded = static_cast<std::int64_t>(std::ceil(raw / step)) * config_.step_us;
  return std::clamp(rounded, config_.min_latency_us, config_.max_latency_us);
}

std::int64_t DeadlinePolicy::update(const ArrivalModel& model, std::int64_t next_timestamp_us, std::int64_t now_us) {
  if (config_.mode == DeadlineMode::kFixed || !model.ready()) {
    last_update_us_ = now_us;
    updated_once_ = true;
    return latency_us_;
  }
  const std::int64_t required = required_latency_us(model.predict(next_timestamp_us));
  const double elapsed_s = updated_once_ ? static_cast<double>(std::max<std::int64_t>(now_us - last_update_us_, 0)) / 1e6 : 0.0;
  last_update_us_ = now_us;
  updated_once_ = true;

  if (required > latency_us_) {
    // Rising is immediate: a stall is worse than a few more milliseconds of delay.
    latency_us_ = required;
    decrease_credit_us_ = 0.0;
  } else if (required < latency_us_ - config_.hysteresis_us) {
    decrease_credit_us_ += static_cast<double>(latency_us_) * config_.max_decrease_per_s * elapsed_s;
    const auto steps = static_cast<std::int64_t>(decrease_credit_us_ / static_cast<double>(config_.step_us));
    if (steps > 0) {
      const std::int64_t drop = std::min(steps * config_.step_us, latency_us_ - required);
      latency_us_ -= drop;
      decrease_credit_us_ -= static_cast<double>(steps * config_.step_us);
    }
  } else {
    decrease_credit_us_ = 0.0;
  }
  return latency_us_;
}

}  // namespace kinetic::mock
