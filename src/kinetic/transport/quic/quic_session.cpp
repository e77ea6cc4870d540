#include "kinetic/transport/quic/quic_session.hpp"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>

#include "kinetic/transport/quic/cid_steering.hpp"
#include "kinetic/transport/quic/peer_stream_records.hpp"

namespace kinetic::transport::quic {

namespace {


constexpr std::size_t kMaxPacketsPerFlush = 64;
constexpr std::size_t kMaxIov = 16;
constexpr std::size_t kMaxQueuedDatagrams = 1024;
constexpr std::size_t kTxBufferSize = 96 * 1024;
// How much later than the armed timer the expiry may move before the timer is armed again.
constexpr ngtcp2_duration kRearmLater = 5 * NGTCP2_MILLISECONDS;

ngtcp2_tstamp to_ts(TimePoint t) {
  return static_cast<ngtcp2_tstamp>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}
ngtcp2_tstamp now_ts() { return to_ts(Clock::now()); }
TimePoint from_ts(ngtcp2_tstamp ts) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ts)));
}

// Decryptions that succeeded during the current ngtcp2_conn_read_pkt on this thread: a
// server's first packet that decrypts nothing is junk and its connection is dropped at
// once instead of living until the handshake timeout.
thread_local std::size_t t_decrypted = 0;

int decrypt_counting(std::uint8_t* dest, const ngtcp2_crypto_aead* aead, const ngtcp2_crypto_aead_ctx* ctx,
                     const std::uint8_t* ciphertext, std::size_t len, const std::uint8_t* nonce, std::size_t noncelen,
                     const std::uint8_t* aad, std::size_t aadlen) {
  int rv = ngtcp2_crypto_decrypt_cb(dest, aead, ctx, ciphertext, len, nonce, noncelen, aad, aadlen);
  if (rv == 0) ++t_decrypted;
  return rv;
}

void log_printf(void* user, const char* fmt, ...) {
  (void)user;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  spdlog::trace("ngtcp2: {}", buf);
}

std::uint8_t* tx_buffer() {
  thread_local std::vector<std::uint8_t> buf(kTxBufferSize);
  return buf.data();
}

ngtcp2_path make_path(const SocketAddress& local, const SocketAddress& remote) {
  ngtcp2_path p{};
  p.local.addr = const_cast<ngtcp2_sockaddr*>(reinterpret_cast<const ngtcp2_sockaddr*>(local.sa()));
  p.local.addrlen = local.len;
  p.remote.addr = const_cast<ngtcp2_sockaddr*>(reinterpret_cast<const ngtcp2_sockaddr*>(remote.sa()));
  p.remote.addrlen = remote.len;
  return p;
}

QuicSession* self_of(void* user) { return static_cast<QuicSession*>(user); }

}  // namespace

// ---- construction -----------------------------------------------------------------------

QuicSession::QuicSession(EpollLoop& loop, QuicEndpoint* endpoint, std::shared_ptr<TlsContext> tls,
                         const QuicSettings& settings, bool server, const SocketAddress& local,
                         const SocketAddress& remote)
    : loop_(loop),
      endpoint_(endpoint),
      tls_(std::move(tls)),
      settings_(settings),
      server_(server),
      local_(local),
      remote_(remote),
      // These run only while the session lives: destroying it disarms and unschedules them.
      timer_(loop, [this] { on_timer(); }),
      close_timer_(loop,
                   [this] {
                     auto self = shared_from_this();  // the endpoint may let go of it
                     finish();
                   }),
      flush_task_(loop, [this] { flush(); }) {
  anchor_.conn_ref.get_conn = &QuicSession::cb_get_conn;
  anchor_.conn_ref.user_data = this;
}

const ngtcp2_callbacks& QuicSession::callbacks(bool server) {
  static const ngtcp2_callbacks common = [] {
    ngtcp2_callbacks cb{};
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = decrypt_counting;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb.handshake_completed = &QuicSession::cb_handshake_completed;
    cb.recv_stream_data = &QuicSession::cb_recv_stream_data;
    cb.acked_stream_data_offset = &QuicSession::cb_acked_stream_data_offset;
    cb.stream_open = &QuicSession::cb_stream_open;
    cb.stream_close = &QuicSession::cb_stream_close;
    cb.stream_reset = &QuicSession::cb_stream_reset;
    cb.extend_max_local_streams_bidi = &QuicSession::cb_extend_max_local_streams;
    cb.extend_max_local_streams_uni = &QuicSession::cb_extend_max_local_streams;
    cb.extend_max_stream_data = &QuicSession::cb_extend_max_stream_data;
    cb.recv_datagram = &QuicSession::cb_recv_datagram;
    cb.get_new_connection_id = &QuicSession::cb_get_new_connection_id;
    cb.remove_connection_id = &QuicSession::cb_remove_connection_id;
    cb.recv_stateless_reset = &QuicSession::cb_recv_stateless_reset;
    cb.rand = &QuicSession::cb_rand;
    return cb;
  }();
  static const ngtcp2_callbacks server_cb = [] {
    ngtcp2_callbacks cb = common;
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    return cb;
  }();
  static const ngtcp2_callbacks client_cb = [] {
    ngtcp2_callbacks cb = common;
    cb.client_initial = ngtcp2_crypto_client_initial_cb;
    cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    return cb;
  }();
  return server ? server_cb : client_cb;
}

