// What `kinetic play` measures while it plays: one JSON line per presented slot and per
// reconciliation (--log), and a summary per video track at exit.
//
// Freezes are counted by the W3C webrtc-stats rule (freezeCount): a freeze is an interval
// between two rendered frames of at least max(3 × average frame duration, average + 150 ms),
// the average taken over the last 30 rendered intervals. A rendered frame is a new picture: a
// real frame or a conjecture. A freeze-frame repeat and a stall render nothing new, so they
// grow the interval. Conjectures are also counted as concealed frames and concealment events
// (runs of consecutive conjectures), since a freeze counter alone would hide them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "play_engine.hpp"
#include "play_reference.hpp"

namespace kinetic::app {

struct PlaySummary {
  std::string track;
  double seconds = 0;                // first to last presented slot
  std::size_t slots = 0;             // slots presented
  std::size_t real = 0;
  std::size_t conjectured = 0;       // concealed frames
  std::size_t frozen = 0;            // last real picture repeated
  std::size_t concealment_events = 0;
  std::size_t stall_events = 0;      // the timeline stopped and waited (stall policy)
  double stall_ms = 0;               // total time stopped
  std::size_t freezes = 0;           // W3C rule
  double freeze_ms = 0;
  double latency_mean_ms = 0;        // display latency: presentation − capture time of the slot
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  std::size_t predictions = 0;
  double predict_ms = 0;             // mean wall time per conjecture
  std::size_t reconciled = 0;        // conjectures (and freezes) whose real frame arrived later
  double reconciled_psnr_db = 0;     // mean PSNR of those substitutes against the late real frame
  // Against --reference (zero when none was given or sizes differ).
  std::size_t scored = 0;
  double psnr_db = 0;                // mean over every scored slot
  double ssim = 0;
  std::size_t substituted_scored = 0;
  double substituted_psnr_db = 0;    // conjectures and freezes only
  double substituted_ssim = 0;
  // PSNR of substituted slots over the moving blocks only (mock::psnr_moving against the
  // reference frame before the slot's).
  std::size_t moving_scored = 0;
  double substituted_moving_psnr_db = 0;
};

// Audio as played: how many milliseconds came from real packets, from concealment (Opus PLC/FEC,
// --late conjecture) and from silence (--late freeze).
struct AudioSummary {
  std::string track;
  double real_ms = 0;
  double concealed_ms = 0;
  double silent_ms = 0;
};

class PlayReport {
 public:
  // `log` (may be null) receives the JSON lines; `reference` (may be null) scores each slot.
  PlayReport(std::ostream* log, const PlayReference* reference) : log_(log), reference_(reference) {}

  void add_track(std::size_t index, std::string name);
  void on_presented(const Presented& p);
  void on_reconciled(const Reconciled& r);
  // One video frame read off the network (logged only): what mock-eval --arrivals replays.
  void on_arrival(std::size_t track, std::uint64_t group, std::uint64_t object, std::int64_t pts_us,
                  std::int64_t capture_us, std::int64_t arrival_us);
  void add_audio_track(std::size_t index, std::string name, int sample_rate, int channels);
  void on_audio(const AudioOut& a);
  [[nodiscard]] std::vector<AudioSummary> audio_summaries() const;

  [[nodiscard]] std::vector<PlaySummary> summaries() const;
  // The overlay's view of one video track, cheap enough for every frame: the counts so far and
  // latency percentiles over the last few hundred slots.
  [[nodiscard]] PlaySummary running(std::size_t track) const;

 private:
  struct Track {
    PlaySummary s;
    std::vector<double> latencies_ms;
    std::deque<double> intervals_ms;  // last 30 rendered intervals
    std::int64_t last_render_us = -1;
    std::int64_t first_us = -1;
    std::int64_t last_us = -1;
    std::int64_t stall_started_us = -1;
    bool in_concealment = false;
    double psnr_sum = 0, ssim_sum = 0, sub_psnr_sum = 0, sub_ssim_sum = 0, predict_sum = 0, rec_psnr_sum = 0;
    double moving_psnr_sum = 0;
  };
  Track* track(std::size_t index);
  std::ostream* log_;
  const PlayReference* reference_;
  std::map<std::size_t, Track> tracks_;
  struct Audio {
    AudioSummary s;
    double samples_per_ms = 48.0;
  };
  std::map<std::size_t, Audio> audio_;
};

// Human-readable, a few lines, for stderr at exit.
std::string format_summary(const PlaySummary& s);
nlohmann::json summary_json(const PlaySummary& s);
std::string format_audio_summary(const AudioSummary& s);
nlohmann::json audio_summary_json(const AudioSummary& s);

}  // namespace kinetic::app
