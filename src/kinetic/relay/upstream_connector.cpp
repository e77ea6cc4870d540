#include "kinetic/relay/upstream_connector.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/transport/webtransport/webtransport_client.hpp"

namespace kinetic::relay {

std::string make_network_connector(transport::EpollLoop& loop, const RelayConfig& config, UpstreamConnector& out) {
  const auto urls = upstream_urls(config.upstream);
  if (urls.empty()) return "upstream: no URL";
  return make_network_connector(loop, config, urls.front(), out);
}

std::string make_network_connector(transport::EpollLoop& loop, const RelayConfig& config, const std::string& text,
                                   UpstreamConnector& out) {
  const auto url = parse_upstream_url(text);
  if (!url) return "upstream: expected moqt://host:port[/path] or https://host:port/path";
  std::vector<transport::Sha256> pins;
  if (!config.upstream_pin.empty()) {
    const auto pin = parse_sha256_hex(config.upstream_pin);
    if (!pin) return "upstream_pin: expected 64 hex digits";
    pins.push_back(*pin);
  }
  const bool verify = !config.upstream_insecure;
  if (url->scheme == UpstreamUrl::Scheme::kMoqt) {
    auto parsed = moqt::parse_moqt_url(text);
    if (!parsed) return std::string("upstream: ") + parsed.error().what;
    const auto timeout = std::chrono::milliseconds(config.upstream_timeout_ms);
    out = [&loop, target = *parsed, pins, verify, timeout](
              const moqt::SessionOptions& options, moqt::SessionHandler* handler) -> std::shared_ptr<moqt::Session> {
      transport::quic::QuicClientConfig quic;
      quic.pinned_sha256 = pins;
      quic.verify_peer = verify;
      quic.settings.idle_timeout = timeout;
      quic.settings.keep_alive = timeout / 4;
      auto session = moqt::connect_quic(loop, target, quic, options, handler);
      if (!session) {
        spdlog::warn("relay: upstream connect failed: {}", session.error().what);
        return nullptr;
      }
      return *session;
    };
    return {};
  }
  // A WebTransport parent's QUIC connection is watched like a raw QUIC one's, so a dead parent
  // is noticed (and left for a standby) as soon.
  const auto timeout = std::chrono::milliseconds(config.upstream_timeout_ms);
  out = [&loop, text, pins, verify, timeout](const moqt::SessionOptions& options,
                                             moqt::SessionHandler* handler) -> std::shared_ptr<moqt::Session> {
    transport::webtransport::WebTransportClientConfig wt;
    wt.url = text;
    wt.pinned_sha256 = pins;
    wt.verify_peer = verify;
    wt.settings.idle_timeout = timeout;
    wt.settings.keep_alive = timeout / 4;
    auto transport = transport::webtransport::connect_webtransport(loop, wt);
    if (!transport) {
      spdlog::warn("relay: upstream connect failed: {}", transport.error().what);
      return nullptr;
    }
    moqt::SessionOptions wt_options;
    wt_options.perspective = moqt::Perspective::kClient;  // WebTransport carries the path in the URL
    wt_options.max_incoming_requests = options.max_incoming_requests;
    return moqt::Session::create(std::move(*transport), std::move(wt_options), handler);
  };
  return {};
}

}  // namespace kinetic::relay
