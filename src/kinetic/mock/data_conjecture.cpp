#include "kinetic/mock/data_conjecture.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic::mock {

namespace {

// Before the second update nothing is known about rates; a wide prior lets that update set
// them almost exactly.
constexpr double kRatePriorVar = 1e8;

double wrap_value(double v, double period) noexcept {
  if (period <= 0.0) return v;
  v = std::fmod(v, period);
  return v < 0.0 ? v + period : v;
}

// Shortest signed difference a − b on a circle of `period` (plain difference when 0).
double wrap_diff(double a, double b, double period) noexcept {
  double d = a - b;
  if (period <= 0.0) return d;
  d = std::fmod(d, period);
  if (d > period / 2.0) d -= period;
  if (d <= -period / 2.0) d += period;
  return d;
}

}  // namespace

Result<DataConjecturer> DataConjecturer::create(std::vector<FieldSpec> fields,
                                                      const DataConjectureConfig& config) {
  if (fields.empty()) return Error{Errc::kInvalidValue, "data track without fields"};
  for (const auto& f : fields) {
    if (f.kind == FieldKind::kKinematic && (f.order < 1 || f.order > 2))
      return Error{Errc::kInvalidValue, "kinematic order must be 1 or 2"};
    if (!(f.measurement_noise > 0.0) || !(f.process_noise >= 0.0) || !(f.wrap >= 0.0))
      return Error{Errc::kInvalidValue, "field noise or wrap out of range"};
  }
  if (config.blend_frames < 0 || config.history == 0)
    return Error{Errc::kInvalidValue, "blend frames or history out of range"};
  return DataConjecturer(std::move(fields), config);
}

DataConjecturer::DataConjecturer(std::vector<FieldSpec> fields, const DataConjectureConfig& config)
    : fields_(std::move(fields)), config_(config) {
  state_.assign(fields_.size(), FieldState{});
  base_ = state_;
  mean_abs_error_.assign(fields_.size(), 0.0);
}

std::int64_t DataConjecturer::newest_timestamp_us() const noexcept {
  return samples_.empty() ? 0 : samples_.back().sample.timestamp_us;
}

void DataConjecturer::apply(const DataSample& sample) {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const FieldSpec& spec = fields_[i];
    FieldState& s = state_[i];
    const double z = sample.values[i];
    if (spec.kind == FieldKind::kStep) {
      s.x[0] = z;
      s.t_us = sample.timestamp_us;
      s.initialised = true;
      continue;
    }
    const int n = spec.order + 1;
    if (!s.initialised) {
      s = FieldState{};
      s.x[0] = wrap_value(z, spec.wrap);
      s.p[0][0] = spec.measurement_noise;
      for (int k = 1; k < n; ++k) s.p[k][k] = kRatePriorVar;
      s.t_us = sample.timestamp_us;
      s.initialised = true;
      continue;
    }
    const double dt = static_cast<double>(sample.timestamp_us - s.t_us) / 1e6;
    // Transition F (position, velocity, acceleration) and the white-noise-jerk / white-
    // noise-acceleration process covariance Q for the chosen order.
    double f[3][3] = {{1, dt, dt * dt / 2}, {0, 1, dt}, {0, 0, 1}};
    double q[3][3] = {};
    const double qd = spec.process_noise;
    const double d2 = dt * dt, d3 = d2 * dt, d4 = d3 * dt, d5 = d4 * dt;
    if (n == 2) {
      q[0][0] = qd * d3 / 3; q[0][1] = q[1][0] = qd * d2 / 2; q[1][1] = qd * dt;
    } else {
      q[0][0] = qd * d5 / 20; q[0][1] = q[1][0] = qd * d4 / 8; q[0][2] = q[2][0] = qd * d3 / 6;
      q[1][1] = qd * d3 / 3; q[1][2] = q[2][1] = qd * d2 / 2; q[2][2] = qd * dt;
    }
    double x[3] = {0, 0, 0};
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) x[r] += f[r][c] * s.x[c];
    double fp[3][3] = {};
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c)
        for (int k = 0; k < n; ++k) fp[r][c] += f[r][k] * s.p[k][c];
    double p[3][3] = {};
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) {
        for (int k = 0; k < n; ++k) p[r][c] += fp[r][k] * f[c][k];
        p[r][c] += q[r][c];
      }
    // Measurement of the position only.
    const double y = wrap_diff(z, x[0], spec.wrap);
    const double sv = p[0][0] + spec.measurement_noise;
    double k[3] = {0, 0, 0};
    for (int r = 0; r < n; ++r) k[r] = p[r][0] / sv;
    for (int r = 0; r < n; ++r) s.x[r] = x[r] + k[r] * y;
    s.x[0] = wrap_value(s.x[0], spec.wrap);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) s.p[r][c] = p[r][c] - k[r] * k[c] * sv;
    s.t_us = sample.timestamp_us;
  }
  ++version_;
}

