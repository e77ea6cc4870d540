// Client connections. A QuicClient holds the TLS setup (trust, pins, ALPN) once and makes
// any number of connections from it, each on its own UDP socket and ephemeral port.
#pragma once

#include <memory>

#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/transport/quic/tls.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::quic {

class QuicClient {
 public:
  static Result<std::unique_ptr<QuicClient>> create(EpollLoop& loop, QuicClientConfig config);

  // Starts a handshake; `handler` then sees on_ready, or on_closed when it fails. The
  // session must not outlive the loop; dropping it closes the connection (code 0).
  Result<SessionPtr> connect(SessionHandler* handler);

  // One-shot form of create() + connect().
  static Result<SessionPtr> connect(EpollLoop& loop, const QuicClientConfig& config, SessionHandler* handler);

  [[nodiscard]] const QuicClientConfig& config() const { return config_; }

 private:
  QuicClient(EpollLoop& loop, QuicClientConfig config) : loop_(loop), config_(std::move(config)) {}

  EpollLoop& loop_;
  QuicClientConfig config_;
  std::shared_ptr<TlsContext> tls_;
};

}  // namespace kinetic::transport::quic
