// `kinetic whip URL --http HOST:PORT`: a WHIP (RFC 9725) ingest gateway in front of a relay.
// WebRTC publishers (OBS's WHIP output, browsers) POST an SDP offer to /whip/<namespace>; their
// H.264 and Opus are published on the relay under <namespace> as an MSF/LOC broadcast, without
// transcoding. A separate process rather than a relay option: the relay stays free of GStreamer
// and its threads, and the gateway reaches any MoQT relay, ours or not, as a plain publisher.
#if KINETIC_HAVE_WEBRTC

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/webrtc/gateway.hpp"

namespace kinetic::app::cmd_whip {
namespace {

using namespace kinetic;

struct WhipOptions {
  std::string url;
  std::string http = "127.0.0.1:8080";
  std::string token;
  std::vector<std::string> ice_addresses;
  app::ClientConnect connect;
  unsigned latency_ms = 100;
  unsigned idle_timeout_ms = 5000;
  unsigned max_group_ms = 2000;
  unsigned min_group_ms = 500;
  std::size_t max_sessions = 16;
};

int run_whip(const WhipOptions& o) {
  auto http = app::parse_host_port(o.http);
  if (!http) {
    std::cerr << "whip: bad --http " << o.http << ": " << http.error().what << "\n";
    return 2;
  }
  webrtc::GatewayOptions g;
  const std::string host = http->to_string().substr(0, http->to_string().rfind(':'));
  g.http_host = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  g.http_port = http->port();
  g.token = o.token;
  // ICE gathers where HTTP listens unless told otherwise; a wildcard means every interface.
  g.ingest.ice.addresses = o.ice_addresses;
  if (g.ingest.ice.addresses.empty() && g.http_host != "0.0.0.0" && g.http_host != "::") {
    g.ingest.ice.addresses.push_back(g.http_host);
  }
  g.ingest.latency_ms = o.latency_ms;
  g.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  g.max_group = std::chrono::milliseconds(o.max_group_ms);
  g.min_group = std::chrono::milliseconds(o.min_group_ms);
  g.max_sessions = o.max_sessions;

  transport::EpollLoop loop;
  app::stop_on_signals(loop);
  auto gateway = webrtc::Gateway::start(loop, g);
  if (!gateway) {
    std::cerr << "whip: " << gateway.error().what << "\n";
    return 1;
  }
  int exit_code = 0;
  auto session = app::dial_moqt(loop, "whip", o.url, o.connect, gateway->get(), exit_code);
  if (!session) return exit_code;
  (*gateway)->attach(session);
  std::cerr << "whip: WHIP on http://" << o.http.substr(0, o.http.rfind(':')) << ":" << (*gateway)->http_port()
            << "/whip/<namespace>, publishing to " << o.url << std::endl;
  loop.run();
  const bool relay_lost = session->closed();
  // The session first: closing it still calls its handler, the gateway.
  if (!session->closed()) session->close(0, "gateway done");
  gateway->reset();
  return relay_lost ? 1 : 0;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto* sub = app.add_subcommand("whip", "WHIP ingest gateway: WebRTC publishers in, MoQT broadcasts out to a relay");
  auto opts = std::make_shared<WhipOptions>();
  sub->add_option("url", opts->url, "moqt:// URL of the relay to publish to")->required();
  sub->add_option("--http", opts->http, "HOST:PORT of the WHIP HTTP endpoint (port 0: any)");
  sub->add_option("--token", opts->token, "Bearer token WHIP clients must send (none: no check)");
  sub->add_option("--ice-address", opts->ice_addresses,
                  "local address ICE gathers on (repeatable; default: the --http host, every interface for a wildcard)");
  sub->add_option("--latency-ms", opts->latency_ms, "how long a lost packet is waited for (NACK/RTX) before a keyframe is asked");
  sub->add_option("--idle-timeout-ms", opts->idle_timeout_ms, "a session with no media this long is ended");
  sub->add_option("--max-group-ms", opts->max_group_ms, "ask the sender for a keyframe when a group is this old");
  sub->add_option(
      "--min-group-ms", opts->min_group_ms,
      "a subscriber's NEW_GROUP_REQUEST asks the sender for a keyframe once the group is this old");
  sub->add_option("--max-sessions", opts->max_sessions, "concurrent WHIP sessions");
  app::add_client_options(*sub, opts->connect, "relay", "--relay-token");
  sub->footer(
      "POST an SDP offer (Content-Type: application/sdp) to /whip/<namespace>: 201 with the answer and\n"
      "Location: /whip/<namespace>/<id>; DELETE that URL to end. Errors: 400 bad offer or no H.264,\n"
      "401 token, 409 namespace already published, 413 body too large, 415 not SDP, 405 PATCH (no trickle).\n"
      "Exit status: 0 Ctrl-C, 1 relay lost or startup failure, 2 bad arguments.");
  return app::Command{sub, [opts] { return run_whip(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_whip

#endif  // KINETIC_HAVE_WEBRTC
