#include "kinetic/mock/kinetics.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic::mock {

namespace {
constexpr double kUsPerS = 1e6;
// A slope the filter may take before the data pins it down: ±1000 µs/s (0.1 %) covers any
// real clock drift and most queue ramps.
constexpr double kInitialSlopeVar = 1000.0 * 1000.0;
}  // namespace

double normal_cdf(double z) noexcept { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) noexcept {
  p = std::clamp(p, 1e-12, 1.0 - 1e-12);
  // Bisection on Φ: 80 halvings of [-10, 10] reach double precision, and it cannot diverge.
  double lo = -10.0;
  double hi = 10.0;
  for (int i = 0; i < 80; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (normal_cdf(mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

double Particle::p_arrived_by(double t_us) const noexcept {
  if (spread_us <= 0.0) return t_us >= expected_arrival_us ? 1.0 : 0.0;
  return normal_cdf((t_us - expected_arrival_us) / spread_us);
}

double Particle::p_arrived_by_with_tail(double t_us) const noexcept {
  return (1.0 - late_tail) * p_arrived_by(t_us);
}

double Particle::arrival_quantile(double p) const noexcept {
  return expected_arrival_us + spread_us * normal_quantile(p);
}

ArrivalModel::ArrivalModel(const KineticsConfig& config) : config_(config) {
  jitter_var_ = config_.initial_jitter_us * config_.initial_jitter_us;
}

ArrivalModel::Prior ArrivalModel::propagate(std::int64_t timestamp_us) const {
  const double dt = static_cast<double>(timestamp_us - state_ts_) / kUsPerS;
  const double adt = std::fabs(dt);
  const double qd = config_.delay_process_noise;
  const double qs = config_.drift_process_noise;
  Prior p{};
  p.delay = delay_ + slope_ * dt;
  p.slope = slope_;
  // F·P·Fᵀ + Q with F = [[1, dt], [0, 1]]; Q for a random-walk delay plus a random-walk
  // slope (integrated), scaled by the elapsed time in either direction.
  p.p00 = p00_ + 2.0 * dt * p01_ + dt * dt * p11_ + qd * adt + qs * adt * adt * adt / 3.0;
  p.p01 = p01_ + dt * p11_ + qs * dt * adt / 2.0;
  p.p11 = p11_ + qs * adt;
  return p;
}

bool ArrivalModel::observe(std::int64_t timestamp_us, std::int64_t arrival_us) {
  const double z = static_cast<double>(arrival_us - timestamp_us);
  ++observations_;
  if (!initialised_) {
    initialised_ = true;
    state_ts_ = timestamp_us;
    delay_ = z;
    slope_ = 0.0;
    p00_ = jitter_var_;
    p01_ = 0.0;
    p11_ = kInitialSlopeVar;
    return true;
  }

  // Forward in time: move the state to this timestamp and measure it directly. Backward (a
  // reordered object): keep the state where it is and measure it through h = [1, dt].
  double x0 = delay_, x1 = slope_, a = p00_, b = p01_, c = p11_;
  double h1 = 0.0;
  std::int64_t new_ts = state_ts_;
  if (timestamp_us >= state_ts_) {
    const Prior p = propagate(timestamp_us);
    x0 = p.delay; x1 = p.slope; a = p.p00; b = p.p01; c = p.p11;
    new_ts = timestamp_us;
  } else {
    h1 = static_cast<double>(timestamp_us - state_ts_) / kUsPerS;
  }
  const double predicted = x0 + h1 * x1;
  const double y = z - predicted;
  const double hph = a + 2.0 * h1 * b + h1 * h1 * c;  // H·P·Hᵀ
  const double r = jitter_var_;
  const double s = hph + r;

  // The gate applies from the second arrival on: one retransmission among the first few
  // would otherwise teach the filter a huge jitter and a wild slope that take minutes to
  // forget. A true jitter larger than initial_jitter_us still gets in, because accepted
  // innovations near the gate raise the jitter estimate and so widen the gate.
  if (std::fabs(y) > config_.gate_sigma * std::sqrt(s)) {
    ++outliers_;
    ++consecutive_outliers_;
    outlier_rate_ += config_.outlier_rate_alpha * (1.0 - outlier_rate_);
    // A gated innovation still says "at least this noisy": it counts as a 2σ one. The
    // jitter can then grow when the path gets noisier (everything beyond the old gate),
    // while a few percent of retransmissions raise it by only ~10 %.
    jitter_var_ += config_.jitter_alpha * (std::max(4.0 * s - hph, jitter_var_) - jitter_var_);
    if (consecutive_outliers_ < config_.max_consecutive_outliers) return false;
    // Too many in a row: the path changed (new route, standing queue). Open the delay
    // variance to the size of the jump so the state moves there at once.
    a += y * y;
    consecutive_outliers_ = 0;
  } else {
    consecutive_outliers_ = 0;
    outlier_rate_ += config_.outlier_rate_alpha * (0.0 - outlier_rate_);
    // Jitter from the innovations: E[y²] = H·P·Hᵀ + R, so y² − H·P·Hᵀ estimates R.
    const double floor = config_.min_jitter_us * config_.min_jitter_us;
    const double sample = std::max(y * y - hph, floor);
    jitter_var_ += config_.jitter_alpha * (sample - jitter_var_);
    jitter_var_ = std::max(jitter_var_, floor);
  }

  const double sv = a + 2.0 * h1 * b + h1 * h1 * c + r;
  // K = P·Hᵀ / S
  const double pht0 = a + h1 * b;
  const double pht1 = b + h1 * c;
  const double k0 = pht0 / sv;
  const double k1 = pht1 / sv;
  delay_ = x0 + k0 * y;
  slope_ = x1 + k1 * y;
  // P − K·S·Kᵀ keeps P symmetric by construction.
  p00_ = a - k0 * k0 * sv;
  p01_ = b - k0 * k1 * sv;
  p11_ = c - k1 * k1 * sv;
  p00_ = std::max(p00_, 0.0);
  p11_ = std::max(p11_, 0.0);
  state_ts_ = new_ts;
  return true;
}

double ArrivalModel::delay_us(std::int64_t timestamp_us) const {
  if (!initialised_) return 0.0;
  return propagate(timestamp_us).delay;
}

double ArrivalModel::delay_spread_us(std::int64_t timestamp_us) const {
  if (!initialised_) return std::sqrt(jitter_var_);
  return std::sqrt(std::max(propagate(timestamp_us).p00, 0.0) + jitter_var_);
}

Particle ArrivalModel::predict(std::int64_t timestamp_us) const {
  Particle p;
  p.timestamp_us = timestamp_us;
  p.expected_arrival_us = static_cast<double>(timestamp_us) + delay_us(timestamp_us);
  p.spread_us = delay_spread_us(timestamp_us);
  p.late_tail = outlier_rate_;
  return p;
}

double ArrivalModel::jitter_us() const noexcept { return std::sqrt(jitter_var_); }

bool ArrivalModel::ready() const noexcept {
  return observations_ >= static_cast<std::size_t>(config_.warmup);
}

}  // namespace kinetic::mock
