// Arrival kinetics of one track: when will the next object get here, and how sure are we?
//
// Every arrival gives one measurement of the relative one-way delay, arrival time minus the
// object's send/capture timestamp. It contains an unknown but constant clock offset, so only
// its changes mean anything; the filter never needs the offset separately. A two-state Kalman
// filter tracks that delay and its slope (clock drift plus slow queue growth). Its
// measurement noise (the network jitter) is estimated online from the innovations, so the
// predicted spread follows the real one. Late retransmissions and other outliers are gated:
// an innovation beyond `gate_sigma` standard deviations does not move the state, unless
// enough of them come in a row (then the path itself changed and the filter re-converges).
#pragma once

#include <cstddef>
#include <cstdint>

namespace kinetic::mock {

// Standard normal cumulative distribution Φ(z).
double normal_cdf(double z) noexcept;
// Inverse of Φ for p in (0, 1); clamps p to [1e-12, 1 − 1e-12].
double normal_quantile(double p) noexcept;

struct KineticsConfig {
  // Random-walk spectral density of the delay, µs² per second of timestamp time.
  double delay_process_noise = 250.0 * 250.0;
  // Random-walk spectral density of the slope, (µs/s)² per second. Clock drift is nearly
  // constant; faster delay changes belong to the delay's own random walk.
  double drift_process_noise = 1.0;
  // Jitter standard deviation assumed before any innovation was seen.
  double initial_jitter_us = 5000.0;
  // Never believe jitter smaller than this (timer granularity).
  double min_jitter_us = 100.0;
  // Weight of one innovation in the jitter estimate (exponential forgetting).
  double jitter_alpha = 0.02;
  // Innovations beyond this many predicted standard deviations are outliers.
  double gate_sigma = 4.0;
  // After this many outliers in a row the path is assumed changed: the next one is accepted
  // with its noise inflated so the state moves to it.
  int max_consecutive_outliers = 6;
  // Weight of one arrival in the outlier-rate estimate.
  double outlier_rate_alpha = 0.02;
  // Observations before predictions are considered meaningful (ready()).
  int warmup = 8;
};

// One object in flight: where the model expects it and how sure it is.
struct Particle {
  std::int64_t timestamp_us = 0;       // the object's send/capture timestamp
  double expected_arrival_us = 0.0;    // in the receiver's clock
  double spread_us = 0.0;              // standard deviation of the arrival time
  double late_tail = 0.0;              // probability it is an outlier (e.g. retransmitted)

  // P(arrival ≤ t) of the Gaussian part, ignoring the late tail.
  [[nodiscard]] double p_arrived_by(double t_us) const noexcept;
  // P(arrival ≤ t) counting outliers as "not by t": (1 − late_tail) · p_arrived_by(t).
  [[nodiscard]] double p_arrived_by_with_tail(double t_us) const noexcept;
  // The arrival time that the object beats with probability p (Gaussian part).
  [[nodiscard]] double arrival_quantile(double p) const noexcept;
};

class ArrivalModel {
 public:
  explicit ArrivalModel(const KineticsConfig& config = {});

  // Records that the object stamped `timestamp_us` arrived at `arrival_us` (receiver clock).
  // Returns false when the arrival was gated as an outlier (it still counts in outlier_rate).
  // Timestamps may come out of order; the state advances only forward in timestamp time.
  bool observe(std::int64_t timestamp_us, std::int64_t arrival_us);

  // The particle for an object stamped `timestamp_us`. Before the first observation the
  // expected arrival equals the timestamp and the spread is the initial jitter.
  [[nodiscard]] Particle predict(std::int64_t timestamp_us) const;

  // Predicted relative delay (arrival − timestamp) for that timestamp and its standard
  // deviation (state uncertainty plus jitter).
  [[nodiscard]] double delay_us(std::int64_t timestamp_us) const;
  [[nodiscard]] double delay_spread_us(std::int64_t timestamp_us) const;

  [[nodiscard]] double drift_us_per_s() const noexcept { return slope_; }
  [[nodiscard]] double jitter_us() const noexcept;
  [[nodiscard]] double outlier_rate() const noexcept { return outlier_rate_; }
  [[nodiscard]] std::size_t observations() const noexcept { return observations_; }
  [[nodiscard]] std::size_t outliers() const noexcept { return outliers_; }
  [[nodiscard]] bool ready() const noexcept;
  [[nodiscard]] const KineticsConfig& config() const noexcept { return config_; }

 private:
  struct Prior {
    double delay, slope, p00, p01, p11;
  };
  [[nodiscard]] Prior propagate(std::int64_t timestamp_us) const;

  KineticsConfig config_;
  bool initialised_ = false;
  std::int64_t state_ts_ = 0;  // timestamp the state refers to
  double delay_ = 0.0;         // µs
  double slope_ = 0.0;         // µs of delay per s of timestamp
  double p00_ = 0.0, p01_ = 0.0, p11_ = 0.0;  // covariance
  double jitter_var_ = 0.0;    // measurement noise variance, µs²
  double outlier_rate_ = 0.0;
  int consecutive_outliers_ = 0;
  std::size_t observations_ = 0;
  std::size_t outliers_ = 0;
};

}  // namespace kinetic::mock
