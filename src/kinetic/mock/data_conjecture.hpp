// Dead reckoning for telemetry tracks (positions, velocities, headings, scores): each update
// is a fixed set of numeric fields, and each field has a kind:
//   - kinematic: a Kalman filter with constant-velocity (order 1) or constant-acceleration
//     (order 2) dynamics, extrapolated to any instant;
//   - step: the last value is held (scores, modes, counters).
// Updates may arrive late and out of order. A late update rolls the filters back to the last
// state before its timestamp, applies it, and re-applies the later updates already received,
// so the state is exactly what in-order delivery would have given. What the viewer sees does
// not jump to the corrected value: the difference is blended away over `blend_frames` calls
// of display_at().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::mock {

enum class FieldKind { kKinematic, kStep };

struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::kKinematic;
  int order = 1;                    // kinematic: 1 = constant velocity, 2 = constant acceleration
  double process_noise = 1.0;       // spectral density of the highest derivative, unit²/s^(2·order−1)
  double measurement_noise = 1e-4;  // variance of one measured value, unit²
  double wrap = 0.0;                // > 0: the field is an angle modulo `wrap` (e.g. 360 for heading)
};

struct DataSample {
  std::int64_t timestamp_us = 0;
  std::vector<double> values;  // one per field, in FieldSpec order
};

struct DataConjectureConfig {
  int blend_frames = 8;          // display_at() calls over which a correction is blended in
  std::size_t history = 256;     // real updates (and state snapshots) kept for rollback
};

// What a real update revealed about the conjecture the model held for its instant.
struct DataCorrection {
  std::int64_t timestamp_us = 0;
  bool late = false;                // older than an update already applied: rolled back
  bool had_conjecture = false;      // false for the very first update of the track
  std::vector<double> abs_error;    // |model estimate at timestamp − real value| per field
};

class DataConjecturer {
 public:
  // Field lists that are empty or have an order outside 1..2: an error.
  static Result<DataConjecturer> create(std::vector<FieldSpec> fields,
                                              const DataConjectureConfig& config = {});

  // Feeds a real update (any order). Wrong number of values or a non-finite value: an error.
  // An update with the timestamp of one already held replaces it.
  Result<DataCorrection> push_real(const DataSample& sample);

  // The model's estimate of every field at `t_us` (no blending); empty before any update.
  [[nodiscard]] std::vector<double> estimate_at(std::int64_t t_us) const;

  // What to show for display instant `t_us`: the estimate plus what remains of the blended
  // correction. Each call advances the blend by one frame; call once per displayed frame.
  std::vector<double> display_at(std::int64_t t_us);

  [[nodiscard]] std::size_t field_count() const noexcept { return fields_.size(); }
  [[nodiscard]] const std::vector<FieldSpec>& fields() const noexcept { return fields_; }
  // Timestamp of the newest real update applied (0 before any).
  [[nodiscard]] std::int64_t newest_timestamp_us() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return samples_.empty(); }
  // Running mean of DataCorrection::abs_error per field over all corrections with a conjecture.
  [[nodiscard]] const std::vector<double>& mean_abs_error() const noexcept { return mean_abs_error_; }
  [[nodiscard]] std::size_t rollbacks() const noexcept { return rollbacks_; }

  // One field's filter state: up to position, velocity, acceleration and its covariance.
  struct FieldState {
    double x[3] = {0, 0, 0};
    double p[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    std::int64_t t_us = 0;
    bool initialised = false;
  };
  // The state after the newest update, one per field (for tests that compare histories).
  [[nodiscard]] const std::vector<FieldState>& state() const noexcept { return state_; }

 private:
  DataConjecturer(std::vector<FieldSpec> fields, const DataConjectureConfig& config);
  void apply(const DataSample& sample);
  [[nodiscard]] std::vector<double> estimate_from(const std::vector<FieldState>& state, std::int64_t t_us) const;

  std::vector<FieldSpec> fields_;
  DataConjectureConfig config_;
  // Real updates in timestamp order, each with the filter state right after applying it.
  struct Entry {
    DataSample sample;
    std::vector<FieldState> after;
  };
  std::deque<Entry> samples_;
  std::vector<FieldState> state_;
  std::vector<FieldState> base_;  // state before the oldest entry kept (after history trimming)
  std::uint64_t version_ = 0;     // bumps with every applied update
  // Blending of the displayed value.
  std::vector<FieldState> shown_state_;
  std::uint64_t shown_version_ = 0;
  std::vector<double> carry_;
  int carry_frames_left_ = 0;
  bool shown_any_ = false;
  std::vector<double> mean_abs_error_;
  std::size_t corrections_ = 0;
  std::size_t rollbacks_ = 0;
};

}  // namespace kinetic::mock
