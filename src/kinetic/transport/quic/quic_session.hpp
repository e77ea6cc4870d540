// One QUIC connection (client or server side) over ngtcp2 and GnuTLS, implementing the
// transport Session. It turns socket packets into ngtcp2 calls and ngtcp2 callbacks into
// handler calls, schedules streams by send order (lowest first, round-robin among equals),
// batches outgoing packets for GSO and keeps one timer for ngtcp2's expiry.
#pragma once

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/transport/quic/quic_endpoint.hpp"
#include "kinetic/transport/quic/quic_stream.hpp"
#include "kinetic/transport/quic/tls.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::quic {

// Connection IDs we issue; short-header packets are routed by their first kCidLength bytes.
inline constexpr std::size_t kCidLength = 18;

class QuicSession final : public Session, public std::enable_shared_from_this<QuicSession> {
 public:
  struct ServerParams {
    const ngtcp2_pkt_hd* initial;       // the client's first Initial
    const ngtcp2_cid* original_dcid;    // after Retry: the DCID of the very first Initial
    const ngtcp2_cid* retry_scid;       // after Retry: the SCID we put in the Retry
  };

  static Result<std::shared_ptr<QuicSession>> make_server(EpollLoop& loop, QuicEndpoint& endpoint,
                                                                std::shared_ptr<TlsContext> tls,
                                                                const QuicSettings& settings,
                                                                const SocketAddress& local,
                                                                const SocketAddress& remote,
                                                                const ServerParams& params);
  static Result<std::shared_ptr<QuicSession>> make_client(EpollLoop& loop,
                                                                std::unique_ptr<QuicEndpoint> endpoint,
                                                                std::shared_ptr<TlsContext> tls,
                                                                const QuicSettings& settings,
                                                                const SocketAddress& local,
                                                                const SocketAddress& remote,
                                                                SessionHandler* handler);
  ~QuicSession() override;
  QuicSession(const QuicSession&) = delete;
  QuicSession& operator=(const QuicSession&) = delete;

  // Session
  void set_handler(SessionHandler* handler) override { handler_ = handler; }
  Stream* open_bidi() override;
  Stream* open_uni() override;
  bool send_datagram(std::span<const std::uint8_t> data) override;
  [[nodiscard]] std::size_t max_datagram_size() const override;
  void close(ErrorCode code, std::string_view reason) override;
  [[nodiscard]] std::string_view protocol() const override { return protocol_; }
  [[nodiscard]] std::string_view path() const override { return {}; }
  [[nodiscard]] std::string peer_address() const override { return remote_.to_string(); }
  [[nodiscard]] SessionStats stats() const override;
  [[nodiscard]] EventLoop& loop() override { return loop_; }

  // Endpoint side.
  // What the endpoint must do with a session after feeding it a packet.
  enum class Verdict {
    kKeep,     // carry on
    kDiscard,  // server: its first packet did not decrypt; forget the session silently
    kRetry,    // server: ngtcp2 wants the address validated first (NGTCP2_ERR_RETRY, e.g. the
               // first Initial that arrived lacks the start of the ClientHello): answer the
               // packet with a Retry and forget the session, without a CONNECTION_CLOSE
  };
  // Feeds one packet.
  Verdict on_packet(const Datagram& datagram);
  void on_socket_writable();
  // The endpoint is going away: send CONNECTION_CLOSE if open, then stop touching it.
  void detach(bool notify_peer);
  [[nodiscard]] bool handshake_done() const { return state_ != State::kHandshake; }
  [[nodiscard]] bool finished() const { return state_ == State::kClosed; }
  [[nodiscard]] const SocketAddress& remote() const { return remote_; }
  [[nodiscard]] const std::vector<std::string>& cids() const { return cids_; }

  // Stream side.
  [[nodiscard]] const QuicSettings& settings() const { return settings_; }
  void stream_wants_send(QuicStream& stream);
  void update_ready(QuicStream& stream);
  // A stream's measure_send_delay whose bytes went into packets in this flush; or, for one made
  // when its bytes were in packets already, outside a flush (one is scheduled to hand it on).
  void stream_marks_packetized(const SendMark& mark) { packetized_marks_.push_back(mark); }
  void stream_mark_already_packetized(const SendMark& mark) {
    packetized_marks_.push_back(mark);
    schedule_flush();
  }
  void shutdown_stream_write(QuicStream& stream, ErrorCode code);
  void shutdown_stream_read(QuicStream& stream, ErrorCode code);

 private:
  enum class State { kHandshake, kOpen, kClosing, kDraining, kClosed };

  QuicSession(EpollLoop& loop, QuicEndpoint* endpoint, std::shared_ptr<TlsContext> tls, const QuicSettings& settings,
              bool server, const SocketAddress& local, const SocketAddress& remote);
  Status init_tls();
  static void fill_settings(const QuicSettings& s, ngtcp2_settings& settings, ngtcp2_transport_params& params);
  static const ngtcp2_callbacks& callbacks(bool server);

