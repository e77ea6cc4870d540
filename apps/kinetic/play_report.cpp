#include "play_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kinetic/mock/percentile.hpp"
#include "kinetic/mock/quality.hpp"

namespace kinetic::app {
namespace {

constexpr std::size_t kFreezeWindow = 30;  // rendered intervals averaged, as webrtc-stats does

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

void PlayReport::add_track(std::size_t index, std::string name) { tracks_[index].s.track = std::move(name); }

PlayReport::Track* PlayReport::track(std::size_t index) {
  auto it = tracks_.find(index);
  return it == tracks_.end() ? nullptr : &it->second;
}

void PlayReport::on_presented(const Presented& p) {
  Track* t = track(p.track);
  if (t == nullptr) return;
  PlaySummary& s = t->s;
  nlohmann::json line{{"type", "slot"},      {"t_us", p.t_us},
                      {"track", s.track},    {"slot_us", p.slot_us},
                      {"shown", display_kind_name(p.kind)}, {"latency_ms", round3(static_cast<double>(p.latency_us) / 1000.0)}};
  if (p.kind == mock::DisplayKind::kStall) {
    ++s.stall_events;
    t->stall_started_us = p.t_us;
    if (log_ != nullptr) *log_ << line.dump() << '\n';
    return;
  }
  if (t->stall_started_us >= 0) {
    s.stall_ms += static_cast<double>(p.t_us - t->stall_started_us) / 1000.0;
    t->stall_started_us = -1;
  }
  ++s.slots;
  if (t->first_us < 0) t->first_us = p.t_us;
  t->last_us = p.t_us;
  const double latency_ms = static_cast<double>(p.latency_us) / 1000.0;
  t->latencies_ms.push_back(latency_ms);
  const bool conjecture = p.kind == mock::DisplayKind::kConjecture;
  switch (p.kind) {
    case mock::DisplayKind::kReal: ++s.real; break;
    case mock::DisplayKind::kConjecture: ++s.conjectured; break;
    default: ++s.frozen; break;
  }
  if (conjecture && !t->in_concealment) ++s.concealment_events;
  t->in_concealment = conjecture;
  if (conjecture) {
    ++s.predictions;
    t->predict_sum += p.predict_ms;
    line["confidence"] = round3(p.confidence);
    line["predict_ms"] = round3(p.predict_ms);
  }
  if (p.kind == mock::DisplayKind::kReal) line["object"] = p.object_id;

  // A new picture is rendered for a real frame or a conjecture; the W3C rule looks at the
  // interval since the previous one.
  if (p.kind == mock::DisplayKind::kReal || conjecture) {
    if (t->last_render_us >= 0) {
      const double interval = static_cast<double>(p.t_us - t->last_render_us) / 1000.0;
      if (!t->intervals_ms.empty()) {
        const double avg = std::accumulate(t->intervals_ms.begin(), t->intervals_ms.end(), 0.0) /
                           static_cast<double>(t->intervals_ms.size());
        if (interval >= std::max(3.0 * avg, avg + 150.0)) {
          ++s.freezes;
          s.freeze_ms += interval;
          line["freeze_ms"] = round3(interval);
        }
      }
      t->intervals_ms.push_back(interval);
      if (t->intervals_ms.size() > kFreezeWindow) t->intervals_ms.pop_front();
    }
    t->last_render_us = p.t_us;
  }

  if (reference_ != nullptr && p.frame) {
    const mock::Frame* ref = reference_->at(p.slot_us);
    if (ref != nullptr && ref->same_size(*p.frame)) {
      auto q = mock::psnr(*p.frame, *ref);
      auto ss = mock::ssim(*p.frame, *ref);
      if (q && ss) {
        ++s.scored;
        t->psnr_sum += q->combined;
        t->ssim_sum += *ss;
        if (p.kind != mock::DisplayKind::kReal) {
          ++s.substituted_scored;
          t->sub_psnr_sum += q->combined;
          t->sub_ssim_sum += *ss;
          const mock::Frame* before = reference_->at(p.slot_us - reference_->frame_interval_us());
          if (before != nullptr && before != ref && before->same_size(*ref)) {
            auto moving = mock::psnr_moving(*p.frame, *ref, *before);
            if (moving && *moving) {
              ++s.moving_scored;
              t->moving_psnr_sum += **moving;
              line["moving_psnr"] = round3(**moving);
            }
          }
        }
        line["psnr"] = round3(q->combined);
        line["ssim"] = std::round(*ss * 1e5) / 1e5;
      }
    }
  }
  if (log_ != nullptr) *log_ << line.dump() << '\n';
}

void PlayReport::on_reconciled(const Reconciled& r) {
  Track* t = track(r.track);
  if (t == nullptr) return;
  const auto& e = r.event;
  if (e.kind == mock::TrackKind::kVideo) {
    ++t->s.reconciled;
    t->rec_psnr_sum += e.psnr_db;
  }
  if (log_ == nullptr) return;
  nlohmann::json line{{"type", "reconcile"},
                      {"track", t->s.track},
                      {"slot_us", e.timestamp_us},
                      {"arrival_us", e.arrival_us},
                      {"substitute", e.substitute == mock::Substitute::kConjecture ? "conjecture" : "freeze"},
                      {"psnr", round3(e.psnr_db)},
                      {"ssim", std::round(e.ssim * 1e5) / 1e5},
                      {"confidence_after", round3(e.confidence_after)}};
  *log_ << line.dump() << '\n';
}

void PlayReport::on_arrival(std::size_t track, std::uint64_t group, std::uint64_t object, std::int64_t pts_us,
                            std::int64_t capture_us, std::int64_t arrival_us) {
  Track* t = this->track(track);
  if (t == nullptr || log_ == nullptr) return;
  nlohmann::json line{{"type", "arrival"}, {"track", t->s.track}, {"group", group},           {"object", object},
                      {"pts_us", pts_us},   {"capture_us", capture_us}, {"arrival_us", arrival_us}};
  *log_ << line.dump() << '\n';
}

void PlayReport::add_audio_track(std::size_t index, std::string name, int sample_rate, int channels) {
  Audio& a = audio_[index];
  a.s.track = std::move(name);
  a.samples_per_ms = static_cast<double>(sample_rate) * std::max(1, channels) / 1000.0;
}

void PlayReport::on_audio(const AudioOut& a) {
  auto it = audio_.find(a.track);
  if (it == audio_.end() || it->second.samples_per_ms <= 0) return;
  const double ms = static_cast<double>(a.pcm.size()) / it->second.samples_per_ms;
  switch (a.kind) {
    case mock::DisplayKind::kReal: it->second.s.real_ms += ms; break;
    case mock::DisplayKind::kConjecture: it->second.s.concealed_ms += ms; break;
    default: it->second.s.silent_ms += ms; break;
  }
}

std::vector<AudioSummary> PlayReport::audio_summaries() const {
  std::vector<AudioSummary> out;
  for (const auto& [index, a] : audio_) out.push_back(a.s);
  return out;
}

std::string format_audio_summary(const AudioSummary& s) {
  return fmt::format("{}: {:.1f} s played: {:.2f} s real, {:.2f} s concealed, {:.2f} s silent", s.track,
                     (s.real_ms + s.concealed_ms + s.silent_ms) / 1000.0, s.real_ms / 1000.0, s.concealed_ms / 1000.0,
                     s.silent_ms / 1000.0);
}

nlohmann::json audio_summary_json(const AudioSummary& s) {
  return nlohmann::json{{"track", s.track},
                        {"kind", "audio"},
                        {"real_ms", round3(s.real_ms)},
                        {"concealed_ms", round3(s.concealed_ms)},
                        {"silent_ms", round3(s.silent_ms)}};
}

std::vector<PlaySummary> PlayReport::summaries() const {
  std::vector<PlaySummary> out;
  for (const auto& [index, t] : tracks_) {
    PlaySummary s = t.s;
    auto mean = [](double sum, std::size_t n) { return n > 0 ? sum / static_cast<double>(n) : 0.0; };
    s.seconds = t.first_us >= 0 ? static_cast<double>(t.last_us - t.first_us) / 1e6 : 0.0;
    s.latency_mean_ms = mean(std::accumulate(t.latencies_ms.begin(), t.latencies_ms.end(), 0.0), t.latencies_ms.size());
    s.latency_p50_ms = mock::percentile(t.latencies_ms, 0.50);
    s.latency_p95_ms = mock::percentile(t.latencies_ms, 0.95);
    s.predict_ms = mean(t.predict_sum, s.predictions);
    s.reconciled_psnr_db = mean(t.rec_psnr_sum, s.reconciled);
    s.psnr_db = mean(t.psnr_sum, s.scored);
    s.ssim = mean(t.ssim_sum, s.scored);
    s.substituted_psnr_db = mean(t.sub_psnr_sum, s.substituted_scored);
    s.substituted_ssim = mean(t.sub_ssim_sum, s.substituted_scored);
    s.substituted_moving_psnr_db = mean(t.moving_psnr_sum, s.moving_scored);
    out.push_back(std::move(s));
  }
  return out;
}

PlaySummary PlayReport::running(std::size_t index) const {
  constexpr std::size_t kRecent = 300;
  auto it = tracks_.find(index);
  if (it == tracks_.end()) return {};
  const Track& t = it->second;
  PlaySummary s = t.s;
  const std::size_t n = std::min(kRecent, t.latencies_ms.size());
  std::vector<double> recent(t.latencies_ms.end() - static_cast<std::ptrdiff_t>(n), t.latencies_ms.end());
  s.latency_p50_ms = mock::percentile(recent, 0.50);
  s.latency_p95_ms = mock::percentile(std::move(recent), 0.95);
  return s;
}

std::string format_summary(const PlaySummary& s) {
  std::string out = fmt::format(
      "{}: {} slots in {:.1f} s: {} real, {} conjectured ({} concealment events), {} frozen; "
      "{} freezes ({:.0f} ms), {} stalls ({:.0f} ms); latency mean {:.1f} p50 {:.1f} p95 {:.1f} ms",
      s.track, s.slots, s.seconds, s.real, s.conjectured, s.concealment_events, s.frozen, s.freezes, s.freeze_ms,
      s.stall_events, s.stall_ms, s.latency_mean_ms, s.latency_p50_ms, s.latency_p95_ms);
  if (s.predictions > 0) out += fmt::format("; conjecture {:.1f} ms each", s.predict_ms);
  if (s.reconciled > 0) out += fmt::format("; {} reconciled at {:.2f} dB", s.reconciled, s.reconciled_psnr_db);
  if (s.scored > 0) {
    out += fmt::format("; vs reference {:.2f} dB SSIM {:.4f} over {} slots", s.psnr_db, s.ssim, s.scored);
    if (s.substituted_scored > 0) {
      out += fmt::format(" (substituted {:.2f} dB SSIM {:.4f} over {}; moving blocks {:.2f} dB)", s.substituted_psnr_db,
                         s.substituted_ssim, s.substituted_scored, s.substituted_moving_psnr_db);
    }
  }
  return out;
}

nlohmann::json summary_json(const PlaySummary& s) {
  return nlohmann::json{{"track", s.track},
                        {"seconds", round3(s.seconds)},
                        {"slots", s.slots},
                        {"real", s.real},
                        {"conjectured", s.conjectured},
                        {"concealment_events", s.concealment_events},
                        {"frozen", s.frozen},
                        {"stall_events", s.stall_events},
                        {"stall_ms", round3(s.stall_ms)},
                        {"freezes", s.freezes},
                        {"freeze_ms", round3(s.freeze_ms)},
                        {"latency_mean_ms", round3(s.latency_mean_ms)},
                        {"latency_p50_ms", round3(s.latency_p50_ms)},
                        {"latency_p95_ms", round3(s.latency_p95_ms)},
                        {"predictions", s.predictions},
                        {"predict_ms", round3(s.predict_ms)},
                        {"reconciled", s.reconciled},
                        {"reconciled_psnr_db", round3(s.reconciled_psnr_db)},
                        {"scored", s.scored},
                        {"psnr_db", round3(s.psnr_db)},
                        {"ssim", std::round(s.ssim * 1e5) / 1e5},
                        {"substituted_scored", s.substituted_scored},
                        {"substituted_psnr_db", round3(s.substituted_psnr_db)},
                        {"substituted_ssim", std::round(s.substituted_ssim * 1e5) / 1e5},
                        {"moving_scored", s.moving_scored},
                        {"substituted_moving_psnr_db", round3(s.substituted_moving_psnr_db)}};
}

}  // namespace kinetic::app
