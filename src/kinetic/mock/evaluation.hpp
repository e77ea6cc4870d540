// The MOCK evaluation: replays a real clip through a seeded impairment trace and measures,
// for the jitter buffer, freeze-frame and MOCK at the same latency budgets, what each put on
// screen against the source frame whose display slot it was: PSNR and SSIM, stalls, display
// latency, and what the conjectures cost. Also the "negative latency" sweep (conjecture
// t + lead from real frames up to t) and the audio path (Opus PLC/FEC against silence).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/media/ffmpeg_decoder.hpp"
#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/impairment.hpp"
#include "kinetic/mock/players.hpp"
#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::mock {

struct Clip {
  std::string name;  // file name without directories
  std::string path;
  double fps = 0;
  int source_width = 0;
  int source_height = 0;
  std::vector<Frame> frames;  // display order; pts_us from the container, first at 0
};

Frame to_frame(media::YuvPicture&& picture);

// Decodes at most `seconds` (0 = all) of `path`, scaled down to `max_width` (0 = source).
Result<Clip> load_clip(const std::string& path, double seconds = 0, int max_width = 0);

using EngineFactory = std::function<std::unique_ptr<VideoConjecturer>()>;

struct EvaluationConfig {
  std::vector<int> budgets_ms{50, 100, 200};
  ImpairmentParams trace;           // default: no impairment
  std::uint64_t seed = 1;
  double group_seconds = 1.0;       // objects of one group share a stream (in-order delivery)
  int max_lead = 5;                 // negative-latency sweep: leads 0..max_lead frames
  int sweep_stride = 1;             // sweep every n-th frame (the sweep costs max_lead predictions each)
  PlayerConfig player;
  bool keep_series = true;          // keep per-slot records (plots need them)
  // Per clip frame, arrival − capture as a live run recorded it (kNeverArrives: it never came).
  // When given it replaces `trace`, so a live run can be replayed offline on the same arrivals.
  std::vector<std::int64_t> recorded_delay_us;
};

struct SlotRecord {
  int slot = 0;
  ShownKind kind = ShownKind::kBlank;
  int real_index = -1;
  int conjecture_k = 0;
  double psnr_db = 0;  // PSNR (luma-weighted, capped) against the source frame of the slot
  double ssim = 0;     // luma SSIM against the same
  std::int64_t display_us = 0;
  std::int64_t latency_us = 0;
  std::int64_t stall_us = 0;
};

struct PlayerResult {
  PlayerKind player = PlayerKind::kJitterBuffer;
  int budget_ms = 0;
  std::size_t slots = 0;
  std::size_t real = 0;
  std::size_t repeated = 0;
  std::size_t conjectured = 0;
  std::size_t blank = 0;
  std::size_t stalls = 0;          // slots that waited past their deadline
  double stall_ms = 0;             // total wait
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  double mean_psnr_db = 0;         // every slot (capped PSNR)
  double mean_ssim = 0;
  std::size_t substituted = 0;     // slots not showing their own frame
  double substituted_psnr_db = 0;  // mean over those (0 when none)
  double substituted_ssim = 0;
  std::size_t predictions = 0;
  std::size_t engine_fallbacks = 0;   // conjectures where the engine repeated its last frame
  double predict_wall_ms = 0;      // mean per prediction
  double predict_cpu_ms = 0;       // mean process CPU per prediction
  double push_wall_ms = 0;         // mean per real frame fed to the engine (pyramid building)
  std::size_t reconciled = 0;
  double reconciled_psnr_db = 0;   // mean PSNR of reconciled conjectures (the reconciler's own score)
  std::vector<SlotRecord> series;
};