void QuicSession::fill_settings(const QuicSettings& s, ngtcp2_settings& settings, ngtcp2_transport_params& params) {
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now_ts();
  settings.max_window = s.max_window;
  settings.max_stream_window = s.max_stream_window;
  settings.handshake_timeout = static_cast<ngtcp2_duration>(s.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  switch (s.congestion_control) {
    case CongestionControl::kReno: settings.cc_algo = NGTCP2_CC_ALGO_RENO; break;
    case CongestionControl::kBbr: settings.cc_algo = NGTCP2_CC_ALGO_BBR2; break;
    case CongestionControl::kCubic: settings.cc_algo = NGTCP2_CC_ALGO_CUBIC; break;
  }
  if (s.trace) settings.log_printf = log_printf;

  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = s.max_stream_data;
  params.initial_max_stream_data_bidi_remote = s.max_stream_data;
  params.initial_max_stream_data_uni = s.max_stream_data;
  params.initial_max_data = s.max_data;
  params.initial_max_streams_bidi = s.max_streams_bidi;
  params.initial_max_streams_uni = s.max_streams_uni;
  params.max_idle_timeout = static_cast<ngtcp2_duration>(s.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  params.max_datagram_frame_size = s.max_datagram_frame_size;
  params.active_connection_id_limit = 4;
}

Status QuicSession::init_tls() {
  KINETIC_TRY(tls_session_, tls_->new_session(&anchor_));
  ngtcp2_conn_set_tls_native_handle(conn_, tls_session_);
  if (settings_.keep_alive.count() > 0)
    ngtcp2_conn_set_keep_alive_timeout(conn_,
                                       static_cast<ngtcp2_duration>(settings_.keep_alive.count()) * NGTCP2_MILLISECONDS);
  return ok_status();
}

Result<std::shared_ptr<QuicSession>> QuicSession::make_server(EpollLoop& loop, QuicEndpoint& endpoint,
                                                                    std::shared_ptr<TlsContext> tls,
                                                                    const QuicSettings& settings,
                                                                    const SocketAddress& local,
                                                                    const SocketAddress& remote,
                                                                    const ServerParams& p) {
  std::shared_ptr<QuicSession> s(new QuicSession(loop, &endpoint, std::move(tls), settings, true, local, remote));
  ngtcp2_settings st;
  ngtcp2_transport_params params;
  fill_settings(settings, st, params);
  if (p.initial->token.len > 0) st.token = p.initial->token;  // validated by the endpoint

  params.original_dcid = p.original_dcid != nullptr ? *p.original_dcid : p.initial->dcid;
  if (p.retry_scid != nullptr) {
    params.retry_scid = *p.retry_scid;
    params.retry_scid_present = 1;
  }
  ngtcp2_cid scid;
  scid.datalen = kCidLength;
  gnutls_rnd(GNUTLS_RND_NONCE, scid.data, scid.datalen);
  stamp_worker(scid.data, scid.datalen, settings.cid_worker);
  const auto& secret = endpoint.static_secret();
  if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token, secret.data(), secret.size(),
                                                   &scid) != 0)
    return Error{Errc::kInvalidValue, "stateless reset token generation failed"};
  params.stateless_reset_token_present = 1;

  auto path = make_path(local, remote);
  if (ngtcp2_conn_server_new(&s->conn_, &p.initial->scid, &scid, &path, p.initial->version,
                             &callbacks(true), &st, &params, nullptr, s.get()) != 0)
    return Error{Errc::kInvalidValue, "ngtcp2_conn_server_new failed"};
  KINETIC_CHECK(s->init_tls());
  // Retransmitted Initials still carry the client's chosen DCID; route them here too.
  s->register_cid(p.initial->dcid);
  s->register_cid(scid);
  return s;
}

Result<std::shared_ptr<QuicSession>> QuicSession::make_client(EpollLoop& loop,
                                                                    std::unique_ptr<QuicEndpoint> endpoint,
                                                                    std::shared_ptr<TlsContext> tls,
                                                                    const QuicSettings& settings,
                                                                    const SocketAddress& local,
                                                                    const SocketAddress& remote,
                                                                    SessionHandler* handler) {
  std::shared_ptr<QuicSession> s(new QuicSession(loop, endpoint.get(), std::move(tls), settings, false, local, remote));
  s->owned_endpoint_ = std::move(endpoint);
  s->handler_ = handler;
  ngtcp2_settings st;
  ngtcp2_transport_params params;
  fill_settings(settings, st, params);
  ngtcp2_cid dcid, scid;
  dcid.datalen = kCidLength;
  scid.datalen = kCidLength;
  gnutls_rnd(GNUTLS_RND_NONCE, dcid.data, dcid.datalen);
  gnutls_rnd(GNUTLS_RND_NONCE, scid.data, scid.datalen);
  auto path = make_path(local, remote);
  if (ngtcp2_conn_client_new(&s->conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &callbacks(false), &st, &params,
                             nullptr, s.get()) != 0)
    return Error{Errc::kInvalidValue, "ngtcp2_conn_client_new failed"};
  KINETIC_CHECK(s->init_tls());
  s->schedule_flush();  // the first Initial
  return s;
}

QuicSession::~QuicSession() {
  if (conn_ != nullptr && endpoint_ != nullptr && (state_ == State::kOpen || state_ == State::kHandshake)) {
    // Dropped without close(): tell the peer rather than leave it to its idle timeout.
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_default(&ccerr);
    ngtcp2_connection_close_error_set_application_error(&ccerr, 0, nullptr, 0);
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    std::uint8_t buf[1500];
    auto n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf, sizeof buf, &ccerr, now_ts());
    if (n > 0) endpoint_->send(remote_, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), static_cast<std::uint8_t>(pi.ecn));
  }
  if (endpoint_ != nullptr && state_ != State::kClosed) {
    for (const auto& cid : cids_) endpoint_->remove_cid(cid);
  }
  streams_.clear();
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
  if (tls_session_ != nullptr) gnutls_deinit(tls_session_);
}

