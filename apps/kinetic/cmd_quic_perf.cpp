// `kinetic quic-perf server|client`: raw QUIC goodput between two processes. The client
// asks for N bytes on one stream per connection; the server streams them from one shared
// buffer (zero-copy writes). The client prints goodput and its own CPU time.
// With --webtransport the same exchange runs on a WebTransport bidirectional stream inside
// an HTTP/3 connection, to price the WebTransport framing against raw QUIC.
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/perf_responder.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "kinetic/transport/webtransport/webtransport_client.hpp"

namespace kinetic::app::cmd_quic_perf {
namespace {

using namespace kinetic::transport;
using namespace kinetic::transport::quic;
namespace wire = kinetic::wire;

constexpr const char* kAlpn = "kinetic-perf";

struct PerfOptions {
  std::string address = "127.0.0.1:4433";
  std::string cert;
  std::string key;
  std::uint64_t bytes = 1ull << 30;
  int connections = 1;
  std::string cc = "cubic";
  bool verbose = false;
  bool webtransport = false;
};

CongestionControl parse_cc(const std::string& cc) {
  if (cc == "reno") return CongestionControl::kReno;
  if (cc == "bbr") return CongestionControl::kBbr;
  return CongestionControl::kCubic;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int run_server(const PerfOptions& o) {
  auto listen = kinetic::app::parse_host_port(o.address);
  if (!listen) {
    std::cerr << "quic-perf: " << listen.error().what << "\n";
    return 1;
  }
  QuicServerConfig config;
  config.listen = *listen;
  config.settings.alpn = {o.webtransport ? "h3" : kAlpn};
  config.settings.congestion_control = parse_cc(o.cc);
  if (!o.cert.empty()) {
    auto pair = CertificateKeyPair::load(o.cert, o.key);
    if (!pair) {
      std::cerr << "quic-perf: " << pair.error().what << "\n";
      return 1;
    }
    config.certificate = std::move(*pair);
  }
  EpollLoop loop;
  PerfResponder app;
  webtransport::ServerOptions wt;
  wt.protocols = {kAlpn};
  wt.max_sessions = 1;
  wt.on_session = [&app](SessionPtr s) { app.serve(std::move(s)); };
  auto server = QuicServer::start(loop, config, [&app, &o, &wt](SessionPtr s) {
    // The H3 connection keeps itself alive for as long as its QUIC connection.
    if (o.webtransport) {
      if (s->protocol() == "h3") webtransport::H3Connection::server(std::move(s), wt);
      return;
    }
    app.serve(std::move(s));
  });
  if (!server) {
    std::cerr << "quic-perf: " << server.error().what << "\n";
    return 1;
  }
  kinetic::app::stop_on_signals(loop);
  std::cout << "listening on " << (*server)->local_address().to_string() << " (GSO "
            << ((*server)->gso_enabled() ? "on" : "off") << ")" << std::endl;
  loop.run();
  std::cout << "server cpu_s=" << cpu_seconds() << std::endl;
  return 0;
}

class PerfClient : public SessionHandler, public StreamHandler {
 public:
  explicit PerfClient(std::uint64_t bytes) : bytes_(bytes) {}
  void on_ready(Session& session) override {
    Stream* s = session.open_bidi();
    if (s == nullptr) {
      failed = true;
      return;
    }
    s->set_handler(this);
    s->write(std::span<const std::uint8_t>(perf_request(bytes_)), true);
  }
  void on_incoming_stream(Session& session, Stream& stream) override {
    (void)session;
    stream.stop_sending(1);
  }
  void on_data(Stream& s, std::span<const std::uint8_t> data, bool fin) override {
    (void)s;
    received += data.size();
    if (fin) done = true;
  }
  void on_closed(Session& session, const CloseInfo& info) override {
    (void)session;
    if (!done) {
      failed = true;
      std::cerr << "quic-perf: connection closed early (" << info.code << ": " << info.reason << ")\n";
    }
  }
  std::uint64_t received = 0;
  bool done = false;
  bool failed = false;

 private:
  std::uint64_t bytes_;
};

int run_client(const PerfOptions& o) {
  auto remote = kinetic::app::parse_host_port(o.address);
  if (!remote) {
    std::cerr << "quic-perf: " << remote.error().what << "\n";
    return 1;
  }
  QuicClientConfig config;
  config.remote = *remote;
  config.server_name = "localhost";
  config.settings.alpn = {kAlpn};
  config.settings.congestion_control = parse_cc(o.cc);
  if (const char* keylog = std::getenv("SSLKEYLOGFILE")) config.settings.keylog_file = keylog;
  if (!o.cert.empty()) {
    auto pair = CertificateKeyPair::load(o.cert, o.key.empty() ? o.cert : o.key);
    if (pair) config.pinned_sha256.push_back(*pair->sha256());
  }
  if (config.pinned_sha256.empty()) config.verify_peer = false;  // a benchmark against our own server
  EpollLoop loop;
  auto client = QuicClient::create(loop, config);
  if (!client) {
    std::cerr << "quic-perf: " << client.error().what << "\n";
    return 1;
  }
  std::vector<std::unique_ptr<PerfClient>> apps;
  std::vector<SessionPtr> sessions;
  double cpu0 = cpu_seconds();
  auto t0 = loop.now();
  webtransport::WebTransportClientConfig wt;
  wt.url = "https://" + o.address + "/perf";
  wt.protocols = {kAlpn};
  wt.pinned_sha256 = config.pinned_sha256;
  wt.verify_peer = config.verify_peer;
  wt.settings = config.settings;
  for (int i = 0; i < o.connections; ++i) {
    apps.push_back(std::make_unique<PerfClient>(o.bytes));
    if (o.webtransport) {
      auto s = webtransport::connect_webtransport(loop, wt);
      if (!s) {
        std::cerr << "quic-perf: " << s.error().what << "\n";
        return 1;
      }
      (*s)->set_handler(apps.back().get());
      sessions.push_back(std::move(*s));
      continue;
    }
    auto s = (*client)->connect(apps.back().get());
    if (!s) {
      std::cerr << "quic-perf: " << s.error().what << "\n";
      return 1;
    }
    sessions.push_back(std::move(*s));
  }
  bool ok = loop.run_until([&] {
    return std::all_of(apps.begin(), apps.end(), [](auto& a) { return a->done || a->failed; });
  }, std::chrono::minutes(10));
  double seconds = std::chrono::duration<double>(loop.now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  std::uint64_t total = 0;
  bool failed = !ok;
  for (auto& a : apps) {
    total += a->received;
    failed = failed || a->failed;
  }
  auto stats = sessions[0]->stats();
  for (auto& s : sessions) s->close(0, "done");
  loop.run_until([] { return false; }, std::chrono::milliseconds(50));
  std::cout << "connections=" << o.connections << " bytes=" << total << " seconds=" << seconds
            << " goodput_mbps=" << (static_cast<double>(total) * 8 / seconds / 1e6) << " client_cpu_s=" << cpu
            << " srtt_us=" << stats.smoothed_rtt.count() << " cwnd=" << stats.congestion_window << std::endl;
  return failed ? 1 : 0;
}

const kinetic::app::RegisterCommand kRegister([](CLI::App& app) {
  auto opts = std::make_shared<PerfOptions>();
  auto* sub = app.add_subcommand("quic-perf", "Raw QUIC goodput: a server, or a client that downloads N bytes per connection");
  auto mode = std::make_shared<std::string>();
  sub->add_option("role", *mode, "server or client")->required()->check(CLI::IsMember({"server", "client"}));
  sub->add_option("--address", opts->address, "server: listen HOST:PORT; client: connect HOST:PORT");
  sub->add_option("--cert", opts->cert, "server: certificate PEM (default: generated); client: pin this certificate");
  sub->add_option("--key", opts->key, "server: private key PEM");
  sub->add_option("--bytes", opts->bytes, "client: bytes to download per connection");
  sub->add_option("--connections", opts->connections, "client: parallel connections")->check(CLI::Range(1, 1000));
  sub->add_option("--cc", opts->cc, "congestion control: cubic, reno or bbr")
      ->check(CLI::IsMember({"cubic", "reno", "bbr"}));
  sub->add_flag("--webtransport", opts->webtransport,
                "stream over a WebTransport session (HTTP/3, ALPN h3) instead of raw QUIC");
  sub->add_flag("-v,--verbose", opts->verbose, "log at debug level");
  return kinetic::app::Command{sub, [opts, mode] {
    if (opts->verbose) spdlog::set_level(spdlog::level::debug);
    return *mode == "server" ? run_server(*opts) : run_client(*opts);
  }};
});

}  // namespace
}  // namespace kinetic::app::cmd_quic_perf