// The goals at one budget, measured on the same slots.
struct BudgetComparison {
  int budget_ms = 0;
  std::size_t jitter_stalls = 0;
  std::size_t mock_stalls = 0;
  double stall_reduction = 0;        // 1 − mock / jitter (1 when the jitter buffer had none)
  std::size_t conjectured_slots = 0; // slots where MOCK showed a conjecture
  std::size_t engine_fallbacks = 0;  // of those, the engine repeated its newest frame (low confidence)
  double mock_psnr_db = 0;           // mean over those slots
  double freeze_psnr_db = 0;         // freeze-frame's mean over the same slots
  double psnr_gain_db = 0;
  double mock_ssim = 0;
  double freeze_ssim = 0;
};

struct LeadPoint {
  int lead = 0;
  std::size_t samples = 0;
  double conjecture_psnr_db = 0;  // predict(lead) from real frames up to t, against frame t + lead
  double freeze_psnr_db = 0;      // frame t shown for t + lead
  double conjecture_ssim = 0;
  double freeze_ssim = 0;
};

struct ClipEvaluation {
  std::string name;
  std::string path;
  int width = 0;
  int height = 0;
  int source_width = 0;
  int source_height = 0;
  double fps = 0;
  std::size_t frames = 0;
  int group_size = 1;
  std::string backend;  // of the video engine: "cpu" or "cuda"
  TraceSummary trace;
  std::vector<PlayerResult> players;  // budget-major, then jitter buffer, freeze-frame, MOCK
  std::vector<BudgetComparison> comparisons;
  std::vector<LeadPoint> lead_sweep;
};

// Runs every budget with a fresh engine from `factory` per run.
Result<ClipEvaluation> evaluate_clip(const Clip& clip, const EvaluationConfig& config,
                                           const EngineFactory& factory);

struct AudioBudgetResult {
  int budget_ms = 0;
  std::size_t packets = 0;
  std::size_t concealed = 0;   // missed their deadline
  std::size_t fec = 0;         // of those, rebuilt from the next packet's FEC (verified)
  std::size_t plc = 0;
  std::size_t raw_fec = 0;     // what libopus as it comes calls FEC: every SILK/hybrid next packet
  double mean_plc_gain = 0;    // mean learned gain over the PLC frames (1 = libopus unscaled)
  // Scores against the clean decode of the same packets (so codec error is not counted), over
  // the concealed packets and over the whole track, for MOCK's concealment, for libopus's
  // PLC/FEC as it comes (raw), and for silence. SNR is the waveform measure; fwSNRseg the
  // perceptual one (kinetic/mock/fwsnrseg.hpp), whose frames count for a gap when their
  // centre lies in it.
  double conceal_snr_db = 0;
  double raw_conceal_snr_db = 0;
  double silence_snr_db = 0;
  double fec_snr_db = 0;       // the FEC-recovered packets alone (kSnrCapDb when none)
  double conceal_total_snr_db = 0;
  double silence_total_snr_db = 0;
  double conceal_fwsnr_db = 0;
  double raw_conceal_fwsnr_db = 0;
  double silence_fwsnr_db = 0;
  double conceal_total_fwsnr_db = 0;
  double silence_total_fwsnr_db = 0;
};

struct AudioEvaluation {
  std::string name;
  double seconds = 0;
  int bitrate = 0;
  int frame_ms = 20;
  TraceSummary trace;  // of the first budget's run (the trace does not depend on the budget)
  std::vector<AudioBudgetResult> budgets;
};

// Encodes `pcm` (48 kHz mono) to Opus with in-band FEC, sends every 20 ms packet through the
// trace, and at each budget plays the packets that are in time, concealing the rest with
// MOCK's concealment (verified FEC, PLC at its learned gain), with libopus's PLC/FEC as it
// comes, or with silence.
Result<AudioEvaluation> evaluate_audio(const std::string& name, const media::AudioPcm& pcm,
                                             const EvaluationConfig& config);

// The audio trace's seed, kept apart from the video's so the two are not the same draws.
std::uint64_t audio_seed(std::uint64_t seed) noexcept;

}  // namespace kinetic::mock