// ---- Session ----------------------------------------------------------------------------

Stream* QuicSession::open_stream(bool bidi) {
  if (state_ != State::kOpen) return nullptr;
  std::int64_t id = -1;
  int rv = bidi ? ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr) : ngtcp2_conn_open_uni_stream(conn_, &id, nullptr);
  if (rv != 0) return nullptr;  // NGTCP2_ERR_STREAM_ID_BLOCKED: on_streams_available follows
  auto stream = std::make_unique<QuicStream>(*this, id, true);
  auto* raw = stream.get();
  ngtcp2_conn_set_stream_user_data(conn_, id, raw);
  streams_.emplace(id, std::move(stream));
  return raw;
}

Stream* QuicSession::open_bidi() { return open_stream(true); }
Stream* QuicSession::open_uni() { return open_stream(false); }

std::size_t QuicSession::max_datagram_size() const {
  if (conn_ == nullptr || state_ != State::kOpen || settings_.max_datagram_frame_size == 0) return 0;
  const auto* remote = ngtcp2_conn_get_remote_transport_params(conn_);
  if (remote == nullptr || remote->max_datagram_frame_size == 0) return 0;
  // Short header (1 + CID + 4-byte packet number) + AEAD tag + DATAGRAM type and length.
  std::size_t overhead = 1 + NGTCP2_MAX_CIDLEN + 4 + 16 + 1 + 2;
  std::size_t path_max = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
  std::size_t by_path = path_max > overhead ? path_max - overhead : 0;
  std::size_t by_peer = remote->max_datagram_frame_size > 3 ? remote->max_datagram_frame_size - 3 : 0;
  return std::min(by_path, by_peer);
}

bool QuicSession::send_datagram(std::span<const std::uint8_t> data) {
  if (data.size() > max_datagram_size()) return false;
  // Late datagrams are worthless: when the queue is full the oldest goes.
  if (datagrams_.size() >= kMaxQueuedDatagrams) datagrams_.pop_front();
  datagrams_.emplace_back(data.begin(), data.end());
  schedule_flush();
  return true;
}

void QuicSession::close(ErrorCode code, std::string_view reason) {
  if (state_ != State::kOpen && state_ != State::kHandshake) return;
  if (in_ngtcp2_ > 0) {
    deferred_close_.emplace(code, std::string(reason));
    return;
  }
  auto self = shared_from_this();
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  ngtcp2_connection_close_error_set_application_error(
      &ccerr, code, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
  close_with(ccerr, CloseInfo{code, std::string(reason), false, false});
}

SessionStats QuicSession::stats() const {
  SessionStats out;
  if (conn_ != nullptr) {
    ngtcp2_conn_stat cs;
    ngtcp2_conn_get_conn_stat(conn_, &cs);
    out.smoothed_rtt = std::chrono::microseconds(cs.smoothed_rtt / NGTCP2_MICROSECONDS);
    out.min_rtt = std::chrono::microseconds(cs.min_rtt == UINT64_MAX ? 0 : cs.min_rtt / NGTCP2_MICROSECONDS);
    out.congestion_window = cs.cwnd;
    out.bytes_in_flight = cs.bytes_in_flight;
    out.max_udp_payload = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
  }
  out.bytes_sent = bytes_sent_;
  out.bytes_received = bytes_received_;
  out.packets_lost = loss_events_;
  out.idle_timer_wakeups = idle_timer_wakeups_;
  return out;
}

void QuicSession::note_loss() {
  if (conn_ == nullptr) return;
  ngtcp2_conn_stat cs;
  ngtcp2_conn_get_conn_stat(conn_, &cs);
  // ngtcp2 starts a new recovery period when a packet sent after the last one began is declared
  // lost (or comes back ECN-CE marked): at most one a round trip, so a lower bound on losses.
  // Probe timeouts are not counted: a loop held up by a busy CPU fires them on a clean path.
  if (!recovery_seen_) recovery_seen_ = cs.congestion_recovery_start_ts;
  if (cs.congestion_recovery_start_ts != *recovery_seen_) {
    recovery_seen_ = cs.congestion_recovery_start_ts;
    ++loss_events_;
  }
}

// ---- packets in -------------------------------------------------------------------------

QuicSession::Verdict QuicSession::on_packet(const Datagram& dg) {
  if (state_ == State::kClosed) return Verdict::kKeep;
  bytes_received_ += dg.size;
  if (state_ == State::kDraining) return Verdict::kKeep;
  if (state_ == State::kClosing) {
    // RFC 9000 §10.2.1: answer packets in the closing period with the close again.
    if (!close_packet_.empty() && endpoint_ != nullptr)
      endpoint_->send(remote_, close_packet_.data(), close_packet_.size(), close_packet_.size(), 0);
    return Verdict::kKeep;
  }
  auto self = shared_from_this();
  bool first = server_ && bytes_received_ == dg.size;
  auto path = make_path(local_, dg.remote);
  ngtcp2_pkt_info pi{};
  pi.ecn = dg.ecn;
  t_decrypted = 0;
  ++in_ngtcp2_;
  int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, dg.data, dg.size, now_ts());
  --in_ngtcp2_;
  release_ended_peer_streams();
  note_loss();  // ACKs are where losses are found
  if (first && t_decrypted == 0) {
    spdlog::debug("quic: first packet from {} is not a valid Initial ({})", dg.remote.to_string(),
                  rv != 0 ? ngtcp2_strerror(rv) : "undecryptable");
    discard();
    return Verdict::kDiscard;
  }
  if (server_ && rv == NGTCP2_ERR_RETRY) {
    // ngtcp2_conn_read_pkt: "perform address validation by sending Retry packet and discard
    // the connection state". It asks for this when the first Initial to arrive lacks the
    // start of the ClientHello (the client's first datagram was lost or reordered behind a
    // later one): the client's next Initial, with the token, makes a fresh connection.
    spdlog::debug("quic: Initial from {} without the start of its ClientHello: Retry", dg.remote.to_string());
    discard();
    return Verdict::kRetry;
  }
  if (rv != 0) {
    handle_error(rv);
  } else {
    remote_ = dg.remote;
  }
  run_deferred();
  schedule_flush();
  return Verdict::kKeep;
}

