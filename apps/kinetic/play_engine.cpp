#include "play_engine.hpp"

extern "C" {
#include <libavcodec/codec_id.h>
}
#include <opus/opus.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "kinetic/media/stream_decoder.hpp"
#include "kinetic/mock/evaluation.hpp"

namespace kinetic::app {
namespace {

using mock::DisplayKind;

constexpr std::int64_t kDefaultFrameIntervalUs = 33'333;
// Logged at most this many times per track and kind, so a garbage stream cannot flood stderr.
constexpr std::uint64_t kMaxWarnings = 5;

double steady_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

const char* display_kind_name(DisplayKind kind) noexcept {
  switch (kind) {
    case DisplayKind::kReal: return "real";
    case DisplayKind::kConjecture: return "conjecture";
    case DisplayKind::kFreeze: return "freeze";
    case DisplayKind::kStall: return "stall";
  }
  return "stall";
}

struct PlayEngine::Track {
  std::size_t index = 0;
  PlayTrackStats stats;
  media::StreamInfo stream;
  std::unique_ptr<media::StreamDecoder> decoder;  // video, and audio other than Opus
  std::unique_ptr<mock::VideoConjecturer> engine;
  bool opus = false;
  bool in_timeline = false;
  std::int64_t interval_us = kDefaultFrameIntervalUs;
  // Decoding needs an unbroken chain from a keyframe.
  bool need_keyframe = true;
  std::optional<std::uint64_t> last_group;
  std::uint64_t last_object = 0;
  bool offset_set = false;
  bool shown_any = false;
  bool stalled = false;
  std::vector<AudioOut> decoded_audio;  // audio played as it decodes (no timeline)

