#include "kinetic/mock/timeline.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace kinetic::mock {

namespace {

// Freeze plays silence in a gap, so its decoder keeps no mix to blend back out of; the other
// policies play MOCK's concealment.
OpusConcealmentConfig audio_concealment(LatePolicy policy) {
  OpusConcealmentConfig c;
  c.learned_gain = policy != LatePolicy::kFreeze;
  return c;
}

// Late objects that never come are forgotten after this long, so substitutes kept for
// reconciliation stay bounded.
constexpr std::int64_t kSubstituteMemoryUs = 10'000'000;
// A display call that jumps further than this many audio frames skips ahead instead of
// concealing every missed frame.
constexpr std::int64_t kMaxAudioCatchUp = 500;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool frame_consistent(const Frame& f) noexcept {
  if (f.width <= 0 || f.height <= 0 || (f.width % 2) != 0 || (f.height % 2) != 0) return false;
  const auto luma = static_cast<std::size_t>(f.width) * static_cast<std::size_t>(f.height);
  return f.y.size() == luma && f.u.size() == luma / 4 && f.v.size() == luma / 4;
}

int severity(DisplayKind k) noexcept {
  switch (k) {
    case DisplayKind::kReal: return 0;
    case DisplayKind::kFreeze: return 1;
    case DisplayKind::kConjecture: return 2;
    case DisplayKind::kStall: return 3;
  }
  return 3;
}

}  // namespace

struct Timeline::Track {
  std::uint64_t id = 0;
  TrackConfig config;
  VideoConjecturer* engine = nullptr;
  ArrivalModel model;
  DeadlinePolicy policy;
  std::optional<DataConjecturer> data;
  std::optional<OpusConcealingDecoder> audio;

  struct Object {
    std::uint64_t id = 0;
    std::int64_t timestamp_us = 0;
    std::int64_t arrival_us = 0;
    std::shared_ptr<const Frame> frame;
    SharedBytes packet;
    std::vector<double> values;
  };
  std::multimap<std::int64_t, Object> pending;  // by arrival time
  std::map<std::int64_t, Object> received;      // by timestamp, not yet consumed

  struct Substituted {
    std::uint64_t object_id = 0;
    Substitute kind = Substitute::kConjecture;
    std::shared_ptr<const Frame> frame;
    std::vector<std::int16_t> pcm;
    std::optional<OpusConcealingDecoder> decoder_before;
  };
  std::map<std::int64_t, Substituted> substituted;  // by slot timestamp

  bool have_grid = false;
  std::int64_t grid_base = 0;
  std::int64_t stall_shift = 0;
  std::int64_t stall_since = -1;
  bool shown_any = false;
  std::int64_t last_shown = 0;
  std::int64_t last_media = 0;
  std::int64_t last_t = 0;
  DisplayOutput last_output;
  // Video.
  std::shared_ptr<const Frame> last_real;
  bool pushed_any = false;
  std::int64_t last_pushed = 0;
  int conjecture_run = 0;
  // Data.
  std::vector<double> last_real_values;
  std::int64_t last_real_values_ts = 0;

  Track(std::uint64_t track_id, const TrackConfig& c, VideoConjecturer* e)
      : id(track_id), config(c), engine(e), model(c.kinetics), policy(c.deadline) {}

  [[nodiscard]] std::int64_t half() const noexcept { return config.frame_interval_us / 2; }

  // The received object whose timestamp falls in the slot's window (centred on the slot, so
  // timestamps rounded either way from the nominal grid still match).
  Object* find(std::int64_t slot) {
    auto it = received.lower_bound(slot - half());
    if (it == received.end() || it->first >= slot - half() + config.frame_interval_us) return nullptr;
    return &it->second;
  }
  [[nodiscard]] bool has_later_than(std::int64_t slot) const {
    return received.upper_bound(slot + half()) != received.end();
  }
  [[nodiscard]] std::int64_t slot_of(std::int64_t media_us) const noexcept {
    return grid_base + floor_div(media_us - grid_base, config.frame_interval_us) * config.frame_interval_us;
  }
  [[nodiscard]] std::int64_t media_time(std::int64_t t) const noexcept {
    return t - policy.clock_offset_us() - policy.latency_us() - stall_shift;
  }
};