void QuicSession::discard() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;  // no CONNECTION_CLOSE, not even from the destructor
  closed_notified_ = true;  // never handed out: nobody to tell
  drop_pending();
}

void QuicSession::drop_pending() {
  timer_.disarm();
  close_timer_.disarm();
  ready_.clear();
  datagrams_.clear();
  pending_tx_.clear();
}

void QuicSession::run_deferred() {
  if (deferred_close_ && in_ngtcp2_ == 0) {
    auto [code, reason] = std::move(*deferred_close_);
    deferred_close_.reset();
    close(code, reason);
  }
}

// ---- packets out ------------------------------------------------------------------------

void QuicSession::schedule_flush() {
  if (state_ == State::kClosed) return;
  flush_task_.schedule();  // one flush per loop round, after the round's packets and timers
}

bool QuicSession::send_batch(const std::uint8_t* data, std::size_t len, std::size_t segment, std::uint8_t ecn) {
  if (len == 0 || endpoint_ == nullptr) return true;
  std::size_t sent = endpoint_->send(remote_, data, len, segment, ecn);
  bytes_sent_ += sent;
  if (sent == len) return true;
  // The socket is full: keep the rest (already numbered by ngtcp2) and wait for EPOLLOUT.
  pending_tx_.assign(data + sent, data + len);
  pending_segment_ = segment;
  pending_ecn_ = ecn;
  if (!waiting_writable_) {
    waiting_writable_ = true;
    endpoint_->wait_writable(shared_from_this());
  }
  return false;
}

void QuicSession::on_socket_writable() {
  waiting_writable_ = false;
  if (pending_tx_.empty()) {
    flush();
    return;
  }
  std::vector<std::uint8_t> pending;
  pending.swap(pending_tx_);
  if (send_batch(pending.data(), pending.size(), pending_segment_, pending_ecn_)) flush();
}

QuicStream* QuicSession::next_ready_stream() { return ready_.front(); }

void QuicSession::update_ready(QuicStream& s) {
  bool want = s.wants_send() && state_ != State::kClosed;
  if (s.ready_link_.queued && (!want || s.ready_link_.order != s.send_order_)) ready_.erase(s);
  if (want) ready_.push_back(s, s.send_order_);
}

void QuicSession::stream_wants_send(QuicStream& s) {
  update_ready(s);
  schedule_flush();
}

void QuicSession::shutdown_stream_write(QuicStream& s, ErrorCode code) {
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  ngtcp2_conn_shutdown_stream_write(conn_, s.id_, code);
  schedule_flush();
}

void QuicSession::shutdown_stream_read(QuicStream& s, ErrorCode code) {
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  ngtcp2_conn_shutdown_stream_read(conn_, s.id_, code);
  schedule_flush();
}

