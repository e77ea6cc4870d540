// `kinetic play URL --namespace NS`: watches an MSF broadcast live with MOCK. The network loop
// runs on its own thread and only queues what arrives; the player thread decodes, feeds MOCK's
// timeline with arrival times, and on every display tick presents what the timeline says:
// the real frame, a conjecture, a freeze, or a stall, by --late. --headless runs the same
// pipeline without a window and writes what it presented (--log) and a summary.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "play_engine.hpp"
#include "play_feed.hpp"
#include "play_reference.hpp"
#include "play_report.hpp"
#include "play_subscriber.hpp"
#include "play_view.hpp"
#include "wall_clock.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::app::cmd_play {
namespace {

using namespace kinetic;
using namespace std::chrono_literals;

struct PlayOptions {
  std::string url;
  std::string ns;
  std::vector<std::string> tracks;
  std::string late = "conjecture";
  int budget_ms = 0;
  int lead_ms = 0;
  int delivery_timeout_ms = -1;
  bool new_group = false;
  bool no_gpu = false;
  bool headless = false;
  bool no_overlay = false;
  std::string log;
  std::string summary;
  std::string reference;
  double duration = 0;
  app::ClientConnect connect;
};

// The display clock ticks this often; a slot is presented within one tick of falling due.
constexpr auto kTick = 4ms;
// The shortest DELIVERY_TIMEOUT play asks for by default.
constexpr std::uint64_t kMinDeliveryTimeoutMs = 500;
// A subscribed track with nothing after this long is reported once.
constexpr std::int64_t kSilentTrackUs = 5'000'000;

std::optional<mock::LatePolicy> parse_late(const std::string& s) {
  if (s == "conjecture") return mock::LatePolicy::kConjecture;
  if (s == "freeze") return mock::LatePolicy::kFreeze;
  if (s == "stall") return mock::LatePolicy::kStall;
  return std::nullopt;
}

int run_play(const PlayOptions& o) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("kinetic-play"));
  auto late = parse_late(o.late);
  if (!late) {
    std::cerr << "play: --late must be conjecture, freeze or stall\n";
    return 2;
  }
  app::PlayConfig config;
  config.late = *late;
  if (o.budget_ms > 0) config.budget_us = static_cast<std::int64_t>(o.budget_ms) * 1000;
  config.lead_us = static_cast<std::int64_t>(o.lead_ms) * 1000;
  config.prefer_gpu = !o.no_gpu;

  std::optional<app::PlayReference> reference;
  if (!o.reference.empty()) {
    auto r = app::PlayReference::load(o.reference);
    if (!r) {
      std::cerr << "play: cannot read the reference " << o.reference << ": " << r.error().what << "\n";
      return 2;
    }
    reference.emplace(std::move(*r));
  }
  std::ofstream log_file;
  std::ostream* log = nullptr;
  if (o.log == "-") {
    log = &std::cout;
  } else if (!o.log.empty()) {
    log_file.open(o.log);
    if (!log_file) {
      std::cerr << "play: cannot write " << o.log << "\n";
      return 2;
    }
    log = &log_file;
  }

  std::unique_ptr<app::PlayView> view;
  app::PlayEngine engine(config);
  if (!o.headless) {
    std::string error;
    view = app::open_window_view("kinetic play " + o.ns, engine.audio_rate(), engine.audio_channels(), !o.no_overlay,
                                 error);
    if (!view) {
      std::cerr << "play: cannot open a window (" << error << "); --headless plays without one\n";
      return 1;
    }
  }

  transport::EpollLoop loop;
  app::stop_on_signals(loop);
  app::PlayFeed feed;
  app::PlaySubscriberOptions so;
  so.ns = o.ns;
  so.tracks = o.tracks;
  so.new_group = o.new_group;
  // What can no longer be shown need not be sent: the relay drops objects older than this. A
  // frame past its own deadline is still the reference the rest of its group decodes from (and
  // what a conjecture is reconciled with), so the timeout spans a few budgets, not one.
  if (o.delivery_timeout_ms > 0) {
    so.delivery_timeout_ms = static_cast<std::uint64_t>(o.delivery_timeout_ms);
  } else if (o.delivery_timeout_ms < 0) {
    so.delivery_timeout_ms = config.budget_us ? std::max<std::uint64_t>(kMinDeliveryTimeoutMs, 3u * static_cast<std::uint64_t>(o.budget_ms))
                                              : 2000u;
  }
  app::PlaySubscriber subscriber([&loop] { loop.stop(); }, so, feed);
  int exit_code = 0;
  auto session = app::dial_moqt(loop, "play", o.url, o.connect, &subscriber, exit_code);
  if (!session) return exit_code;
  subscriber.attach(session);
  if (o.duration > 0) {
    loop.schedule_after(std::chrono::milliseconds(static_cast<std::int64_t>(o.duration * 1000)), [&loop] { loop.stop(); });
  }
  std::thread network([&] {
    loop.run();
    session->close(0, "player done");
    feed.close();
  });

  app::PlayReport report(log, reference ? &*reference : nullptr);
  std::vector<std::optional<std::size_t>> engine_track;  // feed index → engine index
  std::vector<std::int64_t> silent_since;
  std::optional<std::size_t> shown_track;
  std::size_t presented = 0;
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    app::FeedBatch batch = feed.take(next_tick);
    for (auto& t : batch.new_tracks) {
      auto added = engine.add_track(t.name, t.stream);
      if (!added) {
        spdlog::warn("play: track {} cannot be decoded ({}); playing the others", t.name, added.error().what);
        engine_track.push_back(std::nullopt);
      } else {
        engine_track.push_back(*added);
        if (t.stream.kind == media::StreamKind::kVideo) {
          report.add_track(*added, t.name);
          if (!shown_track) shown_track = *added;  // the window draws the first video track
        } else {
          report.add_audio_track(*added, t.name, engine.audio_rate(), engine.audio_channels());
        }
      }
      silent_since.push_back(app::unix_us());
    }
    for (auto& f : batch.frames) {
      if (f.track < engine_track.size() && engine_track[f.track]) {
        const std::size_t track = *engine_track[f.track];
        if (f.frame.kind == media::StreamKind::kVideo && f.frame.timescale > 0) {
          report.on_arrival(track, f.group, f.object, media::loc_pts_us(f.frame),
                            f.frame.capture_time_us ? static_cast<std::int64_t>(*f.frame.capture_time_us) : -1,
                            f.arrival_us);
        }
        engine.on_frame(track, f.group, f.object, f.frame, f.arrival_us);
      }
    }
    if (batch.dropped > 0) spdlog::warn("play: {} frames dropped: the player fell behind the network", batch.dropped);
    if (std::chrono::steady_clock::now() >= next_tick) {
      const std::int64_t now = app::unix_us();
      app::PlayTick tick = engine.tick(now);
      for (auto& r : tick.reconciled) report.on_reconciled(r);
      for (auto& p : tick.video) {
        report.on_presented(p);
        if (p.kind != mock::DisplayKind::kStall) ++presented;
        if (view && shown_track && p.track == *shown_track) view->present(p, report.running(p.track));
      }
      for (auto& a : tick.audio) {
        report.on_audio(a);
        if (view) view->play_audio(a);
      }
      for (std::size_t i = 0; i < engine_track.size(); ++i) {
        if (!engine_track[i] || silent_since[i] < 0) continue;
        if (engine.stats(*engine_track[i]).objects > 0) {
          silent_since[i] = -1;
        } else if (now - silent_since[i] > kSilentTrackUs) {
          spdlog::warn("play: nothing has arrived on track {} for {} s", engine.stats(*engine_track[i]).name,
                       kSilentTrackUs / 1'000'000);
          silent_since[i] = -1;
        }
      }
      next_tick += kTick;
      if (next_tick < std::chrono::steady_clock::now()) next_tick = std::chrono::steady_clock::now() + kTick;
    }
    if (view && !view->pump()) loop.stop();
    if (batch.closed) break;
  }
  network.join();
  if (log != nullptr) log->flush();

  nlohmann::json summary = nlohmann::json::array();
  for (const auto& s : report.summaries()) {
    std::cerr << "play: " << app::format_summary(s) << "\n";
    auto j = app::summary_json(s);
    j["late"] = o.late;
    j["backend"] = engine.backend();
    summary.push_back(std::move(j));
  }
  for (const auto& a : report.audio_summaries()) {
    std::cerr << "play: " << app::format_audio_summary(a) << "\n";
    summary.push_back(app::audio_summary_json(a));
  }
  for (std::size_t i = 0; i < engine.tracks(); ++i) {
    const auto& st = engine.stats(i);
    if (st.errors + st.gaps + st.undecodable > 0) {
      std::cerr << "play: " << st.name << ": " << st.objects << " objects, " << st.gaps << " gaps, " << st.undecodable
                << " skipped before a keyframe, " << st.errors << " undecodable\n";
    }
  }
  if (!o.summary.empty()) {
    std::ofstream(o.summary) << summary.dump(2) << "\n";
  }
  if (subscriber.failed()) return 1;
  return presented > 0 ? 0 : 3;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto* cmd = app.add_subcommand("play", "Watch an MSF/LOC broadcast live, with MOCK standing in for late frames");
  auto opts = std::make_shared<PlayOptions>();
  cmd->add_option("url", opts->url, "moqt://host:port/path of the relay or publisher")->required();
  cmd->add_option("--namespace", opts->ns, "track namespace, fields separated by '/'")->required();
  cmd->add_option("--track", opts->tracks, "only these catalog tracks (repeatable; default: every video and audio track)");
  cmd->add_option("--late", opts->late, "what a late frame becomes: conjecture (MOCK), freeze, or stall")
      ->capture_default_str();
  cmd->add_option("--budget-ms", opts->budget_ms, "display latency budget (default: adaptive, from arrival kinetics)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--lead-ms", opts->lead_ms, "present the slot due this much later (conjectured ahead)")
      ->check(CLI::Range(0, 2000));
  cmd->add_option("--delivery-timeout-ms", opts->delivery_timeout_ms,
                  "DELIVERY_TIMEOUT asked of the relay (default: 3 budgets, at least 500; 2000 when adaptive; 0: none)")
      ->check(CLI::Range(0, 600000));
  cmd->add_flag("--new-group", opts->new_group,
                "ask the original publisher for a new group on joining (NEW_GROUP_REQUEST; publishers with "
                "DYNAMIC_GROUPS, e.g. the WHIP gateway, ask their sender for a keyframe)");
  cmd->add_flag("--no-gpu", opts->no_gpu, "conjecture on the CPU even when CUDA is available");
  cmd->add_flag("--headless", opts->headless, "no window: play, measure and log only");
  cmd->add_flag("--no-overlay", opts->no_overlay, "start the window with the overlay hidden (o toggles it)");
  cmd->add_option("--log", opts->log, "JSON lines, one per presented slot and reconciliation (file, or - for stdout)");
  cmd->add_option("--summary", opts->summary, "write the per-track summary as JSON to this file at exit");
  cmd->add_option("--reference", opts->reference, "the published source file: score each slot (PSNR/SSIM) against it");
  cmd->add_option("--duration", opts->duration, "stop after this many seconds (0: when the broadcast ends)");
  app::add_client_options(*cmd, opts->connect, "relay or publisher");
  cmd->footer(
      "Each video slot is presented as: real (its frame arrived in time), conjecture (MOCK's\n"
      "prediction), freeze (the last real picture again) or stall (playback waits; --late stall).\n"
      "Latency is the wall clock at presentation minus the frame's capture time (LOC property\n"
      "0x4B10). Window keys: o toggles the overlay, q or Esc quits.\n"
      "Exit status: 0 slots presented, 1 error, 2 bad arguments, 3 nothing presented.");
  return app::Command{cmd, [opts] { return run_play(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_play
