#include "kinetic/mock/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "kinetic/mock/audio_conjecture.hpp"
#include "kinetic/mock/fwsnrseg.hpp"
#include "kinetic/mock/percentile.hpp"
#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {


double mean_of(double sum, std::size_t n) { return n == 0 ? 0.0 : sum / static_cast<double>(n); }

struct Score {
  double psnr = 0;
  double ssim = 0;
};

Result<Score> score(const Frame& shown, const Frame& original) {
  KINETIC_TRY(FramePsnr p, psnr(shown, original));
  KINETIC_TRY(double s, ssim(shown, original));
  return Score{p.combined, s};
}

Result<PlayerResult> run_player(Player& player, const Clip& clip, int budget_ms, bool keep_series) {
  PlayerResult r;
  r.player = player.kind();
  r.budget_ms = budget_ms;
  std::vector<double> latencies;
  double psnr_sum = 0;
  double ssim_sum = 0;
  double sub_psnr_sum = 0;
  double sub_ssim_sum = 0;
  double wall_sum = 0;
  double cpu_sum = 0;
  for (std::size_t i = 0; i < clip.frames.size(); ++i) {
    KINETIC_TRY(ShownFrame s, player.show_next());
    if (s.slot != static_cast<int>(i) || s.picture == nullptr) return Error{Errc::kInvalidValue, "player skipped a slot"};
    // Always against the source frame of this slot, never against what was shown.
    const Frame& original = clip.frames[i];
    KINETIC_TRY(Score q, score(*s.picture, original));
    ++r.slots;
    switch (s.kind) {
      case ShownKind::kReal: ++r.real; break;
      case ShownKind::kRepeat: ++r.repeated; break;
      case ShownKind::kConjecture: ++r.conjectured; break;
      case ShownKind::kBlank: ++r.blank; break;
    }
    if (s.stall_us > 0) {
      ++r.stalls;
      r.stall_ms += static_cast<double>(s.stall_us) / 1000.0;
    }
    latencies.push_back(static_cast<double>(s.latency_us) / 1000.0);
    psnr_sum += q.psnr;
    ssim_sum += q.ssim;
    if (s.kind != ShownKind::kReal) {
      ++r.substituted;
      sub_psnr_sum += q.psnr;
      sub_ssim_sum += q.ssim;
    }
    if (s.kind == ShownKind::kConjecture) {
      ++r.predictions;
      wall_sum += s.predict_wall_ms;
      cpu_sum += s.predict_cpu_ms;
      if (s.fell_back) ++r.engine_fallbacks;
    }
    if (keep_series) {
      r.series.push_back(SlotRecord{s.slot, s.kind, s.real_index, s.conjecture_k, q.psnr, q.ssim, s.display_us,
                                    s.latency_us, s.stall_us});
    }
  }
  r.latency_p50_ms = percentile(latencies, 0.50);
  r.latency_p95_ms = percentile(latencies, 0.95);
  r.mean_psnr_db = mean_of(psnr_sum, r.slots);
  r.mean_ssim = mean_of(ssim_sum, r.slots);
  r.substituted_psnr_db = mean_of(sub_psnr_sum, r.substituted);
  r.substituted_ssim = mean_of(sub_ssim_sum, r.substituted);
  r.predict_wall_ms = mean_of(wall_sum, r.predictions);
  r.predict_cpu_ms = mean_of(cpu_sum, r.predictions);
  r.push_wall_ms = mean_of(player.push_wall_ms(), player.pushes());
  double rec_sum = 0;
  for (const auto& e : player.reconciliations()) {
    if (e.substitute != Substitute::kConjecture) continue;
    ++r.reconciled;
    rec_sum += e.psnr_db;
  }
  r.reconciled_psnr_db = mean_of(rec_sum, r.reconciled);
  return r;
}