void QuicSession::flush() {
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  auto self = shared_from_this();
  const ngtcp2_tstamp ts = now_ts();
  // What is due goes first, here rather than on a timer of its own: a pacing time that passed
  // stays in ngtcp2's expiry until handled, and every flush after a burst (the ACKs' flushes)
  // would otherwise arm a timer for it that fires at once and runs one more flush for nothing.
  if (ngtcp2_conn_get_expiry(conn_) <= ts && !handle_expiry(ts)) return;
  if (!pending_tx_.empty() || waiting_writable_) {
    update_timer();  // nothing is sent until the socket drains, but the expiry still runs
    return;
  }

  const std::size_t max_udp = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
  // ngtcp2 writes a Path MTU probe only into room for the probe, which is larger than the path's
  // size so far: a buffer of only that size kept every packet at QUIC's 1,200-byte minimum.
  const std::size_t room = std::max(max_udp, ngtcp2_conn_get_max_tx_udp_payload_size(conn_));
  const std::size_t quantum = ngtcp2_conn_get_send_quantum(conn_);
  const std::size_t max_packets =
      std::clamp<std::size_t>(quantum / max_udp, 1, std::min(kMaxPacketsPerFlush, kTxBufferSize / room));
  std::uint8_t* buf = tx_buffer();

  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  std::size_t batch = 0;    // bytes of complete packets at the start of buf
  std::size_t segment = 0;  // size of the batch's first packet: GSO's segment size
  std::uint8_t ecn = 0;
  std::size_t packets = 0;
  int datagram_tries = 0;
  bool socket_full = false;
  bool ngtcp2_done = false;  // the last write built nothing

  auto consume = [&](QuicStream* s, ngtcp2_ssize datalen, std::uint32_t flags) {
    if (s == nullptr || datalen < 0) return;
    s->advance(static_cast<std::size_t>(datalen));
    if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) != 0 && s->unsent_bytes_ == 0) s->fin_sent_ = true;
    if (s->above_low_water_ && s->unsent_bytes_ <= settings_.stream_low_water) {
      s->above_low_water_ = false;
      writable_.push_back(s);
    }
    update_ready(*s);
  };

  // Each round either completes a packet or retires a stream or datagram, so this bound
  // is only a guard against a library surprise.
  std::size_t rounds = 0;
  const std::size_t max_rounds = 8 * max_packets + 2 * streams_.size() + datagrams_.size() + 64;
  while (packets < max_packets && ++rounds < max_rounds) {
    std::uint8_t* dest = buf + batch;
    ngtcp2_ssize n = 0;
    QuicStream* stream = nullptr;
    if (!datagrams_.empty() && state_ == State::kOpen) {
      auto& d = datagrams_.front();
      ngtcp2_vec v{d.data(), d.size()};
      int accepted = 0;
      n = ngtcp2_conn_writev_datagram(conn_, &ps.path, &pi, dest, room, &accepted,
                                      NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &v, 1, ts);
      if (accepted != 0) {
        datagrams_.pop_front();
        datagram_tries = 0;
      } else if (n > 0 && static_cast<std::size_t>(n) <= max_udp && ++datagram_tries > 1) {
        // Two packets of the path's size went without it: it does not fit even an empty one.
        // A Path MTU probe (larger than the path's size) carries only itself and does not count.
        datagrams_.pop_front();
        datagram_tries = 0;
      }
      if (n == NGTCP2_ERR_WRITE_MORE) continue;
      if (n == NGTCP2_ERR_INVALID_ARGUMENT || n == NGTCP2_ERR_INVALID_STATE) {
        if (!datagrams_.empty() && accepted == 0) datagrams_.pop_front();
        continue;
      }
    } else {
      stream = next_ready_stream();
      ngtcp2_vec iov[kMaxIov];
      std::size_t count = 0;
      std::size_t bytes = 0;
      std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_NONE;
      std::int64_t id = -1;
      if (stream != nullptr) {
        flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
        id = stream->id_;
        count = stream->fill_iov(iov, kMaxIov, &bytes);
        if (stream->fin_queued_ && bytes == stream->unsent_bytes_) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
      }
      ngtcp2_ssize datalen = -1;
      n = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, dest, room, &datalen, flags, id, iov, count, ts);
      if (n < 0) {
        if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED && stream != nullptr) {
          stream->blocked_ = true;
          update_ready(*stream);
          continue;
        }
        if ((n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND) && stream != nullptr) {
          // We did not reset it, so the peer sent STOP_SENDING and ngtcp2 answered with
          // RESET_STREAM on its own. ngtcp2 0.12 does not tell us the peer's code.
          stream->drop_send_data();
          if (stream->handler_ != nullptr) stopped_.push_back(stream);
          continue;
        }
        if (n == NGTCP2_ERR_WRITE_MORE) {
          consume(stream, datalen, flags);
          continue;
        }
        handle_error(static_cast<int>(n));
        return;
      }
      consume(stream, datalen, flags);
    }
    if (n < 0) {
      handle_error(static_cast<int>(n));
      return;
    }
    if (n == 0) {  // congestion window, pacing or nothing left
      ngtcp2_done = true;
      break;
    }

    ++packets;
    auto len = static_cast<std::size_t>(n);
    // Round-robin among equal send orders: a stream that filled a packet goes last.
    if (stream != nullptr) ready_.rotate(*stream);
    if (batch == 0) {
      segment = len;
      ecn = static_cast<std::uint8_t>(pi.ecn);
      batch = len;
    } else if (len <= segment && pi.ecn == ecn) {
      batch += len;
    } else {
      // GSO needs equal segments (only the last may be shorter): send what we have first.
      // If the socket is full this packet is lost and recovered like any other loss.
      if (!send_batch(buf, batch, segment, ecn)) {
        socket_full = true;
        break;
      }
      std::memmove(buf, dest, len);
      segment = len;
      ecn = static_cast<std::uint8_t>(pi.ecn);
      batch = len;
    }
    // A Path MTU probe (larger than the path's size; it always starts a batch) leaves alone: where
    // the route knows a smaller MTU the kernel refuses the whole message, and only the probe
    // should be lost with it.
    if (len < segment || len > max_udp || batch + room > kTxBufferSize) {
      if (!send_batch(buf, batch, segment, ecn)) {
        socket_full = true;
        break;
      }
      batch = 0;
    }
  }
  if (!socket_full && batch > 0) send_batch(buf, batch, segment, ecn);
  // Packets the socket did not take yet (pending_tx_) keep their marks until a later flush.
  if (!packetized_marks_.empty() && pending_tx_.empty() && endpoint_ != nullptr) {
    endpoint_->mark_sent(packetized_marks_);
    packetized_marks_.clear();
  }
  // Pacing puts the time this burst's successor may leave into ngtcp2's expiry. When this flush
  // sent and then drained everything (ngtcp2 built nothing more, none of our streams or
  // datagrams wait) there is no successor, and waking at that time would only run a flush
  // that builds nothing: once per burst per connection, which on a fan-out was most of the
  // timer wakeups. New data brings its own flush, and one that pacing holds back arms the
  // full expiry below. Read before the pacing update so the pacing time is not in it.
  const bool drained = packets > 0 && ngtcp2_done && !socket_full && ready_.empty() && datagrams_.empty();
  const ngtcp2_tstamp quiet_expiry = drained ? ngtcp2_conn_get_expiry(conn_) : 0;
  ngtcp2_conn_update_pkt_tx_time(conn_, ts);
  update_timer(drained && quiet_expiry > ts ? quiet_expiry : ngtcp2_conn_get_expiry(conn_));

  notify_streams(stopped_, [](QuicStream& s) { s.handler_->on_stop_sending(s, 0); });
  notify_streams(writable_, [](QuicStream& s) { s.handler_->on_writable(s); });
}