Timeline::Timeline(const ReconcilerConfig& reconciler) : reconciler_(reconciler) {}
Timeline::~Timeline() = default;

Status Timeline::add_video_track(std::uint64_t track, const TrackConfig& config, VideoConjecturer& engine) {
  if (config.kind != TrackKind::kVideo) return Error{Errc::kInvalidValue, "engine given for a non-video track"};
  return add(track, config, &engine);
}

Status Timeline::add_track(std::uint64_t track, const TrackConfig& config) { return add(track, config, nullptr); }

Status Timeline::add(std::uint64_t track, const TrackConfig& config, VideoConjecturer* engine) {
  if (tracks_.count(track) != 0) return Error{Errc::kInvalidValue, "track already added"};
  if (config.frame_interval_us <= 0) return Error{Errc::kInvalidValue, "frame interval must be positive"};
  auto t = std::make_unique<Track>(track, config, engine);
  if (config.kind == TrackKind::kData) {
    KINETIC_TRY(auto d, DataConjecturer::create(config.fields, config.data));
    t->data.emplace(std::move(d));
  } else if (config.kind == TrackKind::kAudio) {
    const long long samples = static_cast<long long>(config.sample_rate) * config.frame_interval_us / 1'000'000;
    if (samples * 1'000'000 != static_cast<long long>(config.sample_rate) * config.frame_interval_us)
      return Error{Errc::kInvalidValue, "audio frame interval is not a whole number of samples"};
    KINETIC_TRY(auto dec, OpusConcealingDecoder::create(config.sample_rate, config.channels, static_cast<int>(samples),
                                                        audio_concealment(config.late_policy)));
    t->audio.emplace(std::move(dec));
  }
  tracks_.emplace(track, std::move(t));
  return ok_status();
}

Status Timeline::push_object(std::uint64_t track, std::uint64_t object_id, std::int64_t timestamp_us,
                                   std::int64_t arrival_us, Payload payload) {
  auto it = tracks_.find(track);
  if (it == tracks_.end()) return Error{Errc::kInvalidValue, "unknown track"};
  Track& tr = *it->second;
  if (tr.received.count(timestamp_us) != 0) return Error{Errc::kInvalidValue, "object for this timestamp already held"};
  for (const auto& [arr, obj] : tr.pending)
    if (obj.timestamp_us == timestamp_us) return Error{Errc::kInvalidValue, "object for this timestamp already held"};
  Track::Object obj;
  obj.id = object_id;
  obj.timestamp_us = timestamp_us;
  obj.arrival_us = arrival_us;
  switch (tr.config.kind) {
    case TrackKind::kVideo: {
      auto* f = std::get_if<Frame>(&payload);
      if (f == nullptr || !frame_consistent(*f)) return Error{Errc::kInvalidValue, "video track needs a decoded frame"};
      f->pts_us = timestamp_us;
      obj.frame = std::make_shared<const Frame>(std::move(*f));
      break;
    }
    case TrackKind::kAudio: {
      auto* p = std::get_if<SharedBytes>(&payload);
      if (p == nullptr || p->empty()) return Error{Errc::kInvalidValue, "audio track needs an Opus packet"};
      obj.packet = *p;
      break;
    }
    case TrackKind::kData: {
      auto* v = std::get_if<std::vector<double>>(&payload);
      if (v == nullptr || v->size() != tr.data->field_count())
        return Error{Errc::kInvalidValue, "data track needs one value per field"};
      for (double x : *v)
        if (!std::isfinite(x)) return Error{Errc::kInvalidValue, "data value is not finite"};
      obj.values = std::move(*v);
      break;
    }
  }
  tr.pending.emplace(arrival_us, std::move(obj));
  return ok_status();
}