// The goal figures need the per-slot series of freeze-frame and MOCK at one budget.
BudgetComparison compare(const PlayerResult& jitter, const PlayerResult& freeze, const PlayerResult& mock) {
  BudgetComparison c;
  c.budget_ms = mock.budget_ms;
  c.jitter_stalls = jitter.stalls;
  c.mock_stalls = mock.stalls;
  c.stall_reduction = jitter.stalls == 0 ? 1.0
                                         : 1.0 - static_cast<double>(mock.stalls) / static_cast<double>(jitter.stalls);
  double mp = 0;
  double fp = 0;
  double ms = 0;
  double fs = 0;
  for (std::size_t i = 0; i < mock.series.size() && i < freeze.series.size(); ++i) {
    if (mock.series[i].kind != ShownKind::kConjecture) continue;
    ++c.conjectured_slots;
    mp += mock.series[i].psnr_db;
    fp += freeze.series[i].psnr_db;
    ms += mock.series[i].ssim;
    fs += freeze.series[i].ssim;
  }
  c.mock_psnr_db = mean_of(mp, c.conjectured_slots);
  c.freeze_psnr_db = mean_of(fp, c.conjectured_slots);
  c.psnr_gain_db = c.mock_psnr_db - c.freeze_psnr_db;
  c.engine_fallbacks = mock.engine_fallbacks;
  c.mock_ssim = mean_of(ms, c.conjectured_slots);
  c.freeze_ssim = mean_of(fs, c.conjectured_slots);
  return c;
}

Result<std::vector<LeadPoint>> lead_sweep(const Clip& clip, const EvaluationConfig& config,
                                                const EngineFactory& factory) {
  const auto n = clip.frames.size();
  std::vector<LeadPoint> points(static_cast<std::size_t>(config.max_lead) + 1);
  for (int lead = 0; lead <= config.max_lead; ++lead) points[static_cast<std::size_t>(lead)].lead = lead;
  // Lead 0 is the real frame itself: the top of the scale, shown for reference.
  points[0].samples = n;
  points[0].conjecture_psnr_db = points[0].freeze_psnr_db = kPsnrCapDb;
  points[0].conjecture_ssim = points[0].freeze_ssim = 1.0;
  if (config.max_lead == 0) return points;
  auto engine = factory();
  if (!engine) return Error{Errc::kInvalidValue, "no video engine"};
  for (std::size_t t = 0; t < n; ++t) {
    engine->push_real(clip.frames[t]);
    // From the second frame on the engine has motion to project.
    if (t == 0 || t % static_cast<std::size_t>(config.sweep_stride) != 0) continue;
    for (int lead = 1; lead <= config.max_lead; ++lead) {
      const std::size_t target = t + static_cast<std::size_t>(lead);
      if (target >= n) break;
      Conjecture c = engine->predict(lead);
      if (!c.frame.same_size(clip.frames[target])) return Error{Errc::kInvalidValue, "engine returned a wrong-sized frame"};
      KINETIC_TRY(Score cq, score(c.frame, clip.frames[target]));
      KINETIC_TRY(Score fq, score(clip.frames[t], clip.frames[target]));
      auto& p = points[static_cast<std::size_t>(lead)];
      ++p.samples;
      p.conjecture_psnr_db += cq.psnr;
      p.freeze_psnr_db += fq.psnr;
      p.conjecture_ssim += cq.ssim;
      p.freeze_ssim += fq.ssim;
    }
  }
  for (std::size_t l = 1; l < points.size(); ++l) {
    auto& p = points[l];
    p.conjecture_psnr_db = mean_of(p.conjecture_psnr_db, p.samples);
    p.freeze_psnr_db = mean_of(p.freeze_psnr_db, p.samples);
    p.conjecture_ssim = mean_of(p.conjecture_ssim, p.samples);
    p.freeze_ssim = mean_of(p.freeze_ssim, p.samples);
  }
  return points;
}

Status validate(const EvaluationConfig& config) {
  if (config.budgets_ms.empty()) return Error{Errc::kInvalidValue, "no latency budget"};
  for (int b : config.budgets_ms) {
    if (b < 0 || b > 60'000) return Error{Errc::kInvalidValue, "latency budget out of range"};
  }
  if (config.max_lead < 0 || config.max_lead > 30) return Error{Errc::kInvalidValue, "max_lead out of range"};
  if (config.sweep_stride < 1) return Error{Errc::kInvalidValue, "sweep_stride must be >= 1"};
  if (!(config.group_seconds >= 0)) return Error{Errc::kInvalidValue, "group_seconds must be >= 0"};
  return ok_status();
}

}  // namespace