  void warn(const char* what, const std::string& detail) {
    if (stats.errors + stats.gaps <= kMaxWarnings) spdlog::warn("play: {}: {}: {}", stats.name, what, detail);
  }
};

PlayEngine::PlayEngine(const PlayConfig& config, int audio_rate, int audio_channels)
    : config_(config), audio_rate_(audio_rate), audio_channels_(audio_channels) {}
PlayEngine::~PlayEngine() = default;

std::size_t PlayEngine::tracks() const noexcept { return tracks_.size(); }
const PlayTrackStats& PlayEngine::stats(std::size_t track) const { return tracks_.at(track)->stats; }

std::string PlayEngine::backend() const {
  for (const auto& t : tracks_) {
    if (t->engine) return std::string(t->engine->backend());
  }
  return {};
}

std::int64_t PlayEngine::latency_budget_us(std::size_t track) const {
  const auto* d = timeline_.deadline(track);
  return d != nullptr ? d->latency_us() : 0;
}

mock::TrackConfig PlayEngine::track_config(mock::TrackKind kind, std::int64_t interval_us) const {
  mock::TrackConfig c;
  c.kind = kind;
  c.frame_interval_us = interval_us;
  c.late_policy = config_.late;
  c.max_conjecture_run = config_.max_conjecture_run;
  c.stall_give_up_us = config_.stall_give_up_us;
  c.sample_rate = audio_rate_;
  c.channels = audio_channels_;
  if (config_.budget_us) {
    c.deadline.mode = mock::DeadlineMode::kFixed;
    c.deadline.latency_us = *config_.budget_us;
  } else {
    c.deadline.mode = mock::DeadlineMode::kAdaptive;
  }
  return c;
}

kinetic::Result<std::size_t> PlayEngine::add_track(const std::string& name, const media::StreamInfo& stream) {
  auto t = std::make_unique<Track>();
  t->index = tracks_.size();
  t->stats.name = name;
  t->stats.kind = stream.kind;
  t->stream = stream;
  if (stream.kind == media::StreamKind::kVideo) {
    KINETIC_TRY(t->decoder, media::StreamDecoder::open(stream, audio_rate_, audio_channels_));
    if (stream.framerate > 0) t->interval_us = static_cast<std::int64_t>(std::llround(1e6 / stream.framerate));
    t->engine = mock::make_video_conjecturer({}, config_.prefer_gpu);
    KINETIC_CHECK(timeline_.add_video_track(t->index, track_config(mock::TrackKind::kVideo, t->interval_us), *t->engine));
    t->in_timeline = true;
  } else if (stream.codec_id == AV_CODEC_ID_OPUS) {
    // Opus goes through the timeline, whose decoder conceals a late packet with PLC/FEC; the
    // track joins it once the first packet says how long a packet is.
    t->opus = true;
  } else {
    KINETIC_TRY(t->decoder, media::StreamDecoder::open(stream, audio_rate_, audio_channels_));
  }
  tracks_.push_back(std::move(t));
  return tracks_.size() - 1;
}

void PlayEngine::on_frame(std::size_t track, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                          std::int64_t arrival_us) {
  if (track >= tracks_.size()) return;
  Track& t = *tracks_[track];
  ++t.stats.objects;
  if (frame.timescale == 0 || frame.payload.empty()) {
    ++t.stats.errors;
    t.warn("frame dropped", "no timescale or payload");
    return;
  }
  // A gap inside a group (an object the publisher or a relay gave up on) or a group that
  // does not start at a keyframe breaks the decoder's reference chain until the next keyframe.
  const bool continues = t.last_group && *t.last_group == group && object == t.last_object + 1;
  if (t.last_group && *t.last_group == group && object > t.last_object + 1) {
    ++t.stats.gaps;
    t.warn("gap", fmt::format("group {} objects {}..{} missing", group, t.last_object + 1, object - 1));
  }
  if (!continues && !frame.keyframe && t.stream.kind == media::StreamKind::kVideo) t.need_keyframe = true;
  t.last_group = group;
  t.last_object = object;
  if (t.stream.kind == media::StreamKind::kVideo) {
    on_video(t, group, object, frame, arrival_us);
  } else {
    on_audio(t, group, object, frame, arrival_us);
  }
}

void PlayEngine::on_video(Track& t, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                          std::int64_t arrival_us) {
  if (t.need_keyframe) {
    if (!frame.keyframe) {
      ++t.stats.undecodable;
      return;
    }
    t.decoder->flush();
    t.need_keyframe = false;
  }
  const std::int64_t pts_us = media::loc_pts_us(frame);
  if (!t.offset_set) {
    // The sender's mapping from media time to its wall clock: deadlines then sit at capture
    // time + budget, and latency is glass-to-glass on the shared clock.
    const std::int64_t capture = frame.capture_time_us ? static_cast<std::int64_t>(*frame.capture_time_us) : arrival_us;
    (void)timeline_.set_clock_offset_us(t.index, capture - pts_us);
    t.offset_set = true;
  }
  auto pictures = t.decoder->decode_video(frame.payload.span(), pts_us);
  if (!pictures) {
    ++t.stats.errors;
    t.warn("undecodable frame", pictures.error().what);
    t.need_keyframe = true;
    return;
  }
  for (auto& pic : *pictures) {
    ++t.stats.decoded;
    const std::int64_t ts = pic.pts_us;
    auto pushed = timeline_.push_object(t.index, group << 32 | object, ts, arrival_us, mock::to_frame(std::move(pic)));
    if (!pushed) t.warn("frame not queued", pushed.error().what);
  }
}

void PlayEngine::on_audio(Track& t, std::uint64_t group, std::uint64_t object, const media::LocFrame& frame,
                          std::int64_t arrival_us) {
  const std::int64_t pts_us = media::loc_pts_us(frame);
  if (t.opus) {
    if (!t.in_timeline) {
      const int samples = opus_packet_get_nb_samples(frame.payload.data(), static_cast<opus_int32>(frame.payload.size()),
                                                     audio_rate_);
      if (samples <= 0) {
        ++t.stats.errors;
        t.warn("not an Opus packet", std::to_string(samples));
        return;
      }
      const std::int64_t interval = static_cast<std::int64_t>(samples) * 1'000'000 / audio_rate_;
      auto added = timeline_.add_track(t.index, track_config(mock::TrackKind::kAudio, interval));
      if (!added) {
        ++t.stats.errors;
        t.warn("audio track refused", added.error().what);
        return;
      }
      t.interval_us = interval;
      t.in_timeline = true;
    }
    if (!t.offset_set) {
      const std::int64_t capture = frame.capture_time_us ? static_cast<std::int64_t>(*frame.capture_time_us) : arrival_us;
      (void)timeline_.set_clock_offset_us(t.index, capture - pts_us);
      t.offset_set = true;
    }
    ++t.stats.decoded;
    auto pushed = timeline_.push_object(t.index, group << 32 | object, pts_us, arrival_us, frame.payload);
    if (!pushed) t.warn("packet not queued", pushed.error().what);
    return;
  }
  auto pcm = t.decoder->decode_audio(frame.payload.span(), pts_us);
  if (!pcm) {
    ++t.stats.errors;
    t.warn("undecodable audio", pcm.error().what);
    return;
  }
  ++t.stats.decoded;
  if (!pcm->empty()) t.decoded_audio.push_back({t.index, DisplayKind::kReal, std::move(*pcm)});
}

PlayTick PlayEngine::tick(std::int64_t now_us) {
  PlayTick out;
  for (auto& tp : tracks_) {
    Track& t = *tp;
    if (!t.in_timeline) {
      for (auto& a : t.decoded_audio) out.audio.push_back(std::move(a));
      t.decoded_audio.clear();
      continue;
    }
    if (t.stream.kind != media::StreamKind::kVideo) {
      auto shown = timeline_.display_at(t.index, now_us);
      if (shown && !shown->pcm.empty()) out.audio.push_back({t.index, shown->kind, std::move(shown->pcm)});
      continue;
    }
    const double started = steady_ms();
    auto shown = timeline_.display_at(t.index, now_us + config_.lead_us);
    const double cost = steady_ms() - started;
    if (!shown) continue;
    // Waiting for the first picture is start-up, not a stall.
    const bool stall_starts = shown->kind == DisplayKind::kStall && t.shown_any && !t.stalled;
    if (shown->kind == DisplayKind::kStall ? !stall_starts : !shown->new_slot) continue;
    t.stalled = shown->kind == DisplayKind::kStall;
    if (shown->new_slot && shown->frame) t.shown_any = true;
    Presented p;
    p.track = t.index;
    p.t_us = now_us;
    p.slot_us = shown->timestamp_us;
    p.kind = shown->kind;
    p.latency_us = shown->latency_us - config_.lead_us;
    p.confidence = shown->conjecture_confidence;
    p.object_id = shown->kind == DisplayKind::kReal ? shown->object_id : 0;
    p.frame = shown->frame;
    if (shown->kind == DisplayKind::kConjecture) p.predict_ms = cost;
    out.video.push_back(std::move(p));
  }
  for (auto& e : timeline_.take_events()) {
    const auto track = static_cast<std::size_t>(e.track);
    out.reconciled.push_back({track, e});
  }
  return out;
}

}  // namespace kinetic::app