namespace {

// Moves every object that has arrived by `t` into `received`, feeds the kinetics, and
// reconciles slots that were shown substituted.
void ingest(Timeline::Track& tr, std::int64_t t, Reconciler& rec, std::vector<ReconciliationEvent>& events) {
  while (!tr.pending.empty() && tr.pending.begin()->first <= t) {
    auto node = tr.pending.extract(tr.pending.begin());
    Timeline::Track::Object obj = std::move(node.mapped());
    tr.model.observe(obj.timestamp_us, obj.arrival_us);
    if (!tr.have_grid) {
      tr.have_grid = true;
      tr.grid_base = obj.timestamp_us;
    }
    const std::int64_t slot = tr.slot_of(obj.timestamp_us + tr.half());
    auto sub = tr.substituted.find(slot);
    if (tr.config.kind == TrackKind::kData) {
      auto corr = tr.data->push_real(DataSample{obj.timestamp_us, obj.values});
      if (corr && corr->had_conjecture && tr.shown_any && obj.timestamp_us <= tr.last_media) {
        const Substitute kind = tr.config.late_policy == LatePolicy::kFreeze ? Substitute::kFreeze : Substitute::kConjecture;
        auto ev = rec.reconcile_data(tr.id, obj.id, obj.timestamp_us, obj.arrival_us, kind, corr->abs_error);
        if (ev) events.push_back(*ev);
      }
      if (obj.timestamp_us >= tr.last_real_values_ts) {
        tr.last_real_values = obj.values;
        tr.last_real_values_ts = obj.timestamp_us;
      }
    } else if (sub != tr.substituted.end()) {
      if (tr.config.kind == TrackKind::kVideo && sub->second.frame) {
        auto ev = rec.reconcile_video(tr.id, obj.id, obj.timestamp_us, obj.arrival_us, sub->second.kind,
                                      *sub->second.frame, *obj.frame);
        if (ev) events.push_back(*ev);
      } else if (tr.config.kind == TrackKind::kAudio && sub->second.decoder_before) {
        // Decode the real packet against the state the decoder had before the gap: the audio
        // the listener would have heard had it been on time.
        auto real = sub->second.decoder_before->decode(obj.packet);
        if (real) {
          auto ev = rec.reconcile_audio(tr.id, obj.id, obj.timestamp_us, obj.arrival_us, sub->second.kind,
                                        sub->second.pcm, real->pcm);
          if (ev) events.push_back(*ev);
        }
      }
      tr.substituted.erase(sub);
    }
    // Audio and data objects for slots already played are of no further use.
    if (tr.config.kind != TrackKind::kVideo && tr.shown_any && slot <= tr.last_shown) continue;
    tr.received.emplace(obj.timestamp_us, std::move(obj));
  }
  // Substitutes whose real object never came.
  const std::int64_t horizon = tr.last_shown - kSubstituteMemoryUs;
  while (!tr.substituted.empty() && tr.substituted.begin()->first < horizon) tr.substituted.erase(tr.substituted.begin());
}

void fill_common(DisplayOutput& out, const Timeline::Track& tr, std::int64_t t, std::int64_t slot) {
  out.t_us = t;
  out.timestamp_us = slot;
  out.latency_us = t - slot - tr.policy.clock_offset_us();
}

// Real frames that arrived after their own slot was presented substituted are still the
// freshest evidence of motion: the engine gets them, in order, before it predicts a later slot,
// and a freeze repeats the newest of them.
void feed_late_reals(Timeline::Track& tr) {
  for (auto r = tr.received.begin(); r != tr.received.end() && tr.shown_any && r->first <= tr.last_shown + tr.half();) {
    if (!tr.pushed_any || r->first > tr.last_pushed) {
      if (tr.engine != nullptr) tr.engine->push_real(*r->second.frame);
      tr.pushed_any = true;
      tr.last_pushed = r->first;
      tr.last_real = r->second.frame;
    }
    r = tr.received.erase(r);
  }
}

// kStall policy: hold media time at the missing slot. Returns true when the slot is given up
// (stalled long enough while later objects are already here).
bool stall_or_give_up(Timeline::Track& tr, std::int64_t t, std::int64_t media, std::int64_t slot) {
  if (tr.stall_since < 0) tr.stall_since = t;
  if (t - tr.stall_since >= tr.config.stall_give_up_us && tr.has_later_than(slot)) {
    tr.stall_since = -1;
    return true;
  }
  tr.stall_shift += media - slot;
  return false;
}

}  // namespace

