// Reconciliation: the real object for a slot that was conjectured has arrived. The caller
// replaces what it shows with the real object; the Reconciler measures how wrong the
// conjecture was (PSNR/SSIM for video, SNR for audio, absolute error for data) and keeps a
// per-track confidence, an exponentially weighted mean of a 0..1 quality score, which the
// timeline consults before conjecturing again: a track whose conjectures keep failing is
// frozen instead.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

#include "kinetic/mock/frame.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::mock {

enum class TrackKind { kVideo, kAudio, kData };

// What was shown in place of the missing object.
enum class Substitute { kConjecture, kFreeze };

struct ReconciliationEvent {
  std::uint64_t track = 0;
  std::uint64_t object_id = 0;
  std::int64_t timestamp_us = 0;   // the object's capture/presentation timestamp
  std::int64_t arrival_us = 0;     // when the real object got here
  TrackKind kind = TrackKind::kVideo;
  Substitute substitute = Substitute::kConjecture;
  // Video: PSNR (combined, capped) and luma SSIM. Audio: SNR in snr_db. Data: mean absolute
  // error over the fields in abs_error. Fields that do not apply stay 0.
  double psnr_db = 0.0;
  double ssim = 0.0;
  double snr_db = 0.0;
  double abs_error = 0.0;
  double score = 0.0;              // 0 (useless) .. 1 (perfect), what the confidence averages
  double confidence_after = 0.0;
};

struct ReconcilerConfig {
  double alpha = 0.2;              // weight of the newest score in the confidence
  double initial_confidence = 1.0; // optimistic: a track earns distrust by failing
  double min_confidence = 0.4;     // below it, should_conjecture() says no
  // Each reconciled freeze pulls the confidence this far back towards initial_confidence, so
  // a distrusted track is tried again after a while instead of freezing for ever.
  double recovery_per_freeze = 0.05;
  // Video score: PSNR mapped linearly from psnr_bad_db (0) to psnr_good_db (1).
  double psnr_bad_db = 18.0;
  double psnr_good_db = 38.0;
  // Audio score: SNR mapped linearly from snr_bad_db (0) to snr_good_db (1).
  double snr_bad_db = -3.0;
  double snr_good_db = 15.0;
  // Data score: exp(−mean abs error / data_error_scale).
  double data_error_scale = 1.0;
};

class Reconciler {
 public:
  explicit Reconciler(const ReconcilerConfig& config = {});

  // `shown` is what the player displayed for the slot, `real` the object that arrived. A
  // conjecture's score moves the confidence; a freeze is scored for the record and only
  // lets the confidence recover (recovery_per_freeze). Mismatched sizes: an error.
  Result<ReconciliationEvent> reconcile_video(std::uint64_t track, std::uint64_t object_id,
                                                    std::int64_t timestamp_us, std::int64_t arrival_us,
                                                    Substitute substitute, const Frame& shown,
                                                    const Frame& real);
  Result<ReconciliationEvent> reconcile_audio(std::uint64_t track, std::uint64_t object_id,
                                                    std::int64_t timestamp_us, std::int64_t arrival_us,
                                                    Substitute substitute,
                                                    std::span<const std::int16_t> shown,
                                                    std::span<const std::int16_t> real);
  Result<ReconciliationEvent> reconcile_data(std::uint64_t track, std::uint64_t object_id,
                                                   std::int64_t timestamp_us, std::int64_t arrival_us,
                                                   Substitute substitute,
                                                   std::span<const double> abs_error);

  [[nodiscard]] double confidence(std::uint64_t track) const;
  [[nodiscard]] bool should_conjecture(std::uint64_t track) const;
  // Exponentially weighted mean of the raw error metric per track (PSNR dB, SNR dB or abs
  // error, by the track's kind), for reports.
  [[nodiscard]] double mean_metric(std::uint64_t track) const;
  [[nodiscard]] std::uint64_t reconciled(std::uint64_t track) const;
  [[nodiscard]] const ReconcilerConfig& config() const noexcept { return config_; }

 private:
  struct TrackStats {
    double confidence;
    double metric = 0.0;
    std::uint64_t count = 0;
  };
  ReconciliationEvent finish(ReconciliationEvent event, double metric);

  ReconcilerConfig config_;
  std::unordered_map<std::uint64_t, TrackStats> tracks_;
};

}  // namespace kinetic::mock
