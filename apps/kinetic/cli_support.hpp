// What the network subcommands share, kept once: namespace text to tuple, certificate pins and
// --listen addresses from the command line, serving MoQT sessions directly, and a clean stop on
// SIGINT/SIGTERM through the loop. Command-line text is checked here and answered with an error
// value, so a typo is a message rather than an exception out of std::stoi.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/moqt/types.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/base/result.hpp"

// Only declared: CLI11 is heavy to compile, and what uses this header without adding options
// (the player's subscriber) need not pay for it.
namespace CLI {
class App;
}  // namespace CLI

namespace kinetic::app {

// "a/b/c" → (a, b, c); empty fields are skipped.
moqt::TrackNamespace split_namespace(std::string_view text);

// 64 hex digits (either case; ':' between bytes allowed, as `openssl x509 -fingerprint` prints).
kinetic::Result<transport::Sha256> parse_sha256_pin(std::string_view text);

// How a client trusts the server named by --pin / --insecure: an empty pin means the system CAs.
kinetic::Result<transport::quic::QuicClientConfig> client_trust(std::string_view pin, bool insecure);

// How a client subcommand reaches its server: whom it trusts (--pin, --insecure) and the token it
// shows (--token, sent in CLIENT_SETUP as an AUTHORIZATION TOKEN, so it stays out of URLs and the
// logs that keep them; a ?jwt= / ?cat= in the URL still works).
struct ClientConnect {
  std::string pin;
  bool insecure = false;
  std::string token;  // the token, "@file", or empty
};

// --pin, --insecure and --token, worded alike in every client subcommand; `peer` names the
// server ("relay"). `token_flag` renames --token where the command has a token of its own.
void add_client_options(CLI::App& command, ClientConnect& connect, std::string_view peer,
                        const std::string& token_flag = "--token");

// A MoQT client session to a moqt:// URL as `connect` says. On failure it has told stderr why
// ("<tool>: ...") and `exit_code` says how the tool should end: 2 for a bad argument, 1 when the
// connection cannot start.
std::shared_ptr<moqt::Session> dial_moqt(transport::EpollLoop& loop, std::string_view tool,
                                         std::string_view url, const ClientConnect& connect,
                                         moqt::SessionHandler* handler, int& exit_code);

// HOST:PORT or [V6]:PORT. "localhost" is 127.0.0.1, as moqt::connect_quic takes it; another name
// is resolved (blocking: call it while setting up). Port 0 lets a server's kernel pick one.
kinetic::Result<transport::quic::SocketAddress> parse_host_port(std::string_view text);

// A QUIC server on --listen whose connections become server-side MoQT sessions with `handler`.
struct MoqtListener {
  std::unique_ptr<transport::quic::QuicServer> server;
  std::shared_ptr<std::vector<std::shared_ptr<moqt::Session>>> sessions;
  transport::Sha256 certificate_sha256{};
};
// Generates a self-signed certificate (its hash is what clients --pin).
kinetic::Result<MoqtListener> listen_moqt(transport::EpollLoop& loop, std::string_view listen,
                                       moqt::SessionHandler* handler);

// SIGINT and SIGTERM stop `loop` (they are blocked for the process and read through a signalfd,
// so threads started afterwards never take them). False when the signalfd cannot be made.
bool stop_on_signals(transport::EpollLoop& loop);

}  // namespace kinetic::app