Frame to_frame(media::YuvPicture&& picture) {
  Frame f;
  f.width = picture.width;
  f.height = picture.height;
  f.pts_us = picture.pts_us;
  f.y = std::move(picture.y);
  f.u = std::move(picture.u);
  f.v = std::move(picture.v);
  return f;
}

Result<Clip> load_clip(const std::string& path, double seconds, int max_width) {
  media::VideoStreamInfo info;
  KINETIC_TRY(auto pictures, media::decode_video(path, {.max_width = max_width, .max_frames = 0, .max_seconds = seconds},
                                                 &info));
  if (pictures.empty()) return Error{Errc::kInvalidValue, "clip has no pictures"};
  if (!(info.fps > 0)) return Error{Errc::kInvalidValue, "clip has no frame rate"};
  Clip clip;
  clip.path = path;
  clip.name = std::filesystem::path(path).filename().string();
  clip.fps = info.fps;
  clip.source_width = info.source_width;
  clip.source_height = info.source_height;
  const std::int64_t first = pictures.front().pts_us;
  clip.frames.reserve(pictures.size());
  for (auto& p : pictures) {
    p.pts_us -= first;
    clip.frames.push_back(to_frame(std::move(p)));
  }
  return clip;
}

Result<ClipEvaluation> evaluate_clip(const Clip& clip, const EvaluationConfig& config,
                                           const EngineFactory& factory) {
  KINETIC_CHECK(validate(config));
  if (clip.frames.size() < 2) return Error{Errc::kInvalidValue, "clip needs at least two frames"};
  if (!factory) return Error{Errc::kInvalidValue, "no video engine factory"};
  ClipEvaluation out;
  out.name = clip.name;
  out.path = clip.path;
  out.width = clip.frames.front().width;
  out.height = clip.frames.front().height;
  out.source_width = clip.source_width;
  out.source_height = clip.source_height;
  out.fps = clip.fps;
  out.frames = clip.frames.size();
  out.group_size = std::max(1, static_cast<int>(std::lround(config.group_seconds * clip.fps)));

  // The source sends each frame at its capture instant: the container's presentation time.
  std::vector<std::int64_t> capture(clip.frames.size());
  for (std::size_t i = 0; i < clip.frames.size(); ++i) capture[i] = clip.frames[i].pts_us;
  std::vector<ObjectArrival> arrivals;
  if (config.recorded_delay_us.empty()) {
    KINETIC_TRY(arrivals, make_arrivals(config.trace, config.seed, capture, out.group_size));
  } else {
    if (config.recorded_delay_us.size() != clip.frames.size()) {
      return Error{Errc::kInvalidValue, "recorded arrivals do not cover the clip frame for frame"};
    }
    arrivals.resize(capture.size());
    for (std::size_t i = 0; i < capture.size(); ++i) {
      const std::int64_t d = config.recorded_delay_us[i];
      arrivals[i].send_us = capture[i];
      arrivals[i].arrival_us = d == kNeverArrives ? kNeverArrives : capture[i] + std::max<std::int64_t>(0, d);
    }
  }
  out.trace = summarize(arrivals);
  std::vector<std::int64_t> arrival(arrivals.size());
  for (std::size_t i = 0; i < arrivals.size(); ++i) arrival[i] = arrivals[i].arrival_us;

  for (int budget_ms : config.budgets_ms) {
    const PlayerInput input{clip.frames, capture, arrival, static_cast<std::int64_t>(budget_ms) * 1000};
    KINETIC_TRY(auto jitter, make_jitter_buffer_player(input, config.player));
    KINETIC_TRY(auto freeze, make_freeze_frame_player(input, config.player));
    auto engine = factory();
    if (!engine) return Error{Errc::kInvalidValue, "no video engine"};
    out.backend = std::string(engine->backend());
    KINETIC_TRY(auto mock, make_mock_player(input, *engine, config.player));
    // The comparison needs the series; they are dropped afterwards if not wanted.
    KINETIC_TRY(auto jr, run_player(*jitter, clip, budget_ms, true));
    KINETIC_TRY(auto fr, run_player(*freeze, clip, budget_ms, true));
    KINETIC_TRY(auto mr, run_player(*mock, clip, budget_ms, true));
    out.comparisons.push_back(compare(jr, fr, mr));
    for (auto* r : {&jr, &fr, &mr}) {
      if (!config.keep_series) r->series.clear();
      out.players.push_back(std::move(*r));
    }
  }
  KINETIC_TRY(out.lead_sweep, lead_sweep(clip, config, factory));
  return out;
}

