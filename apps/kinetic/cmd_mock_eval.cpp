// `kinetic mock-eval`: replays real clips through a seeded impairment trace and compares the
// jitter buffer, freeze-frame and MOCK at the same latency budgets. Prints the table, writes
// DIR/mock-eval.json and the plots.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "play_arrivals.hpp"
#include "kinetic/media/ffmpeg_decoder.hpp"
#include "kinetic/mock/evaluation.hpp"
#include "kinetic/mock/evaluation_report.hpp"

extern "C" {
#include <libavutil/log.h>
}

namespace kinetic::app::cmd_mock_eval {
namespace {

struct Options {
  std::vector<std::string> clips;
  double seconds = 10;
  std::string trace = "lte";
  std::uint64_t seed = 1;
  std::vector<int> budgets{50, 100, 200};
  std::string out = "mock-eval";
  int max_width = 640;
  int max_lead = 5;
  int sweep_stride = 1;
  bool cpu_only = false;
  std::vector<double> blend;  // w1, horizon, confidence power; empty: the engine's defaults
  std::string arrivals;       // a kinetic play --log whose recorded arrivals replace --trace
  std::string arrivals_track = "video0";
  bool no_gap_scaling = false;
  bool no_audio = false;
  bool audio_only = false;  // skips the video: audio files (WAV, Opus, ...) are clips too
};

// Adds the audio evaluation of `path` to the report; a file without audio is only a note.
// False (with the message printed) when the audio is there but cannot be evaluated.
bool evaluate_audio_of(const std::string& path, const Options& o, kinetic::mock::EvaluationReport& report) {
  auto pcm = kinetic::media::decode_audio(path, {.sample_rate = 48000, .channels = 1, .max_seconds = o.seconds});
  if (!pcm) {
    std::cout << "  audio: none (" << pcm.error().what << ")\n";
    return true;
  }
  auto audio = kinetic::mock::evaluate_audio(std::filesystem::path(path).filename().string(), *pcm, report.config);
  if (!audio) {
    std::cerr << "mock-eval: " << path << ": audio: " << audio.error().what << "\n";
    return false;
  }
  report.audio.push_back(std::move(*audio));
  return true;
}

std::string command_line(const Options& o) {
  std::string cmd = "kinetic mock-eval";
  for (const auto& c : o.clips) cmd += " --clip " + c;
  std::string budgets;
  for (int b : o.budgets) budgets += (budgets.empty() ? "" : ",") + std::to_string(b);
  cmd += fmt::format(" --seconds {:g} --trace {} --seed {} --budget-ms {} --out {} --max-width {} --max-lead {} "
                     "--sweep-stride {}",
                     o.seconds, o.trace, o.seed, budgets, o.out, o.max_width, o.max_lead, o.sweep_stride);
  if (o.cpu_only) cmd += " --cpu";
  if (!o.blend.empty()) cmd += fmt::format(" --blend {:g},{:g},{:g}", o.blend[0], o.blend[1], o.blend[2]);
  if (!o.arrivals.empty()) cmd += " --arrivals " + o.arrivals + " --arrivals-track " + o.arrivals_track;
  if (o.no_gap_scaling) cmd += " --no-gap-scaling";
  if (o.no_audio) cmd += " --no-audio";
  if (o.audio_only) cmd += " --audio-only";
  return cmd;
}

int run(const Options& o) {
  using namespace kinetic::mock;
  auto trace = impairment_preset(o.trace);
  if (!trace) {
    std::cerr << "mock-eval: " << trace.error().what << "\n";
    return 2;
  }
  EvaluationReport report;
  report.config.trace = *trace;
  report.config.seed = o.seed;
  report.config.budgets_ms = o.budgets;
  report.config.max_lead = o.max_lead;
  report.config.sweep_stride = o.sweep_stride;
  report.command_line = command_line(o);
  report.max_width = o.max_width;
  report.seconds = o.seconds;

  // FFmpeg's warnings about the clips' containers (packed B-frames and the like) would bury
  // the table; errors still show.
  av_log_set_level(AV_LOG_ERROR);
  VideoConjectureConfig engine_config;
  engine_config.scale_by_gap = !o.no_gap_scaling;
  if (!o.blend.empty()) {
    if (o.blend.size() != 3) {
      std::cerr << "mock-eval: --blend takes W1,HORIZON,POWER\n";
      return 2;
    }
    engine_config.blend = {o.blend[0], o.blend[1], o.blend[2]};
  }
  const EngineFactory factory = [cpu = o.cpu_only, engine_config] { return make_video_conjecturer(engine_config, !cpu); };
  std::cout << "seed " << o.seed << "\ntrace " << trace->describe() << "\nbudgets";
  for (int b : o.budgets) std::cout << " " << b << " ms";
  std::cout << "\nvideo engine backend: " << factory()->backend() << "\n";

  for (const auto& path : o.clips) {
    if (o.audio_only) {
      if (!evaluate_audio_of(path, o, report)) return 1;
      continue;
    }
    auto clip = load_clip(path, o.seconds, o.max_width);
    if (!clip) {
      std::cerr << "mock-eval: " << path << ": " << clip.error().what << "\n";
      return 1;
    }
    std::cout << fmt::format("clip {}: {} frames at {:.3f} fps, {}x{} (source {}x{}{})\n", clip->name,
                             clip->frames.size(), clip->fps, clip->frames.front().width, clip->frames.front().height,
                             clip->source_width, clip->source_height,
                             clip->frames.front().width != clip->source_width ? ", scaled" : "");
    if (!o.arrivals.empty()) {
      auto records = kinetic::app::read_arrivals(o.arrivals, o.arrivals_track);
      if (!records) {
        std::cerr << "mock-eval: " << o.arrivals << ": " << records.error().what << "\n";
        return 1;
      }
      std::size_t matched = 0;
      const auto interval = static_cast<std::int64_t>(std::llround(1e6 / clip->fps));
      report.config.recorded_delay_us = kinetic::app::delays_for_clip(*records, clip->frames.size(), interval, matched);
      std::cout << fmt::format("arrivals: {} recorded for track {}, {} of {} clip frames matched (the rest never arrive)\n",
                               records->size(), o.arrivals_track, matched, clip->frames.size());
    }
    std::cout.flush();
    auto result = evaluate_clip(*clip, report.config, factory);
    if (!result) {
      std::cerr << "mock-eval: " << path << ": " << result.error().what << "\n";
      return 1;
    }
    std::cout << fmt::format("  trace: {} objects in groups of {}, {} retransmitted, {} held behind a late object, "
                             "{} never arrived, delay p50 {:.1f} ms p95 {:.1f} ms max {:.1f} ms\n",
                             result->trace.objects, result->group_size, result->trace.retransmitted,
                             result->trace.head_of_line, result->trace.never_arrived, result->trace.delay_p50_ms,
                             result->trace.delay_p95_ms, result->trace.delay_max_ms);
    report.clips.push_back(std::move(*result));

    if (!o.no_audio && !evaluate_audio_of(path, o, report)) return 1;
  }

  std::cout << "\n" << format_table(report);

  const std::filesystem::path dir(o.out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::cerr << "mock-eval: cannot create " << o.out << ": " << ec.message() << "\n";
    return 1;
  }
  const auto json_path = dir / "mock-eval.json";
  {
    std::ofstream out(json_path, std::ios::trunc);
    out << to_json(report).dump(1) << "\n";
    if (!out) {
      std::cerr << "mock-eval: cannot write " << json_path << "\n";
      return 1;
    }
  }
  std::cout << "\nwrote " << json_path.string() << "\n";
  const auto gnuplot = find_gnuplot();
  auto plots = write_plots(report, dir, gnuplot);
  if (!plots) {
    std::cerr << "mock-eval: plots: " << plots.error().what << "\n";
    return 1;
  }
  if (!gnuplot) {
    std::cout << "gnuplot not found: wrote " << plots->scripts.size() << " plot scripts, render them with gnuplot\n";
  } else {
    for (const auto& png : plots->pngs) std::cout << "wrote " << png.string() << "\n";
    if (!plots->rendered) std::cout << "some plots did not render (see gnuplot's messages above)\n";
  }
  return 0;
}

const kinetic::app::RegisterCommand kRegister([](CLI::App& app) {
  auto opts = std::make_shared<Options>();
  auto* sub = app.add_subcommand("mock-eval",
                                 "Measure MOCK against a jitter buffer and freeze-frame on real clips through a seeded "
                                 "impairment trace");
  sub->add_option("--clip", opts->clips, "Media file to replay (repeatable)")->required()->check(CLI::ExistingFile);
  sub->add_option("--seconds", opts->seconds, "Seconds of each clip to use (0 = all)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  sub->add_option("--trace", opts->trace, "Impairment preset: clean, wifi, lte, congested")->capture_default_str();
  sub->add_option("--seed", opts->seed, "Seed of the impairment trace")->capture_default_str();
  sub->add_option("--budget-ms", opts->budgets, "Display latency budgets, comma separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  sub->add_option("--out", opts->out, "Output directory for mock-eval.json and the plots")->capture_default_str();
  sub->add_option("--max-width", opts->max_width, "Scale clips down to at most this width (0 = source size)")
      ->capture_default_str()
      ->check(CLI::Range(0, 16384));
  sub->add_option("--max-lead", opts->max_lead, "Negative-latency sweep: leads 0..N frames (0 = off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 30));
  sub->add_option("--sweep-stride", opts->sweep_stride, "Negative-latency sweep: every N-th frame")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_flag("--cpu", opts->cpu_only, "Use the CPU video engine even when CUDA is available");
  sub->add_option("--arrivals", opts->arrivals,
                  "Replay the arrivals a `kinetic play --log` recorded instead of --trace (one clip: the published one)")
      ->check(CLI::ExistingFile);
  sub->add_option("--arrivals-track", opts->arrivals_track, "Track of the log to replay")->capture_default_str();
  sub->add_flag("--no-gap-scaling", opts->no_gap_scaling,
                "Extrapolate motion measured across a missing frame as if it spanned one interval");
  sub->add_option("--blend", opts->blend,
                  "Hedge conjectures toward the newest real frame: W1,HORIZON,POWER (1,1e9,0 turns it off)")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 1e12));
  auto* no_audio = sub->add_flag("--no-audio", opts->no_audio, "Skip the audio (Opus PLC/FEC vs silence) evaluation");
  sub->add_flag("--audio-only", opts->audio_only,
                "Evaluate only the audio (MOCK's concealment vs libopus as it comes vs silence); clips may be audio files")
      ->excludes(no_audio);
  return kinetic::app::Command{sub, [opts] { return run(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_mock_eval