Result<DisplayOutput> Timeline::display_at(std::uint64_t track, std::int64_t t_us) {
  auto it = tracks_.find(track);
  if (it == tracks_.end()) return Error{Errc::kInvalidValue, "unknown track"};
  Track& tr = *it->second;
  const std::int64_t t = std::max(t_us, tr.last_t);
  tr.last_t = t;
  ingest(tr, t, reconciler_, events_);

  DisplayOutput out;
  out.t_us = t;
  if (!tr.have_grid) return out;  // stall: nothing has arrived yet
  const std::int64_t next_needed = tr.shown_any ? tr.last_shown + tr.config.frame_interval_us : tr.grid_base;
  tr.policy.update(tr.model, next_needed, t);
  std::int64_t media = tr.media_time(t);
  if (media < tr.grid_base) {
    // Nothing due yet (start-up buffering).
    if (tr.shown_any) {
      out = tr.last_output;
      out.new_slot = false;
      out.pcm.clear();
      fill_common(out, tr, t, tr.last_shown);
    }
    return out;
  }
  std::int64_t slot = tr.slot_of(media);
  if (tr.shown_any && slot < tr.last_shown) slot = tr.last_shown;  // the budget grew: hold
  const bool conjecture_allowed = tr.config.late_policy == LatePolicy::kConjecture && reconciler_.should_conjecture(tr.id);

  switch (tr.config.kind) {
    case TrackKind::kVideo: {
      const bool same = tr.shown_any && slot == tr.last_shown;
      if (same && tr.last_output.kind == DisplayKind::kReal) {
        out = tr.last_output;
        out.new_slot = false;
        fill_common(out, tr, t, slot);
        tr.last_media = std::max(tr.last_media, media);
        return out;
      }
      Track::Object* obj = tr.find(slot);
      if (obj == nullptr) feed_late_reals(tr);
      if (obj != nullptr) {
        // Feed the engine every real frame up to this slot, in order: it only ever sees real
        // pictures.
        for (auto r = tr.received.begin(); r != tr.received.end() && r->first <= obj->timestamp_us;) {
          if (tr.engine != nullptr && (!tr.pushed_any || r->first > tr.last_pushed)) tr.engine->push_real(*r->second.frame);
          tr.pushed_any = true;
          tr.last_pushed = std::max(tr.last_pushed, r->first);
          if (r->first == obj->timestamp_us) break;
          r = tr.received.erase(r);
        }
        out.kind = DisplayKind::kReal;
        out.object_id = obj->id;
        out.frame = obj->frame;
        tr.last_real = obj->frame;
        tr.conjecture_run = 0;
        tr.stall_since = -1;
        tr.received.erase(obj->timestamp_us);
      } else if (same) {
        // Still missing: keep what already stands in for it (the engine is asked once per slot).
        out = tr.last_output;
        out.new_slot = false;
        fill_common(out, tr, t, slot);
        tr.last_media = std::max(tr.last_media, media);
        return out;
      } else if (tr.config.late_policy == LatePolicy::kStall && tr.shown_any &&
                 !stall_or_give_up(tr, t, media, slot)) {
        // Playback waits on the last slot presented; the missing one is not shown yet.
        out.kind = DisplayKind::kStall;
        out.frame = tr.last_real;
        out.object_id = tr.last_output.object_id;
        fill_common(out, tr, t, tr.last_shown);
        tr.last_media = std::max(tr.last_media, tr.media_time(t));
        return out;
      } else if (!tr.last_real) {
        out.kind = DisplayKind::kStall;  // nothing to freeze on, nothing to predict from
      } else if (conjecture_allowed && tr.engine != nullptr &&
                 slot - tr.last_pushed <= tr.config.max_conjecture_run * tr.config.frame_interval_us) {
        // Distance from the newest real frame, not the length of the run, bounds extrapolation:
        // a player presenting ahead (lead) is always short of the slot's own frame, yet keeps
        // receiving fresh ones to predict from.
        const std::int64_t k64 = std::max<std::int64_t>(
            1, (slot - tr.last_pushed + tr.half()) / tr.config.frame_interval_us);
        Conjecture c = tr.engine->predict(static_cast<int>(std::min<std::int64_t>(k64, 1 << 20)));
        c.frame.pts_us = slot;
        if (!frame_consistent(c.frame)) {
          out.kind = DisplayKind::kFreeze;
          out.frame = tr.last_real;
        } else {
          out.frame = std::make_shared<const Frame>(std::move(c.frame));
          out.kind = c.fell_back ? DisplayKind::kFreeze : DisplayKind::kConjecture;
          out.conjecture_confidence = c.confidence;
        }
        ++tr.conjecture_run;
        tr.substituted[slot] = {0, out.kind == DisplayKind::kConjecture ? Substitute::kConjecture : Substitute::kFreeze,
                                out.frame, {}, {}};
      } else {
        out.kind = DisplayKind::kFreeze;
        out.frame = tr.last_real;
        tr.substituted[slot] = {0, Substitute::kFreeze, tr.last_real, {}, {}};
      }
      out.new_slot = !tr.shown_any || slot != tr.last_shown;
      fill_common(out, tr, t, slot);
      if (out.kind != DisplayKind::kStall || tr.last_real) {
        tr.shown_any = true;
        tr.last_shown = slot;
      }
      tr.last_output = out;
      tr.last_media = std::max(tr.last_media, tr.media_time(t));
      return out;
    }

    case TrackKind::kAudio: {
      std::int64_t next = tr.shown_any ? tr.last_shown + tr.config.frame_interval_us : tr.grid_base;
      if (slot < next) {
        out = tr.last_output;
        out.pcm.clear();
        out.new_slot = false;
        fill_common(out, tr, t, tr.last_shown);
        return out;
      }
      if ((slot - next) / tr.config.frame_interval_us > kMaxAudioCatchUp) {
        next = slot - kMaxAudioCatchUp * tr.config.frame_interval_us;
        *tr.audio = *OpusConcealingDecoder::create(tr.config.sample_rate, tr.config.channels, tr.audio->frame_samples(),
                                                   audio_concealment(tr.config.late_policy));
      }
      DisplayKind worst = DisplayKind::kReal;
      std::uint64_t last_id = 0;
      bool any = false;
      for (std::int64_t s = next; s <= slot; s += tr.config.frame_interval_us) {
        Track::Object* obj = tr.find(s);
        if (obj != nullptr) {
          auto frame = tr.audio->decode(obj->packet);
          last_id = obj->id;
          tr.received.erase(obj->timestamp_us);
          if (frame) {
            out.pcm.insert(out.pcm.end(), frame->pcm.begin(), frame->pcm.end());
            tr.stall_since = -1;
            tr.last_shown = s;
            tr.shown_any = any = true;
            continue;
          }
          // A corrupt packet is concealed like a missing one.
        } else if (tr.config.late_policy == LatePolicy::kStall && tr.shown_any &&
                   !stall_or_give_up(tr, t, tr.media_time(t), s)) {
          worst = DisplayKind::kStall;
          break;
        }
        Track::Substituted sub;
        if (conjecture_allowed || tr.config.late_policy == LatePolicy::kStall) {
          sub.decoder_before = *tr.audio;
          Track::Object* nxt = tr.find(s + tr.config.frame_interval_us);
          auto frame = tr.audio->conceal(nxt != nullptr ? nxt->packet.span() : std::span<const std::uint8_t>{});
          if (!frame) return frame.error();
          sub.pcm = std::move(frame->pcm);
          sub.kind = Substitute::kConjecture;
          if (severity(DisplayKind::kConjecture) > severity(worst)) worst = DisplayKind::kConjecture;
        } else {
          // Silence keeps the clock; the decoder still runs concealment so the next real
          // packet starts from a consistent state.
          sub.decoder_before = *tr.audio;
          (void)tr.audio->conceal();
          sub.pcm.assign(static_cast<std::size_t>(tr.audio->frame_samples()) * static_cast<std::size_t>(tr.config.channels), 0);
          sub.kind = Substitute::kFreeze;
          if (severity(DisplayKind::kFreeze) > severity(worst)) worst = DisplayKind::kFreeze;
        }
        out.pcm.insert(out.pcm.end(), sub.pcm.begin(), sub.pcm.end());
        tr.substituted[s] = std::move(sub);
        tr.last_shown = s;
        tr.shown_any = any = true;
      }
      out.kind = worst;
      out.object_id = last_id;
      out.new_slot = any;
      fill_common(out, tr, t, tr.shown_any ? tr.last_shown : slot);
      tr.last_media = std::max(tr.last_media, tr.media_time(t));
      tr.last_output = out;
      return out;
    }

    case TrackKind::kData: {
      Track::Object* obj = tr.find(slot);
      if (obj == nullptr && tr.config.late_policy == LatePolicy::kStall && tr.shown_any && slot > tr.last_shown &&
          !stall_or_give_up(tr, t, media, slot)) {
        out = tr.last_output;
        out.kind = DisplayKind::kStall;
        out.new_slot = false;
        fill_common(out, tr, t, tr.last_shown);
        tr.last_media = std::max(tr.last_media, tr.media_time(t));
        return out;
      }
      media = tr.media_time(t);
      if (obj != nullptr) {
        out.kind = DisplayKind::kReal;
        out.object_id = obj->id;
        tr.stall_since = -1;
      } else {
        out.kind = conjecture_allowed ? DisplayKind::kConjecture : DisplayKind::kFreeze;
      }
      out.values = out.kind == DisplayKind::kFreeze ? tr.last_real_values : tr.data->display_at(media);
      // Updates for slots now behind the display are no longer needed here.
      while (!tr.received.empty() && tr.received.begin()->first < slot - tr.half()) tr.received.erase(tr.received.begin());
      out.new_slot = !tr.shown_any || slot != tr.last_shown;
      fill_common(out, tr, t, slot);
      tr.shown_any = true;
      tr.last_shown = slot;
      tr.last_media = std::max(tr.last_media, media);
      tr.last_output = out;
      return out;
    }
  }
  return out;
}

std::vector<ReconciliationEvent> Timeline::take_events() {
  std::vector<ReconciliationEvent> out;
  out.swap(events_);
  return out;
}

const ArrivalModel* Timeline::kinetics(std::uint64_t track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? nullptr : &it->second->model;
}

const DeadlinePolicy* Timeline::deadline(std::uint64_t track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? nullptr : &it->second->policy;
}

Status Timeline::set_clock_offset_us(std::uint64_t track, std::int64_t offset_us) {
  auto it = tracks_.find(track);
  if (it == tracks_.end()) return Error{Errc::kInvalidValue, "unknown track"};
  it->second->policy.set_clock_offset_us(offset_us);
  return ok_status();
}

}  // namespace kinetic::mock
