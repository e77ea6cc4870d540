// `kinetic relay`: a MoQT relay on one UDP port, speaking raw QUIC (ALPN moqt-20 / moqt-18)
// and WebTransport over HTTP/3 (any CONNECT path, e.g. /moq) to the same relay core. With
// --upstream it is also a client of a parent relay (origin ← regional ← edge); with --web-root
// it answers HTTP/3 GETs on the same port with the files of that directory. Without
// --cert/--key it makes a short-lived ECDSA certificate and prints its SHA-256 for clients to
// pin. With --auth-key it requires JWT / CAT tokens (see relay_auth.hpp); without, it listens on
// loopback only unless told --public. With --workers N it serves the port from N threads
// (relay_workers.hpp). SIGINT / SIGTERM close every session and exit 0.

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "kinetic/auth/token_verifier.hpp"
#include "kinetic/relay/metrics_server.hpp"
#include "kinetic/relay/relay.hpp"
#include "kinetic/relay/relay_auth.hpp"
#include "kinetic/relay/relay_config.hpp"
#include "kinetic/relay/relay_workers.hpp"
#include "kinetic/relay/static_files.hpp"
#include "kinetic/relay/upstream_connector.hpp"
#include "kinetic/transport/certificate.hpp"

namespace kinetic::app::cmd_relay {
namespace {

using namespace kinetic;

int run_relay(const relay::RelayFlags& flags) {
  relay::RelayConfig config;
  if (!flags.config_file.empty()) {
    if (auto err = relay::apply_toml_file(flags.config_file, config); !err.empty()) {
      std::cerr << "kinetic relay: " << err << "\n";
      return 2;
    }
  }
  relay::apply_flags(flags, config);
  // With neither --cert nor --key the relay makes its own certificate, so the files are not
  // required here (one without the other still is an error).
  const bool generate_cert = config.cert.empty() && config.key.empty();
  relay::RelayConfig checked = config;
  if (generate_cert) checked.cert = checked.key = "(generated)";
  if (auto err = relay::validate(checked); !err.empty()) {
    std::cerr << "kinetic relay: " << err << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  std::optional<relay::StaticFiles> web_root;
  if (!config.web_root.empty()) {
    if (auto err = relay::StaticFiles::open(config.web_root, web_root); !err.empty()) {
      std::cerr << "kinetic relay: " << err << "\n";
      return 2;
    }
  }
  const auto listen = relay::parse_host_port(config.listen);
  if (!listen) {
    std::cerr << "kinetic relay: bad --listen address " << config.listen << "\n";
    return 2;
  }
  const auto addr = transport::quic::SocketAddress::parse(listen->host, listen->port);
  if (!addr) {
    std::cerr << "kinetic relay: bad --listen address " << config.listen << "\n";
    return 2;
  }
  auto cert = generate_cert
                  ? transport::CertificateKeyPair::generate()
                  : transport::CertificateKeyPair::load(config.cert, config.key);
  if (!cert) {
    std::cerr << "kinetic relay: certificate: " << cert.error().what << "\n";
    return 2;
  }
  const auto hash = cert->sha256();
  std::vector<auth::Jwk> keys;
  if (auto err = relay::load_jwk_files(config.auth_keys, keys); !err.empty()) {
    std::cerr << "kinetic relay: --auth-key: " << err << "\n";
    return 2;
  }
  std::string upstream_token;
  if (!config.upstream_token.empty()) {
    if (auto err = relay::resolve_token_arg(config.upstream_token, upstream_token); !err.empty()) {
      std::cerr << "kinetic relay: --upstream-token: " << err << "\n";
      return 2;
    }
  }

  relay::RelayWorkerSetup setup;
  setup.config = config;
  setup.server.listen = *addr;
  setup.server.certificate = *cert;
  if (!keys.empty()) {
    setup.verifier = std::make_shared<auth::TokenVerifier>(
        std::move(keys), auth::TokenPolicy{config.auth_issuers, config.auth_audiences});
  }
  // Hop lists carry this id so that a parent whose path already passes through here is refused.
  setup.relay_id = config.relay_id;
  if (setup.relay_id.empty()) {
    std::random_device rd;
    setup.relay_id = fmt::format("{:08x}", rd());
  }
  if (web_root) setup.static_content = [&web_root](std::string_view path) { return web_root->get(path); };

  relay::RelayMetrics metrics;
  auto made = relay::RelayWorkers::make(relay::worker_threads(config), setup, metrics);
  if (!made) {
    std::cerr << "kinetic relay: cannot listen on " << config.listen << ": " << made.error().what << "\n";
    return 1;
  }
  auto& workers = **made;
  auto& hub = workers.hub();
  // Signals are blocked before the worker threads start, so only the hub's loop hears them.
  app::stop_on_signals(hub.loop());
  // Only the hub has the relay's parents: the workers reach them through it (relay_workers.hpp).
  for (const auto& url : relay::upstream_urls(config.upstream)) {
    relay::UpstreamConnector connector;
    if (auto err = relay::make_network_connector(hub.loop(), config, url, connector); !err.empty()) {
      std::cerr << "kinetic relay: " << err << "\n";
      return 2;
    }
    relay::UpstreamPolicy policy;
    if (const auto parsed = relay::parse_upstream_url(url)) policy.path = parsed->path;
    if (!upstream_token.empty()) policy.tokens.push_back(relay::auth_token_param(upstream_token));
    hub.relay().add_upstream(std::move(connector), policy, url);
  }

  std::unique_ptr<relay::MetricsServer> metrics_server;
  if (!config.metrics_listen.empty()) {
    const auto m = relay::parse_host_port(config.metrics_listen);
    auto started = m ? relay::MetricsServer::start(metrics, m->host, m->port)
                     : kinetic::Result<std::unique_ptr<relay::MetricsServer>>(
                           kinetic::Error{kinetic::Errc::kInvalidValue, "bad --metrics-listen"});
    if (!started) {
      std::cerr << "kinetic relay: metrics: " << started.error().what << "\n";
      return 2;
    }
    metrics_server = std::move(*started);
  }

  std::cout << "relay listening on " << config.listen << " (moqt-22/21/20, moqt-18, h3 WebTransport)";
  if (hash) std::cout << "  certificate sha256 " << transport::to_hex(*hash);
  if (metrics_server) std::cout << "  metrics on port " << metrics_server->port();
  if (!config.upstream.empty()) std::cout << "  upstream " << config.upstream;
  if (web_root) std::cout << "  serving " << config.web_root << " over HTTP/3";
  if (workers.size() > 1) std::cout << "  " << workers.size() << " workers";
  std::cout << std::endl;
  if (!config.auth_keys.empty()) {
    std::cout << "auth: tokens required (JWT or CAT) for every session and request; keys from "
              << config.auth_keys.size() << " file(s)";
    if (!config.auth_issuers.empty())
      std::cout << fmt::format("; issuers {}", fmt::join(config.auth_issuers, ", "));
    if (!config.auth_audiences.empty()) {
      std::cout << fmt::format("; audience {}", fmt::join(config.auth_audiences, ", "));
    } else {
      std::cout << "; tokens with aud refused (no --auth-audience)";
    }
    std::cout << std::endl;
  } else if (relay::is_loopback_host(listen->host)) {
    std::cout << "auth: none - open to anyone on this machine (loopback only; give --auth-key to require tokens)"
              << std::endl;
  } else {
    std::cout << "auth: none - open to anyone who can reach " << config.listen << " (--public)" << std::endl;
  }

  workers.run();
  spdlog::info("relay: stopping");
  made->reset();
  return 0;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto flags = std::make_shared<relay::RelayFlags>();
  auto* sub = app.add_subcommand("relay", "Run a MoQT relay (raw QUIC and WebTransport)");
  relay::add_relay_flags(*sub, *flags);
  return app::Command{sub, [flags] { return run_relay(*flags); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_relay