  // ngtcp2 callbacks
  static int cb_handshake_completed(ngtcp2_conn* conn, void* user);
  static int cb_recv_stream_data(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t id, std::uint64_t offset,
                                 const std::uint8_t* data, std::size_t len, void* user, void* stream_user);
  static int cb_acked_stream_data_offset(ngtcp2_conn* conn, std::int64_t id, std::uint64_t offset,
                                         std::uint64_t len, void* user, void* stream_user);
  static int cb_stream_open(ngtcp2_conn* conn, std::int64_t id, void* user);
  static int cb_stream_close(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t id, std::uint64_t code, void* user,
                             void* stream_user);
  static int cb_stream_reset(ngtcp2_conn* conn, std::int64_t id, std::uint64_t final_size, std::uint64_t code,
                             void* user, void* stream_user);
  static int cb_extend_max_local_streams(ngtcp2_conn* conn, std::uint64_t max_streams, void* user);
  static int cb_extend_max_stream_data(ngtcp2_conn* conn, std::int64_t id, std::uint64_t max_data, void* user,
                                       void* stream_user);
  static int cb_recv_datagram(ngtcp2_conn* conn, std::uint32_t flags, const std::uint8_t* data, std::size_t len,
                              void* user);
  static int cb_get_new_connection_id(ngtcp2_conn* conn, ngtcp2_cid* cid, std::uint8_t* token, std::size_t cidlen,
                                      void* user);
  static int cb_remove_connection_id(ngtcp2_conn* conn, const ngtcp2_cid* cid, void* user);
  static int cb_recv_stateless_reset(ngtcp2_conn* conn, const ngtcp2_pkt_stateless_reset* sr, void* user);
  static void cb_rand(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx* ctx);
  static ngtcp2_conn* cb_get_conn(ngtcp2_crypto_conn_ref* ref);

  void schedule_flush();
  void flush();
  bool send_batch(const std::uint8_t* data, std::size_t len, std::size_t segment, std::uint8_t ecn);
  void on_timer();
  void update_timer();
  void update_timer(ngtcp2_tstamp expiry);
  // Runs ngtcp2's due timers; false when that ended the session.
  bool handle_expiry(ngtcp2_tstamp ts);
  void handle_error(int rv);
  // Gone without a word to the peer (Retry, junk first packet): the endpoint forgets us.
  void discard();
  // Cancels the timer and drops what waits to be sent: nothing more leaves a closed session.
  void drop_pending();
  void close_with(const ngtcp2_connection_close_error& ccerr, CloseInfo info);
  void enter_closing_period(State state);
  void finish();
  void notify_closed(const CloseInfo& info);
  void notify_ready();
  void notify_streams(std::vector<QuicStream*>& owed, void (*call)(QuicStream&));
  void run_deferred();
  QuicStream* next_ready_stream();
  QuicStream* find_stream(std::int64_t id);
  // Drops our stream (handler told), and returns the peer's credit for a stream it opened.
  void release_stream(std::int64_t id);
  // A peer's uni stream whose incoming direction has ended: released here, not by ngtcp2.
  void retire_remote_uni(std::int64_t id);
  void release_ended_peer_streams();
  Stream* open_stream(bool bidi);
  void register_cid(const ngtcp2_cid& cid);

  EpollLoop& loop_;
  QuicEndpoint* endpoint_;
  std::unique_ptr<QuicEndpoint> owned_endpoint_;  // a client's own socket
  std::shared_ptr<TlsContext> tls_;
  QuicSettings settings_;
  bool server_;
  SocketAddress local_;
  SocketAddress remote_;

  TlsAnchor anchor_;
  ngtcp2_conn* conn_ = nullptr;
  gnutls_session_t tls_session_ = nullptr;
  SessionHandler* handler_ = nullptr;
  State state_ = State::kHandshake;
  std::string protocol_;

  std::unordered_map<std::int64_t, std::unique_ptr<QuicStream>> streams_;
  SendOrderQueue<QuicStream, &QuicStream::ready_link_> ready_;  // streams with data, by send order
  std::deque<std::vector<std::uint8_t>> datagrams_;
  std::vector<QuicStream*> writable_;  // on_writable owed after this flush
  std::vector<std::int64_t> ended_peer_streams_;  // ngtcp2 records to free after the packet
  std::vector<QuicStream*> stopped_;   // on_stop_sending owed after this flush
  // Marks whose bytes are in packets, handed to the endpoint once those packets are with it.
  std::vector<SendMark> packetized_marks_;

  EpollLoop::Timer timer_;        // ngtcp2's expiry
  ngtcp2_tstamp timer_at_ = UINT64_MAX;
  EpollLoop::Timer close_timer_;  // the end of the closing or draining period
  EpollLoop::Task flush_task_;
  int in_ngtcp2_ = 0;  // depth of ngtcp2 calls that may run callbacks
  std::optional<std::pair<ErrorCode, std::string>> deferred_close_;
  bool closed_notified_ = false;
  bool stateless_reset_ = false;
  bool waiting_writable_ = false;

  std::vector<std::uint8_t> close_packet_;
  std::vector<std::uint8_t> pending_tx_;  // packets the socket did not take yet
  std::size_t pending_segment_ = 0;
  std::uint8_t pending_ecn_ = 0;
  std::vector<std::string> cids_;  // connection IDs the endpoint routes to us
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t idle_timer_wakeups_ = 0;
  // Loss as ngtcp2 0.12 lets it be seen (it counts no lost packets): each new congestion
  // recovery period counts as one lost packet (note_loss).
  void note_loss();
  std::optional<std::uint64_t> recovery_seen_;  // first seen: no loss yet, whatever it holds
  std::uint64_t loss_events_ = 0;
};

}  // namespace kinetic::transport::quic
