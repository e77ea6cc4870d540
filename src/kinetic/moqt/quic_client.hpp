// A MoQT client session over raw QUIC from a `moqt://host:port/path` URL: the ALPNs offered are
// the drafts Kinetic speaks (newest first), and the path travels in SETUP's PATH option.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::moqt {

struct MoqtUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string path = "/";
};

// kInvalidValue for anything but moqt://host[:port][/path] (IPv6 hosts in brackets).
Result<MoqtUrl> parse_moqt_url(std::string_view url);

// Resolves nothing: `url.host` must be a literal address or "localhost". `quic` supplies
// trust (pins or CA file); its remote, server name and ALPN are filled in here.
Result<std::shared_ptr<Session>> connect_quic(transport::EpollLoop& loop, const MoqtUrl& url,
                                                    transport::quic::QuicClientConfig quic, SessionOptions options,
                                                    SessionHandler* handler);

}  // namespace kinetic::moqt
