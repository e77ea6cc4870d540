#include "kinetic/transport/webtransport/webtransport_client.hpp"

#include <charconv>

#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"

namespace kinetic::transport::webtransport {

Result<ParsedUrl> parse_https_url(std::string_view url) {
  const Error bad{Errc::kInvalidValue, "not an https://host[:port]/path URL"};
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad;
  url.remove_prefix(kScheme.size());
  ParsedUrl out;
  const auto slash = url.find('/');
  out.authority = std::string(url.substr(0, slash));
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  std::string_view auth = out.authority;
  std::string_view port;
  if (!auth.empty() && auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) return bad;
    out.host = std::string(auth.substr(1, close - 1));
    auth.remove_prefix(close + 1);
    if (!auth.empty()) {
      if (auth.front() != ':') return bad;
      port = auth.substr(1);
    }
  } else {
    const auto colon = auth.rfind(':');
    out.host = std::string(auth.substr(0, colon));
    if (colon != std::string_view::npos) port = auth.substr(colon + 1);
  }
  if (out.host.empty()) return bad;
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) return bad;
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Result<SessionPtr> connect_webtransport(EpollLoop& loop, const WebTransportClientConfig& config) {
  KINETIC_TRY(ParsedUrl url, parse_https_url(config.url));
  KINETIC_TRY(quic::SocketAddress remote, quic::SocketAddress::resolve(url.host, url.port));
  quic::QuicClientConfig qc;
  qc.remote = remote;
  qc.server_name = url.host;
  qc.settings = config.settings;
  qc.settings.alpn = {"h3"};
  qc.pinned_sha256 = config.pinned_sha256;
  qc.ca_file = config.ca_file;
  qc.verify_peer = config.verify_peer;
  auto h3 = H3Connection::client();
  h3->close_when_idle(true);
  KINETIC_TRY(SessionPtr quic, quic::QuicClient::connect(loop, qc, h3.get()));
  h3->attach(std::move(quic));
  ClientOptions options;
  options.authority = url.authority;
  options.path = url.path;
  options.protocols = config.protocols;
  return h3->connect(options);
}

}  // namespace kinetic::transport::webtransport
