// One worker of a relay: an event loop, a QUIC server on the relay's port and a Relay core,
// serving the connections the kernel steers to this worker's socket (raw QUIC MoQT sessions
// and HTTP/3 WebTransport or static files, told apart by ALPN). A relay of one worker is
// exactly the single-threaded relay; with several, RelayWorkers ties them together.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/auth/token_verifier.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/relay/relay.hpp"
#include "kinetic/relay/relay_config.hpp"
#include "kinetic/relay/relay_metrics.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"

namespace kinetic::relay {

// What every worker of a relay is made from.
struct RelayWorkerSetup {
  RelayConfig config;
  transport::quic::QuicServerConfig server;  // listen and certificate; the worker fields are set per worker
  std::shared_ptr<const auth::TokenVerifier> verifier;  // null: no tokens asked
  std::string relay_id;                                 // this relay's id in hop lists
  transport::webtransport::StaticHandler static_content;  // answers HTTP/3 GETs; empty: none
};

class RelayWorker {
 public:
  // Binds this worker's socket. With `count` > 1 the socket joins the port's SO_REUSEPORT
  // group as its `index`-th member (build workers in index order), and worker 0 attaches the
  // connection-ID steering program. Worker 0 keeps `setup.relay_id`; worker i has id
  // "<id>.w<i>", so hop lists stay unique while every worker's path still names the relay; with
  // several workers, log lines name worker i's sessions "w<i>/<session>".
  static Result<std::unique_ptr<RelayWorker>> make(std::size_t index, std::size_t count, const RelayWorkerSetup& setup,
                                                   RelayMetrics& metrics);
  // Closes every session and HTTP/3 connection (without running the loop again: shutdown).
  ~RelayWorker();
  RelayWorker(const RelayWorker&) = delete;
  RelayWorker& operator=(const RelayWorker&) = delete;

  [[nodiscard]] std::size_t index() const { return index_; }
  [[nodiscard]] transport::EpollLoop& loop() { return *loop_; }
  [[nodiscard]] Relay& relay() { return *relay_; }
  [[nodiscard]] transport::quic::QuicServer& server() { return *server_; }

 private:
  RelayWorker(std::size_t index, const RelayWorkerSetup& setup, RelayMetrics& metrics);
  // Copies the QUIC server's counters (plain integers of this worker's loop) into the metrics'
  // atomics, which other threads read; re-armed every kCountersInterval.
  void publish_transport_counters();
  static constexpr transport::Duration kCountersInterval = std::chrono::milliseconds(250);

  std::size_t index_;
  RelayMetrics& metrics_;
  std::unique_ptr<transport::EpollLoop> loop_;
  std::unique_ptr<transport::EpollLoop::Timer> counters_timer_;
  // The relay's sessions go before the QUIC server whose connections carry them.
  std::unique_ptr<transport::quic::QuicServer> server_;
  std::unique_ptr<Relay> relay_;
  transport::webtransport::ServerOptions h3_;
  // An HTTP/3 connection keeps itself alive until its QUIC connection closes; these only let
  // shutdown reach the ones still open.
  std::vector<std::weak_ptr<transport::webtransport::H3Connection>> h3_connections_;
};

}  // namespace kinetic::relay
