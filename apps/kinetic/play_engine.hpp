// The media side of `kinetic play`: received LOC frames go through an FFmpeg decoder into
// MOCK's Timeline with their network arrival times, and the display clock asks the timeline
// what to present. It owns no thread and reads no clock: the caller passes every time, so a
// test drives it exactly as the player's thread does, and the network loop never waits on a
// decoder or a conjecture (the player feeds it from a queue on a thread of its own).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/media/loc_packager.hpp"
#include "kinetic/mock/timeline.hpp"
#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::app {

struct PlayConfig {
  mock::LatePolicy late = mock::LatePolicy::kConjecture;
  // Display latency budget; nullopt lets the deadline adapt to the arrival kinetics.
  std::optional<std::int64_t> budget_us;
  // "Negative latency": the display asks for the slot due at t + lead, so a conjecture stands
  // in for pictures that are not even due at the sender's pace yet.
  std::int64_t lead_us = 0;
  bool prefer_gpu = true;          // CUDA conjectures when built with them and a GPU is present
  int max_conjecture_run = 8;      // consecutive conjectured slots before freezing
  std::int64_t stall_give_up_us = 1'000'000;
};

// One presented video slot (new_slot) or the start of a stall.
struct Presented {
  std::size_t track = 0;
  std::int64_t t_us = 0;           // receiver wall clock when presented
  std::int64_t slot_us = 0;        // media timestamp of the slot (microseconds)
  mock::DisplayKind kind = mock::DisplayKind::kStall;
  std::int64_t latency_us = 0;     // t − capture time of the slot, less the lead
  float confidence = 0.0f;
  std::uint64_t object_id = 0;     // group << 32 | object of the real frame (0 for substitutes)
  std::shared_ptr<const mock::Frame> frame;
  double predict_ms = 0;           // wall time of the conjecture, when one was made
};

// A real frame arrived for a slot already shown substituted.
struct Reconciled {
  std::size_t track = 0;
  mock::ReconciliationEvent event;
};

// New PCM due for playback (decoded, or Opus concealment).
struct AudioOut {
  std::size_t track = 0;
  mock::DisplayKind kind = mock::DisplayKind::kReal;
  std::vector<std::int16_t> pcm;   // interleaved at the engine's audio format
};

struct PlayTick {
  std::vector<Presented> video;
  std::vector<Reconciled> reconciled;
  std::vector<AudioOut> audio;
};

struct PlayTrackStats {
  std::string name;
  media::StreamKind kind = media::StreamKind::kVideo;
  std::uint64_t objects = 0;        // LOC frames received
  std::uint64_t decoded = 0;        // pictures or audio frames out of the decoder
  std::uint64_t undecodable = 0;    // skipped while waiting for a keyframe after a gap
  std::uint64_t errors = 0;         // garbage the decoder refused
  std::uint64_t gaps = 0;           // objects missing inside a group (delivery timeout, reset)
};

class PlayEngine {
 public:
  explicit PlayEngine(const PlayConfig& config, int audio_rate = 48000, int audio_channels = 1);
  ~PlayEngine();
  PlayEngine(const PlayEngine&) = delete;
  PlayEngine& operator=(const PlayEngine&) = delete;

  // Adds a catalog track; its index is the order of calls. A codec FFmpeg cannot open is an
  // error and the track is not added (the others play on).
  kinetic::Result<std::size_t> add_track(const std::string& name, const media::StreamInfo& stream);

  // One LOC frame of track `track`, object `object` of group `group`, that arrived at
  // `arrival_us` (receiver wall clock, the clock tick() is called with).
  void on_frame(std::size_t track, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                std::int64_t arrival_us);

  // What is due at `now_us`: newly presented video slots, reconciliations, audio.
  PlayTick tick(std::int64_t now_us);

  [[nodiscard]] std::size_t tracks() const noexcept;
  [[nodiscard]] const PlayTrackStats& stats(std::size_t track) const;
  // "cpu" or "cuda" for the first video track's engine; empty when there is none.
  [[nodiscard]] std::string backend() const;
  [[nodiscard]] std::int64_t latency_budget_us(std::size_t track) const;
  [[nodiscard]] int audio_rate() const noexcept { return audio_rate_; }
  [[nodiscard]] int audio_channels() const noexcept { return audio_channels_; }

  struct Track;

 private:
  void on_video(Track& t, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                std::int64_t arrival_us);
  void on_audio(Track& t, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                std::int64_t arrival_us);
  mock::TrackConfig track_config(mock::TrackKind kind, std::int64_t interval_us) const;

  PlayConfig config_;
  int audio_rate_;
  int audio_channels_;
  mock::Timeline timeline_;
  std::vector<std::unique_ptr<Track>> tracks_;
};

const char* display_kind_name(mock::DisplayKind kind) noexcept;

}  // namespace kinetic::app
