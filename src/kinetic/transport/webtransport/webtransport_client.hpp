// One call from a URL to a WebTransport session, for Kinetic's own tools and tests:
// resolves the host, opens a QUIC connection with ALPN h3, runs the HTTP/3 client and
// sends the extended CONNECT. The QUIC connection belongs to the session: it closes
// shortly after the session ends.
#pragma once

#include <string>
#include <vector>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/transport/transport.hpp"
#include "kinetic/wire/version.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::transport::webtransport {

struct WebTransportClientConfig {
  std::string url;  // https://host[:port]/path (port 443 when absent)
  std::vector<std::string> protocols = wire::supported_alpns();
  // Like the browser's serverCertificateHashes: accept exactly these certificates.
  std::vector<Sha256> pinned_sha256;
  std::string ca_file;  // trust anchors when nothing is pinned; empty: the system store
  bool verify_peer = true;
  quic::QuicSettings settings;  // ALPN is forced to h3
};

struct ParsedUrl {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 443;
  std::string authority;  // as written, for :authority
  std::string path = "/";
};

// kInvalidValue for anything but an https URL with a host.
Result<ParsedUrl> parse_https_url(std::string_view url);

// The session's handler gets on_ready once the server accepted the CONNECT, or on_closed.
// Resolving a host name blocks, so call this before the loop runs or from a tool's setup.
Result<SessionPtr> connect_webtransport(EpollLoop& loop, const WebTransportClientConfig& config);

}  // namespace kinetic::transport::webtransport
