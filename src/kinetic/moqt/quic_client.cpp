#include "kinetic/moqt/quic_client.hpp"

#include <charconv>

#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::moqt {
namespace {

// Holds the connection's events until Session::create takes the handler over (same call).
struct Placeholder final : transport::SessionHandler {
  void on_incoming_stream(transport::Session&, transport::Stream&) override {}
  void on_closed(transport::Session&, const transport::CloseInfo&) override {}
};

}  // namespace

Result<MoqtUrl> parse_moqt_url(std::string_view url) {
  constexpr std::string_view kScheme = "moqt://";
  if (url.substr(0, kScheme.size()) != kScheme) return Error{Errc::kInvalidValue, "URL must start with moqt://"};
  url.remove_prefix(kScheme.size());
  MoqtUrl out;
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return Error{Errc::kInvalidValue, "unterminated IPv6 host"};
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return Error{Errc::kInvalidValue, "junk after IPv6 host"};
      port = authority.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Error{Errc::kInvalidValue, "URL has no host"};
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Error{Errc::kInvalidValue, "bad port"};
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Result<std::shared_ptr<Session>> connect_quic(transport::EpollLoop& loop, const MoqtUrl& url,
                                                    transport::quic::QuicClientConfig quic, SessionOptions options,
                                                    SessionHandler* handler) {
  const std::string host = url.host == "localhost" ? "127.0.0.1" : url.host;
  auto remote = transport::quic::SocketAddress::parse(host, url.port);
  if (!remote) return remote.error();
  quic.remote = *remote;
  if (quic.server_name.empty()) quic.server_name = url.host;
  quic.settings.alpn.clear();
  for (auto v : wire::kSupportedVersions) quic.settings.alpn.emplace_back(wire::alpn(v));
  static Placeholder placeholder;
  auto transport = transport::quic::QuicClient::connect(loop, quic, &placeholder);
  if (!transport) return transport.error();
  options.perspective = Perspective::kClient;
  if (!options.path) options.path = url.path;
  if (!options.authority) options.authority = url.host + ":" + std::to_string(url.port);
  // The ALPN is not known until the handshake ends; the session picks its draft then.
  auto session = Session::create(std::move(*transport), std::move(options), handler);
  return session;
}

}  // namespace kinetic::moqt
