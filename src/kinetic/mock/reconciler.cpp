#include "kinetic/mock/reconciler.hpp"

#include <algorithm>
#include <cmath>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {

namespace {
double linear_score(double value, double bad, double good) noexcept {
  if (good <= bad) return value >= good ? 1.0 : 0.0;
  return std::clamp((value - bad) / (good - bad), 0.0, 1.0);
}
}  // namespace

Reconciler::Reconciler(const ReconcilerConfig& config) : config_(config) {}

ReconciliationEvent Reconciler::finish(ReconciliationEvent event, double metric) {
  auto [it, inserted] = tracks_.try_emplace(event.track, TrackStats{config_.initial_confidence});
  TrackStats& t = it->second;
  if (event.substitute == Substitute::kConjecture) {
    t.confidence += config_.alpha * (event.score - t.confidence);
    t.metric = t.count == 0 ? metric : t.metric + config_.alpha * (metric - t.metric);
    ++t.count;
  } else {
    t.confidence += config_.recovery_per_freeze * (config_.initial_confidence - t.confidence);
  }
  event.confidence_after = t.confidence;
  return event;
}

Result<ReconciliationEvent> Reconciler::reconcile_video(std::uint64_t track, std::uint64_t object_id,
                                                              std::int64_t timestamp_us, std::int64_t arrival_us,
                                                              Substitute substitute, const Frame& shown,
                                                              const Frame& real) {
  KINETIC_TRY(const FramePsnr p, psnr(shown, real));
  KINETIC_TRY(const double s, ssim(shown, real));
  ReconciliationEvent e;
  e.track = track;
  e.object_id = object_id;
  e.timestamp_us = timestamp_us;
  e.arrival_us = arrival_us;
  e.kind = TrackKind::kVideo;
  e.substitute = substitute;
  e.psnr_db = p.combined;
  e.ssim = s;
  e.score = linear_score(p.combined, config_.psnr_bad_db, config_.psnr_good_db);
  return finish(e, p.combined);
}

Result<ReconciliationEvent> Reconciler::reconcile_audio(std::uint64_t track, std::uint64_t object_id,
                                                              std::int64_t timestamp_us, std::int64_t arrival_us,
                                                              Substitute substitute,
                                                              std::span<const std::int16_t> shown,
                                                              std::span<const std::int16_t> real) {
  KINETIC_TRY(const double snr, snr_db(real, shown));
  ReconciliationEvent e;
  e.track = track;
  e.object_id = object_id;
  e.timestamp_us = timestamp_us;
  e.arrival_us = arrival_us;
  e.kind = TrackKind::kAudio;
  e.substitute = substitute;
  e.snr_db = snr;
  e.score = linear_score(snr, config_.snr_bad_db, config_.snr_good_db);
  return finish(e, snr);
}

Result<ReconciliationEvent> Reconciler::reconcile_data(std::uint64_t track, std::uint64_t object_id,
                                                             std::int64_t timestamp_us, std::int64_t arrival_us,
                                                             Substitute substitute,
                                                             std::span<const double> abs_error) {
  if (abs_error.empty()) return Error{Errc::kInvalidValue, "no field errors to reconcile"};
  double sum = 0.0;
  for (double v : abs_error) {
    if (!std::isfinite(v) || v < 0.0) return Error{Errc::kInvalidValue, "field error not a finite magnitude"};
    sum += v;
  }
  const double mean = sum / static_cast<double>(abs_error.size());
  ReconciliationEvent e;
  e.track = track;
  e.object_id = object_id;
  e.timestamp_us = timestamp_us;
  e.arrival_us = arrival_us;
  e.kind = TrackKind::kData;
  e.substitute = substitute;
  e.abs_error = mean;
  e.score = config_.data_error_scale > 0.0 ? std::exp(-mean / config_.data_error_scale) : (mean == 0.0 ? 1.0 : 0.0);
  return finish(e, mean);
}

double Reconciler::confidence(std::uint64_t track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? config_.initial_confidence : it->second.confidence;
}

bool Reconciler::should_conjecture(std::uint64_t track) const { return confidence(track) >= config_.min_confidence; }

double Reconciler::mean_metric(std::uint64_t track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? 0.0 : it->second.metric;
}

std::uint64_t Reconciler::reconciled(std::uint64_t track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? 0 : it->second.count;
}

}  // namespace kinetic::mock
