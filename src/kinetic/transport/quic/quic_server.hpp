// A QUIC server: one UDP socket, many connections told apart by their connection IDs.
// New Initials become sessions (after a Retry round trip when configured, or when ngtcp2
// asks for one because the start of the ClientHello went missing), packets for unknown
// connections get a stateless reset, unknown versions a version negotiation, and junk is
// dropped with bounded work so one noisy source cannot starve the others.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/cid_table.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/transport/quic/quic_endpoint.hpp"
#include "kinetic/transport/quic/quic_session.hpp"
#include "kinetic/transport/quic/tls.hpp"
#include "kinetic/transport/quic/udp_send_batch.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::quic {

class QuicServer final : public QuicEndpoint {
 public:
  struct Counters {
    std::uint64_t packets = 0;
    std::uint64_t dropped = 0;  // undecodable, unknown or refused
    std::uint64_t version_negotiations = 0;
    std::uint64_t retries = 0;
    std::uint64_t stateless_resets = 0;
    std::uint64_t handshakes_started = 0;
  };

  // Binds the socket and starts serving on `loop`. `accept` receives every connection
  // whose handshake completed, before its first stream or datagram.
  static Result<std::unique_ptr<QuicServer>> start(EpollLoop& loop, QuicServerConfig config,
                                                         AcceptCallback accept);
  // Closes every connection (application code 0, "shutdown") and the socket.
  ~QuicServer() override;
  QuicServer(const QuicServer&) = delete;
  QuicServer& operator=(const QuicServer&) = delete;

  [[nodiscard]] const SocketAddress& local_address() const { return socket_.local_address(); }
  // Connections alive in any state, handshakes included.
  [[nodiscard]] std::size_t connection_count() const { return sessions_.size(); }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] bool gso_enabled() const { return socket_.gso_enabled(); }
  // What the sessions' packets cost in syscalls: they leave in sendmmsg batches across connections.
  [[nodiscard]] const UdpSendBatch::Stats& send_stats() const { return batch_->stats(); }
  // Forgets every connection without a word to the peers, as a crash would; with the
  // same static secret a restarted server then answers them with stateless resets.
  void drop_all_connections();

  // QuicEndpoint
  std::size_t send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len, std::size_t segment,
                   std::uint8_t ecn) override;
  void wait_writable(std::shared_ptr<QuicSession> session) override;
  void mark_sent(std::span<const SendMark> marks) override;
  void add_cid(std::string_view cid, QuicSession* session) override;
  void remove_cid(std::string_view cid) override;
  void on_session_ready(QuicSession& session) override;
  void on_session_finished(QuicSession& session) override;
  [[nodiscard]] const std::array<std::uint8_t, 32>& static_secret() const override { return config_.static_secret; }

 private:
  QuicServer(EpollLoop& loop, QuicServerConfig config, AcceptCallback accept);
  void on_events(std::uint32_t events);
  void dispatch(const Datagram& dg);
  void accept_initial(const Datagram& dg);
  // Feeds `dg` to `session` and acts on its verdict (forget it; answer with a Retry first).
  void deliver(QuicSession* session, const Datagram& dg);
  // Answers an Initial without a token with a Retry (the address is then validated).
  void retry_for(const Datagram& dg);
  void send_version_negotiation(const Datagram& dg, const std::uint8_t* dcid, std::size_t dcidlen,
                                const std::uint8_t* scid, std::size_t scidlen);
  void send_stateless_reset(const Datagram& dg, const std::uint8_t* dcid, std::size_t dcidlen);
  void send_retry(const Datagram& dg, const ngtcp2_pkt_hd& hd);
  void forget(QuicSession* session);
  void release_handshake(QuicSession* session);
  void reap();
  // Sends the sessions' queued packets before the loop sleeps (posted once per turn that queued any).
  void post_batch_flush();
  void flush_batch();
  void watch_writable();

  EpollLoop& loop_;
  QuicServerConfig config_;
  AcceptCallback accept_;
  UdpSocket socket_;
  std::shared_ptr<TlsContext> tls_;
  Counters counters_;

  CidTable cids_;  // every connection ID of every session here
  std::unordered_map<QuicSession*, std::shared_ptr<QuicSession>> sessions_;
  std::unordered_map<QuicSession*, std::string> handshaking_;  // session -> source IP
  std::unordered_map<std::string, std::size_t> handshakes_per_ip_;
  std::vector<std::shared_ptr<QuicSession>> waiting_writable_;
  std::unique_ptr<UdpSendBatch> batch_;  // the sessions' packets, across connections
  bool batch_flush_posted_ = false;
  bool watching_out_ = false;
  std::vector<std::shared_ptr<QuicSession>> finished_;  // released on the next loop turn
  bool reap_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // Stateless resets are a token bucket so a flood of junk short headers costs little.
  double reset_tokens_ = 0;
  TimePoint reset_refill_{};
};

}  // namespace kinetic::transport::quic