void QuicSession::notify_streams(std::vector<QuicStream*>& owed_list, void (*call)(QuicStream&)) {
  if (owed_list.empty()) return;
  auto owed = std::move(owed_list);
  owed_list.clear();
  for (auto* s : owed) {
    // A handler earlier in this list may have closed the stream or the session.
    if (state_ != State::kOpen) break;
    bool alive = false;
    for (auto& [id, st] : streams_) alive = alive || st.get() == s;
    if (alive && s->handler_ != nullptr) call(*s);
  }
}

// ---- timers and errors ------------------------------------------------------------------

void QuicSession::update_timer() {
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  update_timer(ngtcp2_conn_get_expiry(conn_));
}

void QuicSession::update_timer(ngtcp2_tstamp expiry) {
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  // Every ACK moves the loss timer a little later; re-arming per flush cost a cancel and a
  // timer insert each time. An armed timer due no later than the new expiry stays: firing
  // early is harmless (ngtcp2 handles only what is due) and re-arms. Not when the expiry moved
  // far: the ACK of a burst's last packet takes the loss timer away, leaving only the idle
  // timeout, and the old timer would wake the loop once per burst per connection for nothing.
  if (timer_.armed() && timer_at_ <= expiry && expiry - timer_at_ < kRearmLater) return;
  if (expiry == timer_at_) return;
  timer_.disarm();
  timer_at_ = expiry;
  if (expiry == UINT64_MAX) return;
  timer_.arm_at(from_ts(expiry));
}

void QuicSession::on_timer() {
  timer_at_ = UINT64_MAX;
  if (conn_ == nullptr || (state_ != State::kOpen && state_ != State::kHandshake)) return;
  // update_timer leaves an earlier timer armed when ACKs push the loss timer a little later, so
  // a firing may come before anything is due: re-arm without a flush, which would build no
  // packet and cost as much as one that does.
  if (const ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(conn_); expiry > now_ts()) {
    ++idle_timer_wakeups_;
    update_timer(expiry);
    return;
  }
  auto self = shared_from_this();
  const std::uint64_t sent = bytes_sent_;
  flush();  // handles what is due, sends what that released and arms the next expiry
  if (bytes_sent_ == sent) ++idle_timer_wakeups_;
}

bool QuicSession::handle_expiry(ngtcp2_tstamp ts) {
  ++in_ngtcp2_;
  int rv = ngtcp2_conn_handle_expiry(conn_, ts);
  --in_ngtcp2_;
  note_loss();  // timers find losses too: the loss time threshold
  if (rv != 0) {
    handle_error(rv);
    run_deferred();
    return false;
  }
  run_deferred();
  return conn_ != nullptr && (state_ == State::kOpen || state_ == State::kHandshake);
}

void QuicSession::handle_error(int rv) {
  if (state_ != State::kOpen && state_ != State::kHandshake) return;
  switch (rv) {
    case NGTCP2_ERR_DRAINING: {
      CloseInfo info;
      info.by_peer = true;
      if (stateless_reset_) {
        info.reason = "stateless reset";
      } else {
        ngtcp2_connection_close_error ccerr;
        ngtcp2_conn_get_connection_close_error(conn_, &ccerr);
        info.code = ccerr.error_code;
        if (ccerr.reason != nullptr) info.reason.assign(reinterpret_cast<const char*>(ccerr.reason), ccerr.reasonlen);
      }
      enter_closing_period(State::kDraining);
      notify_closed(info);
      return;
    }
    case NGTCP2_ERR_IDLE_CLOSE:
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT: {
      CloseInfo info;
      info.idle_timeout = rv == NGTCP2_ERR_IDLE_CLOSE;
      info.reason = rv == NGTCP2_ERR_IDLE_CLOSE ? "idle timeout" : "handshake timeout";
      finish();
      notify_closed(info);
      return;
    }
    case NGTCP2_ERR_RETRY:  // only on_packet knows the packet to answer; never expected here
    case NGTCP2_ERR_DROP_CONN:
      // Dropped silently, no CONNECTION_CLOSE (ngtcp2_conn_read_pkt's contract).
      spdlog::debug("quic: connection to {} dropped: {}", remote_.to_string(), ngtcp2_strerror(rv));
      finish();
      notify_closed(CloseInfo{0, "connection dropped", false, false});
      return;
    default: {
      spdlog::debug("quic: connection to {} failed: {}", remote_.to_string(), ngtcp2_strerror(rv));
      ngtcp2_connection_close_error ccerr;
      ngtcp2_connection_close_error_default(&ccerr);
      if (rv == NGTCP2_ERR_CRYPTO) {
        ngtcp2_connection_close_error_set_transport_error_tls_alert(&ccerr, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
      } else {
        ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, nullptr, 0);
      }
      close_with(ccerr, CloseInfo{ccerr.error_code, ngtcp2_strerror(rv), false, false});
    }
  }
}

