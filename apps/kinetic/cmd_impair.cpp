// `kinetic impair --listen HOST:PORT --to HOST:PORT`: a UDP proxy that impairs what it forwards
// (delay, jitter, random and burst loss, a rate limit with its queue, reordering), seeded, with
// the presets of mock-eval and an optional trace file. QUIC and WebTransport clients point at
// --listen instead of the server and run unchanged over the worse path.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "cli_support.hpp"
#include "command.hpp"
#include "impair_config.hpp"
#include "udp_impair_proxy.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::app::cmd_impair {
namespace {

using namespace kinetic;

struct ImpairOptions {
  std::string listen;
  std::string to;
  app::ImpairSettings settings;
  std::uint64_t seed = 1;
  bool stats = false;
  double duration_s = 0;       // 0: until SIGINT/SIGTERM
  double idle_timeout_s = 60;
  // Options whose presence matters (an override of the preset), read after parsing.
  CLI::Option* delay = nullptr;
  CLI::Option* jitter = nullptr;
  CLI::Option* loss = nullptr;
  CLI::Option* burst = nullptr;
  double delay_ms = 0, jitter_ms = 0, loss_pct = 0;
  std::string burst_text;
};

std::string direction_text(const app::UdpImpairDirectionStats& s) {
  return fmt::format("{} in, {} out, dropped {} (loss {}, burst {}, queue {}, overflow {}, send {}), reordered {}",
                     s.received, s.forwarded, s.dropped(), s.lost, s.burst_lost, s.queue_dropped, s.overflow_dropped,
                     s.send_failed, s.reordered);
}

std::string stats_text(const app::UdpImpairProxyStats& s) {
  return fmt::format("clients {} (seen {}), queued {} | to server: {} | to clients: {}", s.clients, s.clients_seen,
                     s.queued_packets, direction_text(s.to_upstream), direction_text(s.to_client));
}

int run_impair(ImpairOptions& o) {
  if (o.delay->count() > 0) o.settings.delay_ms = o.delay_ms;
  if (o.jitter->count() > 0) o.settings.jitter_ms = o.jitter_ms;
  if (o.loss->count() > 0) o.settings.loss_pct = o.loss_pct;
  if (o.burst->count() > 0) o.settings.burst = o.burst_text;
  std::string error;
  auto config = app::make_impair_config(o.settings, error);
  if (!config) {
    std::cerr << "kinetic impair: " << error << "\n";
    return 2;
  }
  auto listen = app::parse_host_port(o.listen);
  if (!listen) {
    std::cerr << "kinetic impair: bad --listen " << o.listen << ": " << listen.error().what << "\n";
    return 2;
  }
  auto to = app::parse_host_port(o.to);
  if (!to) {
    std::cerr << "kinetic impair: bad --to " << o.to << ": " << to.error().what << "\n";
    return 2;
  }

  transport::EpollLoop loop;
  app::stop_on_signals(loop);
  app::UdpImpairProxyOptions po;
  po.listen = *listen;
  po.upstream = *to;
  po.to_upstream = *config;
  po.to_client = *config;
  po.seed = o.seed;
  po.idle_timeout = std::chrono::duration_cast<transport::Duration>(std::chrono::duration<double>(o.idle_timeout_s));
  auto proxy = app::UdpImpairProxy::start(loop, po);
  if (!proxy) {
    std::cerr << "kinetic impair: cannot listen on " << o.listen << " -> " << o.to << ": " << proxy.error().what
              << "\n";
    return 1;
  }
  std::cerr << "impair listening on " << (*proxy)->local_address().to_string() << " -> " << to->to_string() << " ("
            << config->describe() << ", seed " << o.seed << ", each direction)" << std::endl;

  const auto started = loop.now();
  if (o.duration_s > 0) {
    loop.schedule_after(std::chrono::duration_cast<transport::Duration>(std::chrono::duration<double>(o.duration_s)),
                        [&loop] { loop.stop(); });
  }
  std::function<void()> report;
  if (o.stats) {
    report = [&] {
      std::cerr << "impair: " << stats_text((*proxy)->stats()) << std::endl;
      loop.schedule_after(std::chrono::seconds(1), report);
    };
    loop.schedule_after(std::chrono::seconds(1), report);
  }
  loop.run();
  const double ran_s = std::chrono::duration<double>(loop.now() - started).count();
  std::cerr << fmt::format("impair: stopped after {:.1f} s; {}", ran_s, stats_text((*proxy)->stats())) << std::endl;
  return 0;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto o = std::make_shared<ImpairOptions>();
  auto* sub = app.add_subcommand(
      "impair", "Forward UDP both ways through a seeded impaired path (delay, jitter, loss, rate, reordering)");
  sub->add_option("--listen", o->listen, "HOST:PORT clients send to (port 0: any free port)")->required();
  sub->add_option("--to", o->to, "HOST:PORT of the server")->required();
  sub->add_option("--preset", o->settings.preset, "Path preset: clean, wifi, lte, congested (as mock-eval)")
      ->capture_default_str();
  o->delay = sub->add_option("--delay-ms", o->delay_ms, "One-way base delay, replacing the preset's")
                 ->check(CLI::Range(0.0, 60000.0));
  o->jitter = sub->add_option("--jitter-ms", o->jitter_ms,
                              "Mean jitter (gamma, shape 2), replacing the preset's; 0 turns it off")
                  ->check(CLI::Range(0.0, 6000.0));
  o->loss = sub->add_option("--loss", o->loss_pct, "Random loss in percent, on top of the preset's bursts")
                ->check(CLI::Range(0.0, 100.0));
  o->burst = sub->add_option("--burst", o->burst_text,
                             "Gilbert-Elliott bursts ENTER,LEAVE[,LOSS] in percent per packet, replacing the "
                             "preset's (e.g. 1,25,50; 0,100 turns them off)");
  sub->add_option("--rate-kbps", o->settings.rate_kbps, "Bottleneck rate in kbit/s; 0 = unlimited")
      ->check(CLI::Number)
      ->capture_default_str();
  sub->add_option("--queue-ms", o->settings.queue_ms, "Drop-tail limit of the bottleneck queue, as waiting time")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  sub->add_option("--queue-bytes", o->settings.queue_bytes, "... and as bytes queued (0 = no byte limit)")
      ->capture_default_str();
  sub->add_option("--reorder", o->settings.reorder_pct, "Percent of packets held back past their successors")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  sub->add_option("--reorder-ms", o->settings.reorder_ms, "How long a reordered packet is held back")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  sub->add_option("--jitter-interval-ms", o->settings.jitter_interval_ms,
                  "A new jitter value every this many ms (0: per packet); packets stay in order")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of every random draw")->capture_default_str();
  sub->add_option("--trace-file", o->settings.trace_file,
                  "Timed path changes: lines 'at_ms delay_ms jitter_ms loss_pct rate_kbps' ('#' comments)");
  sub->add_flag("--stats", o->stats, "Print counters to stderr once a second");
  sub->add_option("--duration", o->duration_s, "Stop after this many seconds (0: at SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  sub->add_option("--idle-timeout", o->idle_timeout_s, "Seconds after which a silent client is forgotten")
      ->check(CLI::Range(0.001, 1e6))
      ->capture_default_str();
  return app::Command{sub, [o] { return run_impair(*o); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_impair
