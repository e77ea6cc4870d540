// The display timeline: what a subscriber plugs MOCK into. Objects go in with their
// timestamps and arrival times; display_at(t) says what to present at receiver instant t:
// the real object if it arrived in time, otherwise (by the track's late policy) a
// conjecture, a freeze of the last real picture, or a stall. When a real object arrives for
// a slot that was substituted, a ReconciliationEvent comes out with the measured error.
//
// Slots: objects of a track are spaced `frame_interval_us` apart in timestamp; the first
// object received fixes the grid. The slot due at t is the latest whose deadline
// (DeadlinePolicy) has passed. An object counts as received once display_at() is called for
// a time at or after its arrival, so a harness may push objects ahead of their arrival.
//
// Video conjectures come from the VideoConjecturer given to add_video_track(). The timeline
// feeds it real decoded frames only, in display order; conjectured pictures are handed out
// as read-only shared frames and never pushed back, so no prediction can become a reference.
//
// Audio tracks take Opus packets and produce PCM through OpusConcealingDecoder; data tracks
// take sample vectors and use DataConjecturer. display_at() must be called with
// non-decreasing t per track.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

#include "kinetic/mock/audio_conjecture.hpp"
#include "kinetic/mock/data_conjecture.hpp"
#include "kinetic/mock/deadline.hpp"
#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/kinetics.hpp"
#include "kinetic/mock/reconciler.hpp"
#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/base/shared_bytes.hpp"

namespace kinetic::mock {

enum class DisplayKind {
  kReal,        // the real object for the slot
  kConjecture,  // a prediction (video engine, Opus PLC/FEC, data dead reckoning)
  kFreeze,      // the last real picture again (or silence for audio)
  kStall,       // playback waits: nothing new can be presented
};

enum class LatePolicy {
  kStall,       // classic jitter buffer: wait for the object, latency grows
  kFreeze,      // keep the clock running, repeat the last real picture
  kConjecture,  // MOCK: predict the missing object
};

struct TrackConfig {
  TrackKind kind = TrackKind::kVideo;
  std::int64_t frame_interval_us = 33'333;  // video frame / audio packet / data update spacing
  LatePolicy late_policy = LatePolicy::kConjecture;
  DeadlineConfig deadline;
  KineticsConfig kinetics;
  int max_conjecture_run = 8;               // farthest conjecture, in intervals past the newest real frame
  // kStall only: a missing object is given up (shown as a freeze) after stalling this long
  // while a later object is already here.
  std::int64_t stall_give_up_us = 1'000'000;
  // Audio.
  int sample_rate = 48000;
  int channels = 1;
  // Data.
  std::vector<FieldSpec> fields;
  DataConjectureConfig data;
};

// A decoded video frame, one Opus packet, or one data sample's field values.
using Payload = std::variant<Frame, SharedBytes, std::vector<double>>;

struct DisplayOutput {
  DisplayKind kind = DisplayKind::kStall;
  std::int64_t t_us = 0;
  std::int64_t timestamp_us = 0;  // slot presented (media timestamp); 0 before the first
  std::uint64_t object_id = 0;    // id of the real object presented or stood in for
  std::int64_t latency_us = 0;    // t − timestamp − clock offset: glass-to-glass on a shared clock
  // The slot differs from the previous call's. When false nothing new is due (audio: no
  // samples) and kind, frame and values repeat the previous call's.
  bool new_slot = false;
  // Video: the picture to present (null before the first real frame).
  std::shared_ptr<const Frame> frame;
  float conjecture_confidence = 0.0f;  // the engine's own confidence, for conjectures
  // Audio: the samples newly due since the previous call, interleaved.
  std::vector<std::int16_t> pcm;
  // Data: the field values to present.
  std::vector<double> values;
};

class Timeline {
 public:
  explicit Timeline(const ReconcilerConfig& reconciler = {});
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;
  ~Timeline();

  // A video track whose conjectures come from `engine` (which must outlive the timeline).
  Status add_video_track(std::uint64_t track, const TrackConfig& config, VideoConjecturer& engine);
  // An audio or data track, or a video track without an engine (it freezes instead).
  Status add_track(std::uint64_t track, const TrackConfig& config);

  // Unknown track, payload of the wrong kind, or an object for a slot already held: an error.
  Status push_object(std::uint64_t track, std::uint64_t object_id, std::int64_t timestamp_us,
                           std::int64_t arrival_us, Payload payload);

  Result<DisplayOutput> display_at(std::uint64_t track, std::int64_t t_us);

  // Reconciliation events since the previous call, oldest first.
  std::vector<ReconciliationEvent> take_events();

  [[nodiscard]] const Reconciler& reconciler() const noexcept { return reconciler_; }
  [[nodiscard]] const ArrivalModel* kinetics(std::uint64_t track) const;
  [[nodiscard]] const DeadlinePolicy* deadline(std::uint64_t track) const;
  // Sets the sender→receiver clock offset used in every deadline of the track.
  Status set_clock_offset_us(std::uint64_t track, std::int64_t offset_us);

  struct Track;  // defined in timeline.cpp

 private:
  Status add(std::uint64_t track, const TrackConfig& config, VideoConjecturer* engine);
  Reconciler reconciler_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Track>> tracks_;
  std::vector<ReconciliationEvent> events_;
};

}  // namespace kinetic::mock