void QuicSession::close_with(const ngtcp2_connection_close_error& ccerr, CloseInfo info) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  std::uint8_t buf[1500];
  auto n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf, sizeof buf, &ccerr, now_ts());
  if (n > 0) {
    close_packet_.assign(buf, buf + n);
    pending_tx_.clear();
    if (endpoint_ != nullptr) bytes_sent_ += endpoint_->send(remote_, buf, close_packet_.size(), close_packet_.size(), static_cast<std::uint8_t>(pi.ecn));
  }
  if (n > 0) {
    enter_closing_period(State::kClosing);
  } else {
    finish();
  }
  notify_closed(info);
}

void QuicSession::enter_closing_period(State state) {
  state_ = state;
  datagrams_.clear();
  ready_.clear();
  timer_.disarm();
  timer_at_ = UINT64_MAX;
  // Three PTOs: long enough for the peer to see the close (RFC 9000 §10.2).
  auto pto = std::chrono::nanoseconds(ngtcp2_conn_get_pto(conn_));
  close_timer_.arm_at(loop_.now() + std::chrono::duration_cast<Duration>(3 * pto));
}

void QuicSession::finish() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  drop_pending();
  if (endpoint_ != nullptr) {
    for (const auto& cid : cids_) endpoint_->remove_cid(cid);
    endpoint_->on_session_finished(*this);
  }
  cids_.clear();
}

void QuicSession::detach(bool notify_peer) {
  auto self = shared_from_this();
  if (notify_peer && (state_ == State::kOpen || state_ == State::kHandshake)) {
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_default(&ccerr);
    ngtcp2_connection_close_error_set_application_error(&ccerr, 0, reinterpret_cast<const std::uint8_t*>("shutdown"),
                                                        8);
    close_with(ccerr, CloseInfo{0, "shutdown", false, false});
  }
  cids_.clear();
  endpoint_ = nullptr;
  if (state_ != State::kClosed) {
    state_ = State::kClosed;
    timer_.disarm();
    close_timer_.disarm();
    notify_closed(CloseInfo{0, "endpoint shut down", false, false});
  }
}

void QuicSession::notify_closed(const CloseInfo& info) {
  if (closed_notified_) return;
  closed_notified_ = true;
  // Server sessions that never finished the handshake were never handed out.
  if (handler_ != nullptr && (!server_ || !protocol_.empty())) handler_->on_closed(*this, info);
}

void QuicSession::notify_ready() {
  if (endpoint_ != nullptr) endpoint_->on_session_ready(*this);
  if (handler_ != nullptr && state_ == State::kOpen) handler_->on_ready(*this);
}

void QuicSession::register_cid(const ngtcp2_cid& cid) {
  std::string key(reinterpret_cast<const char*>(cid.data), cid.datalen);
  if (endpoint_ != nullptr) endpoint_->add_cid(key, this);
  cids_.push_back(std::move(key));
}

QuicStream* QuicSession::find_stream(std::int64_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

// ---- ngtcp2 callbacks -------------------------------------------------------------------

ngtcp2_conn* QuicSession::cb_get_conn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<QuicSession*>(ref->user_data)->conn_;
}