std::uint64_t audio_seed(std::uint64_t seed) noexcept {
  // splitmix64's finaliser: a fixed, well-mixed function of the run's seed.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Result<AudioEvaluation> evaluate_audio(const std::string& name, const media::AudioPcm& pcm,
                                             const EvaluationConfig& config) {
  KINETIC_CHECK(validate(config));
  if (pcm.sample_rate != 48000 || pcm.channels != 1) return Error{Errc::kInvalidValue, "audio must be 48 kHz mono"};
  OpusEncoderConfig enc_config;
  const int frame = enc_config.frame_samples;
  const std::size_t packets = pcm.frames() / static_cast<std::size_t>(frame);
  if (packets < 2) return Error{Errc::kInvalidValue, "audio shorter than two packets"};

  AudioEvaluation out;
  out.name = name;
  out.bitrate = enc_config.bitrate;
  out.frame_ms = frame * 1000 / enc_config.sample_rate;
  out.seconds = static_cast<double>(packets * static_cast<std::size_t>(frame)) / enc_config.sample_rate;

  const auto s16 = pcm.to_s16();
  KINETIC_TRY(auto encoder, OpusPacketEncoder::create(enc_config));
  std::vector<std::vector<std::uint8_t>> encoded;
  encoded.reserve(packets);
  for (std::size_t p = 0; p < packets; ++p) {
    std::span<const std::int16_t> chunk(s16.data() + p * static_cast<std::size_t>(frame), static_cast<std::size_t>(frame));
    KINETIC_TRY(auto packet, encoder.encode(chunk));
    encoded.push_back(std::move(packet));
  }
  // The reference is the clean decode, so only concealment error is measured, not Opus's.
  std::vector<std::int16_t> reference;
  {
    KINETIC_TRY(auto dec, OpusConcealingDecoder::create(48000, 1, frame));
    for (const auto& packet : encoded) {
      KINETIC_TRY(auto f, dec.decode(packet));
      reference.insert(reference.end(), f.pcm.begin(), f.pcm.end());
    }
  }
  std::vector<std::int64_t> send(packets);
  for (std::size_t p = 0; p < packets; ++p) {
    send[p] = static_cast<std::int64_t>(p) * out.frame_ms * 1000;
  }
  // Audio packets travel as independent objects, so one late packet holds back no other.
  KINETIC_TRY(auto arrivals, make_arrivals(config.trace, audio_seed(config.seed), send, 1));
  out.trace = summarize(arrivals);
  auto here = [&](std::size_t p, std::int64_t t) {
    return arrivals[p].arrival_us != kNeverArrives && arrivals[p].arrival_us <= t;
  };

  KINETIC_TRY(auto fwsnr, FwSnrSeg::create(48000));
  // libopus as it comes; also the silence player's decoder, which never conceals, so it needs
  // no trial decodes to learn from.
  const OpusConcealmentConfig raw_config{.learned_gain = false, .verify_fec = false};
  const std::size_t frame_len = static_cast<std::size_t>(frame);
  for (int budget_ms : config.budgets_ms) {
    AudioBudgetResult r;
    r.budget_ms = budget_ms;
    r.packets = packets;
    KINETIC_TRY(auto mock_dec, OpusConcealingDecoder::create(48000, 1, frame));
    KINETIC_TRY(auto raw_dec, OpusConcealingDecoder::create(48000, 1, frame, raw_config));
    KINETIC_TRY(auto plain_dec, OpusConcealingDecoder::create(48000, 1, frame, raw_config));
    std::vector<std::int16_t> mock_out;
    std::vector<std::int16_t> raw_out;
    std::vector<std::int16_t> silence_out;
    std::vector<std::uint8_t> in_gap(reference.size(), 0);
    std::vector<std::int16_t> fec_ref;
    std::vector<std::int16_t> fec_got;
    double gain_sum = 0.0;
    for (std::size_t p = 0; p < packets; ++p) {
      const std::int64_t deadline = send[p] + static_cast<std::int64_t>(budget_ms) * 1000;
      if (here(p, deadline)) {
        KINETIC_TRY(auto m, mock_dec.decode(encoded[p]));
        KINETIC_TRY(auto w, raw_dec.decode(encoded[p]));
        KINETIC_TRY(auto s, plain_dec.decode(encoded[p]));
        mock_out.insert(mock_out.end(), m.pcm.begin(), m.pcm.end());
        raw_out.insert(raw_out.end(), w.pcm.begin(), w.pcm.end());
        silence_out.insert(silence_out.end(), s.pcm.begin(), s.pcm.end());
        continue;
      }
      ++r.concealed;
      std::span<const std::uint8_t> next;
      if (p + 1 < packets && here(p + 1, deadline)) next = encoded[p + 1];
      KINETIC_TRY(auto m, mock_dec.conceal(next));
      KINETIC_TRY(auto w, raw_dec.conceal(next));
      if (m.source == AudioSource::kFec) {
        ++r.fec;
        const auto* ref = reference.data() + p * frame_len;
        fec_ref.insert(fec_ref.end(), ref, ref + frame_len);
        fec_got.insert(fec_got.end(), m.pcm.begin(), m.pcm.end());
      } else {
        ++r.plc;
        gain_sum += m.gain;
      }
      if (w.source == AudioSource::kFec) ++r.raw_fec;
      mock_out.insert(mock_out.end(), m.pcm.begin(), m.pcm.end());
      raw_out.insert(raw_out.end(), w.pcm.begin(), w.pcm.end());
      silence_out.insert(silence_out.end(), frame_len, std::int16_t{0});
      std::fill_n(in_gap.begin() + static_cast<std::ptrdiff_t>(p * frame_len), frame_len, std::uint8_t{1});
    }
    r.mean_plc_gain = r.plc > 0 ? gain_sum / static_cast<double>(r.plc) : 0.0;
    KINETIC_TRY(r.conceal_snr_db, masked_snr_db(reference, mock_out, in_gap));
    KINETIC_TRY(r.raw_conceal_snr_db, masked_snr_db(reference, raw_out, in_gap));
    KINETIC_TRY(r.silence_snr_db, masked_snr_db(reference, silence_out, in_gap));
    if (r.fec > 0) {
      KINETIC_TRY(r.fec_snr_db, snr_db(fec_ref, fec_got));
    } else {
      r.fec_snr_db = kSnrCapDb;
    }
    KINETIC_TRY(r.conceal_total_snr_db, snr_db(reference, mock_out));
    KINETIC_TRY(r.silence_total_snr_db, snr_db(reference, silence_out));
    const std::vector<std::uint8_t> everywhere(reference.size(), 1);
    KINETIC_TRY(const auto mock_frames, fwsnr.frames(reference, mock_out));
    KINETIC_TRY(const auto raw_frames, fwsnr.frames(reference, raw_out));
    KINETIC_TRY(const auto silence_frames, fwsnr.frames(reference, silence_out));
    auto mean_or_cap = [&](const std::vector<std::optional<double>>& f, std::span<const std::uint8_t> where) {
      return mean_fwsnrseg(f, fwsnr.frame_length(), fwsnr.hop(), where).value_or(kFwSnrSegMaxDb);
    };
    r.conceal_fwsnr_db = mean_or_cap(mock_frames, in_gap);
    r.raw_conceal_fwsnr_db = mean_or_cap(raw_frames, in_gap);
    r.silence_fwsnr_db = mean_or_cap(silence_frames, in_gap);
    r.conceal_total_fwsnr_db = mean_or_cap(mock_frames, everywhere);
    r.silence_total_fwsnr_db = mean_or_cap(silence_frames, everywhere);
    out.budgets.push_back(r);
  }
  return out;
}

}  // namespace kinetic::mock
