// The forwarding engine of `kinetic impair`: a UDP proxy that sends every datagram through a
// seeded per-packet path model (mock::PacketImpairment) on its way, in both directions.
//
// Each client address gets its own upstream socket (the server sees one peer per client, as
// through a NAT) and its own pair of models, seeded from one seed and the order in which the
// clients appeared, so several players through one proxy are impaired independently and a run
// can be repeated. Payloads and ECN bits pass unchanged: QUIC and WebTransport run through it
// as they would over a real path, and recover its losses themselves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "kinetic/mock/packet_impairment.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::app {

struct UdpImpairProxyOptions {
  transport::quic::SocketAddress listen;    // port 0: the kernel picks one (see local_address)
  transport::quic::SocketAddress upstream;  // where client datagrams go
  mock::PacketImpairmentConfig to_upstream;    // client → server
  mock::PacketImpairmentConfig to_client;      // server → client
  std::uint64_t seed = 1;
  // A client that neither sends nor receives this long is forgotten (its upstream socket
  // closed), as a NAT would; if it speaks again it comes back as a new client.
  transport::Duration idle_timeout = std::chrono::seconds(60);
  std::size_t max_clients = 1024;               // more at once are refused (each holds a socket)
  std::size_t max_queued_bytes = 256u << 20;    // datagrams in flight inside the proxy, all clients
};

struct UdpImpairDirectionStats {
  std::uint64_t received = 0;
  std::uint64_t received_bytes = 0;
  std::uint64_t lost = 0;            // random loss, or the chain's outside a burst
  std::uint64_t burst_lost = 0;      // the chain's loss inside a burst
  std::uint64_t queue_dropped = 0;   // the rate limiter's queue was full
  std::uint64_t overflow_dropped = 0;  // the proxy's own bound (max_queued_bytes)
  std::uint64_t reordered = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t forwarded_bytes = 0;
  std::uint64_t send_failed = 0;     // the kernel's send buffer was full
  [[nodiscard]] std::uint64_t dropped() const noexcept {
    return lost + burst_lost + queue_dropped + overflow_dropped + send_failed;
  }
};

struct UdpImpairProxyStats {
  UdpImpairDirectionStats to_upstream;
  UdpImpairDirectionStats to_client;
  std::size_t clients = 0;          // now
  std::uint64_t clients_seen = 0;   // ever
  std::uint64_t clients_refused = 0;  // datagrams from new clients past max_clients
  std::uint64_t stray = 0;          // datagrams on an upstream socket not from the upstream address
  std::size_t queued_packets = 0;
  std::size_t queued_bytes = 0;
};

class UdpImpairProxy {
 public:
  // Binds the listen socket and starts serving on `loop`; errors: a config the models reject,
  // mismatched address families, a listen address that cannot be bound.
  static kinetic::Result<std::unique_ptr<UdpImpairProxy>> start(transport::EpollLoop& loop,
                                                               UdpImpairProxyOptions options);
  ~UdpImpairProxy();
  UdpImpairProxy(const UdpImpairProxy&) = delete;
  UdpImpairProxy& operator=(const UdpImpairProxy&) = delete;

  [[nodiscard]] const transport::quic::SocketAddress& local_address() const { return listen_.local_address(); }
  [[nodiscard]] UdpImpairProxyStats stats() const;

 private:
  struct Client;
  struct Pending;

  UdpImpairProxy(transport::EpollLoop& loop, UdpImpairProxyOptions options, transport::quic::UdpSocket listen);

  std::int64_t now_us() const;
  void on_client_readable();
  void on_upstream_readable(const std::shared_ptr<Client>& client);
  std::shared_ptr<Client> client_for(const transport::quic::SocketAddress& address);
  void impair(const std::shared_ptr<Client>& client, bool to_upstream, const transport::quic::Datagram& d);
  void deliver_due();
  void arm();
  void sweep();
  void forget(Client& client);

  transport::EpollLoop& loop_;
  UdpImpairProxyOptions options_;
  transport::quic::UdpSocket listen_;
  transport::TimePoint start_;
  std::unordered_map<transport::quic::SocketAddress, std::shared_ptr<Client>, transport::quic::SocketAddressHash>
      clients_;
  // Datagrams waiting for their delivery time: a min-heap on (time, arrival order), so ties
  // leave in the order they came.
  std::vector<Pending> pending_;
  std::uint64_t next_seq_ = 0;
  std::size_t queued_bytes_ = 0;
  transport::TimerId delivery_timer_ = 0;
  std::int64_t delivery_armed_us_ = 0;
  transport::TimerId sweep_timer_ = 0;
  UdpImpairProxyStats stats_;
};

}  // namespace kinetic::app