std::vector<double> DataConjecturer::estimate_from(const std::vector<FieldState>& state, std::int64_t t_us) const {
  std::vector<double> out(fields_.size(), 0.0);
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const FieldSpec& spec = fields_[i];
    const FieldState& s = state[i];
    if (!s.initialised) continue;
    if (spec.kind == FieldKind::kStep) {
      out[i] = s.x[0];
      continue;
    }
    const double dt = static_cast<double>(t_us - s.t_us) / 1e6;
    double v = s.x[0] + s.x[1] * dt;
    if (spec.order == 2) v += s.x[2] * dt * dt / 2.0;
    out[i] = wrap_value(v, spec.wrap);
  }
  return out;
}

std::vector<double> DataConjecturer::estimate_at(std::int64_t t_us) const {
  if (samples_.empty()) return {};
  return estimate_from(state_, t_us);
}

Result<DataCorrection> DataConjecturer::push_real(const DataSample& sample) {
  if (sample.values.size() != fields_.size()) return Error{Errc::kInvalidValue, "sample has the wrong number of fields"};
  for (double v : sample.values)
    if (!std::isfinite(v)) return Error{Errc::kInvalidValue, "sample value is not finite"};
  const bool trimmed = !samples_.empty() && base_[0].initialised;
  if (trimmed && sample.timestamp_us < samples_.front().sample.timestamp_us)
    return Error{Errc::kLimitExceeded, "update older than the rollback history"};

  DataCorrection corr;
  corr.timestamp_us = sample.timestamp_us;
  if (!samples_.empty()) {
    corr.had_conjecture = true;
    const auto est = estimate_from(state_, sample.timestamp_us);
    corr.abs_error.resize(fields_.size());
    ++corrections_;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      corr.abs_error[i] = std::fabs(wrap_diff(sample.values[i], est[i], fields_[i].wrap));
      mean_abs_error_[i] += (corr.abs_error[i] - mean_abs_error_[i]) / static_cast<double>(corrections_);
    }
  }

  if (samples_.empty() || sample.timestamp_us > samples_.back().sample.timestamp_us) {
    apply(sample);
    samples_.push_back(Entry{sample, state_});
  } else {
    // Roll back to the state just before this timestamp, then replay in order.
    corr.late = true;
    ++rollbacks_;
    auto it = std::lower_bound(samples_.begin(), samples_.end(), sample.timestamp_us,
                               [](const Entry& e, std::int64_t t) { return e.sample.timestamp_us < t; });
    auto index = static_cast<std::size_t>(it - samples_.begin());
    if (it != samples_.end() && it->sample.timestamp_us == sample.timestamp_us) {
      it->sample = sample;
    } else {
      samples_.insert(it, Entry{sample, {}});
    }
    state_ = index == 0 ? base_ : samples_[index - 1].after;
    for (std::size_t i = index; i < samples_.size(); ++i) {
      apply(samples_[i].sample);
      samples_[i].after = state_;
    }
  }
  while (samples_.size() > config_.history) {
    base_ = samples_.front().after;
    samples_.pop_front();
  }
  return corr;
}

std::vector<double> DataConjecturer::display_at(std::int64_t t_us) {
  if (samples_.empty()) return {};
  const auto est = estimate_from(state_, t_us);
  const auto n = static_cast<double>(config_.blend_frames);
  if (shown_any_ && shown_version_ != version_ && config_.blend_frames > 0) {
    // The model changed since the last frame: start from what the old model (plus what was
    // left of an earlier blend) would show now, so the picture continues where it was.
    const auto old = estimate_from(shown_state_, t_us);
    std::vector<double> carry(fields_.size(), 0.0);
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const double remaining = carry_.empty() ? 0.0 : carry_[i] * static_cast<double>(carry_frames_left_) / n;
      carry[i] = wrap_diff(old[i] + remaining, est[i], fields_[i].wrap);
      if (fields_[i].kind == FieldKind::kStep) carry[i] = 0.0;  // a score changes when it changes
    }
    carry_ = std::move(carry);
    carry_frames_left_ = config_.blend_frames;
  }
  shown_state_ = state_;
  shown_version_ = version_;
  shown_any_ = true;
  std::vector<double> out = est;
  if (carry_frames_left_ > 0) {
    const double frac = static_cast<double>(carry_frames_left_) / n;
    for (std::size_t i = 0; i < fields_.size(); ++i)
      out[i] = wrap_value(est[i] + carry_[i] * frac, fields_[i].wrap);
    --carry_frames_left_;
  }
  return out;
}

}  // namespace kinetic::mock
