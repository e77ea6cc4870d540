#include "cli_support.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <csignal>
#include <iostream>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/relay/relay_auth.hpp"

namespace kinetic::app {
namespace {

kinetic::Error bad(const char* what) { return {kinetic::Errc::kInvalidValue, what}; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

moqt::TrackNamespace split_namespace(std::string_view text) {
  moqt::TrackNamespace ns;
  for (;;) {
    const auto slash = text.find('/');
    const auto field = text.substr(0, slash);
    if (!field.empty()) ns.fields.emplace_back(field);
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return ns;
}

kinetic::Result<transport::Sha256> parse_sha256_pin(std::string_view text) {
  transport::Sha256 pin{};
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ':') {
      // Separators only between whole bytes, never doubled or at the ends.
      if (digits % 2 != 0 || digits == 0 || i + 1 == text.size() || text[i + 1] == ':') {
        return bad("certificate pin: misplaced ':'");
      }
      continue;
    }
    const int v = hex_digit(text[i]);
    if (v < 0) return bad("certificate pin: not a hex digit");
    if (digits == 2 * pin.size()) return bad("certificate pin: longer than a SHA-256");
    auto& byte = pin[digits / 2];
    byte = static_cast<std::uint8_t>(byte << 4 | v);
    ++digits;
  }
  if (digits != 2 * pin.size()) return bad("certificate pin: a SHA-256 is 64 hex digits");
  return pin;
}

kinetic::Result<transport::quic::QuicClientConfig> client_trust(std::string_view pin, bool insecure) {
  transport::quic::QuicClientConfig c;
  c.verify_peer = !insecure;
  if (!pin.empty()) {
    KINETIC_TRY(auto digest, parse_sha256_pin(pin));
    c.pinned_sha256.push_back(digest);
  }
  return c;
}

void add_client_options(CLI::App& command, ClientConnect& connect, std::string_view peer,
                        const std::string& token_flag) {
  const std::string who(peer);
  command.add_option(
      "--pin", connect.pin,
      "trust the " + who + " certificate with this SHA-256 (64 hex digits, ':' between bytes allowed)");
  command.add_flag("--insecure", connect.insecure, "do not verify the " + who + " certificate");
  command.add_option(token_flag, connect.token,
                     "JWT or CAT for the " + who + " (@file reads it from a file), sent in CLIENT_SETUP");
}

std::shared_ptr<moqt::Session> dial_moqt(transport::EpollLoop& loop, std::string_view tool,
                                         std::string_view url, const ClientConnect& connect,
                                         moqt::SessionHandler* handler, int& exit_code) {
  auto parsed = moqt::parse_moqt_url(url);
  if (!parsed) {
    std::cerr << tool << ": bad URL: " << parsed.error().what << std::endl;
    exit_code = 2;
    return nullptr;
  }
  auto trust = client_trust(connect.pin, connect.insecure);
  if (!trust) {
    std::cerr << tool << ": --pin: " << trust.error().what << std::endl;
    exit_code = 2;
    return nullptr;
  }
  moqt::SessionOptions options;
  if (!connect.token.empty()) {
    std::string token;
    if (auto err = relay::resolve_token_arg(connect.token, token); !err.empty()) {
      std::cerr << tool << ": --token: " << err << std::endl;
      exit_code = 2;
      return nullptr;
    }
    options.setup_tokens.push_back(relay::auth_token_param(std::move(token)));
  }
  auto session = moqt::connect_quic(loop, *parsed, std::move(*trust), std::move(options), handler);
  if (!session || !*session) {
    std::cerr << tool << ": cannot connect: " << (session ? "no session" : session.error().what) << std::endl;
    exit_code = 1;
    return nullptr;
  }
  return std::move(*session);
}

kinetic::Result<transport::quic::SocketAddress> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("address must be HOST:PORT");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return bad("address has no host");
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("address: port must be 0..65535");
  }
  return transport::quic::SocketAddress::resolve(host == "localhost" ? "127.0.0.1" : std::string(host),
                                                 static_cast<std::uint16_t>(port));
}

kinetic::Result<MoqtListener> listen_moqt(transport::EpollLoop& loop, std::string_view listen,
                                       moqt::SessionHandler* handler) {
  KINETIC_TRY(auto address, parse_host_port(listen));
  KINETIC_TRY(auto cert, transport::CertificateKeyPair::generate());
  KINETIC_TRY(auto digest, cert.sha256());
  MoqtListener out;
  out.certificate_sha256 = digest;
  out.sessions = std::make_shared<std::vector<std::shared_ptr<moqt::Session>>>();
  transport::quic::QuicServerConfig sc;
  sc.listen = address;
  sc.certificate = std::move(cert);
  auto accept = [sessions = out.sessions, handler](transport::SessionPtr t) {
    moqt::SessionOptions so;
    so.perspective = moqt::Perspective::kServer;
    if (auto s = moqt::Session::create(std::move(t), so, handler)) sessions->push_back(std::move(s));
  };
  KINETIC_TRY(auto server, transport::quic::QuicServer::start(loop, sc, accept));
  out.server = std::move(server);
  return out;
}

bool stop_on_signals(transport::EpollLoop& loop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return false;
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return false;
  return loop.watch(fd, 1 /* EPOLLIN */, [&loop, fd](std::uint32_t) {
    signalfd_siginfo info;
    while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    loop.stop();
  });
}

}  // namespace kinetic::app