void QuicSession::cb_rand(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx* ctx) {
  (void)ctx;
  gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

int QuicSession::cb_handshake_completed(ngtcp2_conn* conn, void* user) {
  (void)conn;
  auto* s = self_of(user);
  s->protocol_ = negotiated_alpn(s->tls_session_);
  if (s->protocol_.empty()) return NGTCP2_ERR_CALLBACK_FAILURE;  // ALPN is mandatory for us
  s->state_ = State::kOpen;
  // Synchronously, so a handler is in place before stream frames in the same datagram.
  s->notify_ready();
  return 0;
}

int QuicSession::cb_recv_stream_data(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t id, std::uint64_t offset,
                                     const std::uint8_t* data, std::size_t len, void* user, void* stream_user) {
  (void)offset;
  auto* s = self_of(user);
  auto* stream = static_cast<QuicStream*>(stream_user);
  if (stream == nullptr) stream = s->find_stream(id);
  bool fin = (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0;
  if (stream != nullptr && stream->handler_ != nullptr && (len > 0 || fin))
    stream->handler_->on_data(*stream, {data, len}, fin);
  // Handlers consume synchronously, so the window reopens at once.
  if (s->conn_ != nullptr) {
    ngtcp2_conn_extend_max_stream_offset(conn, id, len);
    ngtcp2_conn_extend_max_offset(conn, len);
  }
  if (fin) s->retire_remote_uni(id);
  return 0;
}

int QuicSession::cb_acked_stream_data_offset(ngtcp2_conn* conn, std::int64_t id, std::uint64_t offset,
                                             std::uint64_t len, void* user, void* stream_user) {
  (void)conn;
  (void)offset;
  auto* stream = static_cast<QuicStream*>(stream_user);
  if (stream == nullptr) stream = self_of(user)->find_stream(id);
  if (stream != nullptr) stream->acknowledge(len);
  return 0;
}

int QuicSession::cb_stream_open(ngtcp2_conn* conn, std::int64_t id, void* user) {
  auto* s = self_of(user);
  auto stream = std::make_unique<QuicStream>(*s, id, false);
  auto* raw = stream.get();
  ngtcp2_conn_set_stream_user_data(conn, id, raw);
  s->streams_.emplace(id, std::move(stream));
  if (s->handler_ != nullptr) s->handler_->on_incoming_stream(*s, *raw);
  return 0;
}

int QuicSession::cb_stream_close(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t id, std::uint64_t code,
                                 void* user, void* stream_user) {
  (void)conn;
  (void)flags;
  (void)code;
  (void)stream_user;
  self_of(user)->release_stream(id);
  return 0;
}

void QuicSession::release_stream(std::int64_t id) {
  auto it = streams_.find(id);
  // Absent: already released, and its credit already returned (see retire_remote_uni).
  if (it == streams_.end()) return;
  auto* stream = it->second.get();
  stream->write_closed_ = true;
  update_ready(*stream);
  if (stream->handler_ != nullptr) stream->handler_->on_closed(*stream);
  writable_.erase(std::remove(writable_.begin(), writable_.end(), stream), writable_.end());
  stopped_.erase(std::remove(stopped_.begin(), stopped_.end(), stream), stopped_.end());
  if (conn_ != nullptr) ngtcp2_conn_set_stream_user_data(conn_, id, nullptr);
  streams_.erase(it);
  if (conn_ != nullptr && !ngtcp2_conn_is_local_stream(conn_, id)) {
    // Let the peer open another in its place.
    if ((id & 0x2) == 0) ngtcp2_conn_extend_max_streams_bidi(conn_, 1);
    else ngtcp2_conn_extend_max_streams_uni(conn_, 1);
  }
}

void QuicSession::retire_remote_uni(std::int64_t id) {
  // ngtcp2 0.12 never calls stream_close for a peer's unidirectional stream (it waits for
  // an acknowledged FIN of a send side that does not exist; fixed upstream in 0.13), so
  // the peer's stream credit would never come back and a session opening one stream per
  // group would stall after max_streams_uni of them. Once the peer's direction is over
  // (FIN delivered or RESET_STREAM), the stream is done for us: release it and return the
  // credit here. ngtcp2's own record of it is freed once the packet is read (see
  // peer_stream_records.hpp).
  if (conn_ == nullptr || (id & 0x2) == 0 || ngtcp2_conn_is_local_stream(conn_, id)) return;
  release_stream(id);
  if (kReleasesPeerStreamRecords) ended_peer_streams_.push_back(id);
}

void QuicSession::release_ended_peer_streams() {
  if (ended_peer_streams_.empty()) return;
  for (std::int64_t id : ended_peer_streams_) release_peer_stream_record(conn_, id);
  ended_peer_streams_.clear();
}

int QuicSession::cb_stream_reset(ngtcp2_conn* conn, std::int64_t id, std::uint64_t final_size, std::uint64_t code,
                                 void* user, void* stream_user) {
  (void)conn;
  (void)final_size;
  auto* stream = static_cast<QuicStream*>(stream_user);
  if (stream == nullptr) stream = self_of(user)->find_stream(id);
  if (stream != nullptr && stream->handler_ != nullptr) stream->handler_->on_reset(*stream, code);
  self_of(user)->retire_remote_uni(id);
  return 0;
}

int QuicSession::cb_extend_max_local_streams(ngtcp2_conn* conn, std::uint64_t max_streams, void* user) {
  (void)conn;
  (void)max_streams;
  auto* s = self_of(user);
  if (s->handler_ != nullptr && s->state_ == State::kOpen) s->handler_->on_streams_available(*s);
  return 0;
}

int QuicSession::cb_extend_max_stream_data(ngtcp2_conn* conn, std::int64_t id, std::uint64_t max_data, void* user,
                                           void* stream_user) {
  (void)conn;
  (void)max_data;
  auto* s = self_of(user);
  auto* stream = static_cast<QuicStream*>(stream_user);
  if (stream == nullptr) stream = s->find_stream(id);
  if (stream != nullptr && stream->blocked_) {
    stream->blocked_ = false;
    s->update_ready(*stream);
  }
  return 0;
}

int QuicSession::cb_recv_datagram(ngtcp2_conn* conn, std::uint32_t flags, const std::uint8_t* data, std::size_t len,
                                  void* user) {
  (void)conn;
  (void)flags;
  auto* s = self_of(user);
  if (s->handler_ != nullptr) s->handler_->on_datagram(*s, {data, len});
  return 0;
}

int QuicSession::cb_get_new_connection_id(ngtcp2_conn* conn, ngtcp2_cid* cid, std::uint8_t* token,
                                          std::size_t cidlen, void* user) {
  (void)conn;
  auto* s = self_of(user);
  cid->datalen = cidlen;
  gnutls_rnd(GNUTLS_RND_NONCE, cid->data, cidlen);
  stamp_worker(cid->data, cidlen, s->settings_.cid_worker);
  static const std::array<std::uint8_t, 32> kNoSecret{};
  const auto& secret = s->endpoint_ != nullptr ? s->endpoint_->static_secret() : kNoSecret;
  if (ngtcp2_crypto_generate_stateless_reset_token(token, secret.data(), secret.size(), cid) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  s->register_cid(*cid);
  return 0;
}

int QuicSession::cb_remove_connection_id(ngtcp2_conn* conn, const ngtcp2_cid* cid, void* user) {
  (void)conn;
  auto* s = self_of(user);
  std::string key(reinterpret_cast<const char*>(cid->data), cid->datalen);
  if (s->endpoint_ != nullptr) s->endpoint_->remove_cid(key);
  s->cids_.erase(std::remove(s->cids_.begin(), s->cids_.end(), key), s->cids_.end());
  return 0;
}

int QuicSession::cb_recv_stateless_reset(ngtcp2_conn* conn, const ngtcp2_pkt_stateless_reset* sr, void* user) {
  (void)conn;
  (void)sr;
  self_of(user)->stateless_reset_ = true;
  return 0;
}

}  // namespace kinetic::transport::quic
