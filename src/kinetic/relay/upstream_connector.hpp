// How a relay reaches its upstream relay over the network: a moqt:// URL is raw QUIC (ALPN
// moqt-20 / moqt-18), an https:// URL is WebTransport over HTTP/3. The relay core only sees the
// resulting connector, so tests give it one over the memory transport instead.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/relay_config.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::relay {

// Starts a client session to the upstream with `handler`; nullptr when it cannot even begin
// (bad address, socket failure). Handshake failures arrive later as handler->on_closed.
using UpstreamConnector =
    std::function<std::shared_ptr<moqt::Session>(const moqt::SessionOptions& options, moqt::SessionHandler* handler)>;

// A connector for `config.upstream` with the trust `config.upstream_pin` /
// `config.upstream_insecure` name; an error message when the URL or pin is unusable.
std::string make_network_connector(transport::EpollLoop& loop, const RelayConfig& config, UpstreamConnector& out);
// The same for one parent `url` of several. Raw QUIC parents get PINGs every quarter of
// `config.upstream_timeout_ms` and are taken for dead after it, so that a crashed parent is
// noticed in about that long (the QUIC idle timeout; never under three PTOs).
std::string make_network_connector(transport::EpollLoop& loop, const RelayConfig& config, const std::string& url,
                                   UpstreamConnector& out);

}  // namespace kinetic::relay
