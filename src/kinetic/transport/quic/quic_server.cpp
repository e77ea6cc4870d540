#include "kinetic/transport/quic/quic_server.hpp"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include <algorithm>

#include "kinetic/transport/quic/cid_steering.hpp"

namespace kinetic::transport::quic {

namespace {


ngtcp2_tstamp now_ts() {
  return static_cast<ngtcp2_tstamp>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// The source IP without the port: what per-source limits count.
std::string ip_of(const SocketAddress& a) {
  auto s = a.to_string();
  return s.substr(0, s.rfind(':'));
}

const ngtcp2_sockaddr* ng(const SocketAddress& a) { return reinterpret_cast<const ngtcp2_sockaddr*>(a.sa()); }

constexpr auto kRetryTokenLifetime = 10 * NGTCP2_SECONDS;

}  // namespace

QuicServer::QuicServer(EpollLoop& loop, QuicServerConfig config, AcceptCallback accept)
    : loop_(loop), config_(std::move(config)), accept_(std::move(accept)) {}

Result<std::unique_ptr<QuicServer>> QuicServer::start(EpollLoop& loop, QuicServerConfig config,
                                                            AcceptCallback accept) {
  if (!accept) return Error{Errc::kInvalidValue, "server needs an accept callback"};
  if (std::all_of(config.static_secret.begin(), config.static_secret.end(), [](auto b) { return b == 0; }))
    gnutls_rnd(GNUTLS_RND_KEY, config.static_secret.data(), config.static_secret.size());
  if (config.certificate.cert_pem.empty()) {
    KINETIC_TRY(config.certificate, CertificateKeyPair::generate());
  }
  KINETIC_TRY(auto tls, TlsContext::server(config.certificate, config.settings));
  if (config.worker) config.settings.cid_worker = config.worker;
  UdpSocket::Options socket_options;
  socket_options.reuse_port = config.worker.has_value();
  KINETIC_TRY(auto socket, UdpSocket::bind(config.listen, socket_options));
  if (config.steer_workers >= 2) KINETIC_CHECK(attach_steering(socket.fd(), config.steer_workers));
  std::unique_ptr<QuicServer> server(new QuicServer(loop, std::move(config), std::move(accept)));
  server->tls_ = std::move(tls);
  server->socket_ = std::move(socket);
  server->batch_ = std::make_unique<UdpSendBatch>(server->socket_);
  server->reset_refill_ = loop.now();
  server->reset_tokens_ = static_cast<double>(server->config_.stateless_resets_per_second);
  auto* raw = server.get();
  if (!loop.watch(server->socket_.fd(), EPOLLIN, [raw](std::uint32_t ev) { raw->on_events(ev); }))
    return Error{Errc::kInvalidValue, "cannot watch the server socket"};
  spdlog::debug("quic: server on {} (GSO {})", server->local_address().to_string(), server->gso_enabled());
  return server;
}

QuicServer::~QuicServer() {
  *alive_ = false;
  loop_.unwatch(socket_.fd());
  auto sessions = std::move(sessions_);
  for (auto& [raw, s] : sessions) s->detach(true);
  cids_.clear();
  batch_->flush();  // the CONNECTION_CLOSEs just queued
}

void QuicServer::drop_all_connections() {
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [raw, s] : sessions) s->detach(false);
  cids_.clear();
  handshaking_.clear();
  handshakes_per_ip_.clear();
  waiting_writable_.clear();
}

void QuicServer::on_events(std::uint32_t events) {
  if ((events & EPOLLOUT) != 0 && batch_->flush()) {
    loop_.modify(socket_.fd(), EPOLLIN);
    watching_out_ = false;
    auto waiting = std::move(waiting_writable_);
    waiting_writable_.clear();
    for (auto& s : waiting) s->on_socket_writable();
  }
  if ((events & (EPOLLIN | EPOLLERR)) != 0) {
    socket_.receive([this](const Datagram& dg) { dispatch(dg); });
  }
}

void QuicServer::dispatch(const Datagram& dg) {
  ++counters_.packets;
  ngtcp2_version_cid vc{};
  int rv = ngtcp2_pkt_decode_version_cid(&vc, dg.data, dg.size, kCidLength);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    send_version_negotiation(dg, vc.dcid, vc.dcidlen, vc.scid, vc.scidlen);
    return;
  }
  if (rv != 0) {
    ++counters_.dropped;
    spdlog::debug("quic: undecodable packet ({} bytes) from {}", dg.size, dg.remote.to_string());
    return;
  }
  if (QuicSession* s = cids_.find(std::string_view(reinterpret_cast<const char*>(vc.dcid), vc.dcidlen))) {
    deliver(s, dg);
    return;
  }
  if ((dg.data[0] & 0x80) != 0) {
    accept_initial(dg);
  } else {
    send_stateless_reset(dg, vc.dcid, vc.dcidlen);
  }
}

void QuicServer::deliver(QuicSession* session, const Datagram& dg) {
  switch (session->on_packet(dg)) {
    case QuicSession::Verdict::kKeep:
      return;
    case QuicSession::Verdict::kRetry:
      retry_for(dg);
      forget(session);
      return;
    case QuicSession::Verdict::kDiscard:
      forget(session);
      return;
  }
}

void QuicServer::retry_for(const Datagram& dg) {
  ngtcp2_pkt_hd hd{};
  int rv = ngtcp2_accept(&hd, dg.data, dg.size);
  // A client acts on one Retry only (RFC 9000 §17.2.5.2): one that already holds a token
  // gets nothing, and its retransmission makes the connection.
  if ((rv != 0 && rv != NGTCP2_ERR_RETRY) || hd.token.len > 0) {
    ++counters_.dropped;
    return;
  }
  send_retry(dg, hd);
}

void QuicServer::accept_initial(const Datagram& dg) {
  ngtcp2_pkt_hd hd{};
  int accepted = ngtcp2_accept(&hd, dg.data, dg.size);
  if (accepted == NGTCP2_ERR_RETRY) {
    retry_for(dg);
    return;
  }
  if (accepted != 0) {
    ++counters_.dropped;
    spdlog::debug("quic: unacceptable long-header packet from {}", dg.remote.to_string());
    return;
  }
  if (sessions_.size() >= config_.max_connections) {
    ++counters_.dropped;
    return;
  }
  auto ip = ip_of(dg.remote);
  if (handshakes_per_ip_[ip] >= config_.max_handshakes_per_ip) {
    ++counters_.dropped;
    spdlog::debug("quic: too many handshakes from {}", ip);
    return;
  }

  ngtcp2_cid odcid{};
  const ngtcp2_cid* original = nullptr;
  const ngtcp2_cid* retry_scid = nullptr;
  if (hd.token.len > 0 && hd.token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
    if (ngtcp2_crypto_verify_retry_token(&odcid, hd.token.base, hd.token.len, config_.static_secret.data(),
                                         config_.static_secret.size(), hd.version, ng(dg.remote), dg.remote.len,
                                         &hd.dcid, kRetryTokenLifetime, now_ts()) != 0) {
      ++counters_.dropped;
      std::uint8_t buf[1500];
      auto n = ngtcp2_crypto_write_connection_close(buf, sizeof buf, hd.version, &hd.scid, &hd.dcid,
                                                    NGTCP2_INVALID_TOKEN, nullptr, 0);
      if (n > 0) socket_.send(dg.remote, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), 0);
      return;
    }
    original = &odcid;
    retry_scid = &hd.dcid;
  } else {
    hd.token.len = 0;  // we issue no NEW_TOKEN tokens, so any other token proves nothing
    if (config_.retry) {
      send_retry(dg, hd);
      return;
    }
  }

  auto made = QuicSession::make_server(loop_, *this, tls_, config_.settings, socket_.local_address(), dg.remote,
                                       QuicSession::ServerParams{&hd, original, retry_scid});
  if (!made) {
    ++counters_.dropped;
    spdlog::debug("quic: cannot create a connection for {}: {}", dg.remote.to_string(), made.error().what);
    return;
  }
  auto session = std::move(*made);
  auto* raw = session.get();
  sessions_.emplace(raw, session);
  handshaking_.emplace(raw, ip);
  ++handshakes_per_ip_[ip];
  ++counters_.handshakes_started;
  deliver(raw, dg);
}

void QuicServer::send_version_negotiation(const Datagram& dg, const std::uint8_t* dcid, std::size_t dcidlen,
                                          const std::uint8_t* scid, std::size_t scidlen) {
  // Only answer datagrams big enough to be a client's first flight (no amplification).
  if (dg.size < NGTCP2_MAX_UDP_PAYLOAD_SIZE) {
    ++counters_.dropped;
    return;
  }
  std::uint8_t unused;
  gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1);
  const std::uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
  std::uint8_t buf[256];
  auto n = ngtcp2_pkt_write_version_negotiation(buf, sizeof buf, unused, scid, scidlen, dcid, dcidlen, versions, 1);
  if (n <= 0) return;
  ++counters_.version_negotiations;
  socket_.send(dg.remote, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), 0);
}

void QuicServer::send_stateless_reset(const Datagram& dg, const std::uint8_t* dcid, std::size_t dcidlen) {
  // A reset must be shorter than what provoked it (no loops between two servers), and
  // at least 21 bytes to look like a short-header packet (RFC 9000 §10.3).
  constexpr std::size_t kMin = 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN;
  if (dg.size <= kMin + 1 || dcidlen != kCidLength) {
    ++counters_.dropped;
    return;
  }
  auto t = loop_.now();
  double elapsed = std::chrono::duration<double>(t - reset_refill_).count();
  reset_refill_ = t;
  auto rate = static_cast<double>(config_.stateless_resets_per_second);
  reset_tokens_ = std::min(rate, reset_tokens_ + elapsed * rate);
  if (reset_tokens_ < 1) {
    ++counters_.dropped;
    return;
  }
  reset_tokens_ -= 1;

  ngtcp2_cid cid;
  ngtcp2_cid_init(&cid, dcid, dcidlen);
  std::uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (ngtcp2_crypto_generate_stateless_reset_token(token, config_.static_secret.data(), config_.static_secret.size(),
                                                   &cid) != 0)
    return;
  std::size_t randlen = std::min<std::size_t>(dg.size - 1 - 1 - NGTCP2_STATELESS_RESET_TOKENLEN, 40);
  std::uint8_t rand[64];
  gnutls_rnd(GNUTLS_RND_NONCE, rand, randlen);
  std::uint8_t buf[128];
  auto n = ngtcp2_pkt_write_stateless_reset(buf, sizeof buf, token, rand, randlen);
  if (n <= 0) return;
  ++counters_.stateless_resets;
  socket_.send(dg.remote, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), 0);
}

void QuicServer::send_retry(const Datagram& dg, const ngtcp2_pkt_hd& hd) {
  ngtcp2_cid scid;
  scid.datalen = kCidLength;
  gnutls_rnd(GNUTLS_RND_NONCE, scid.data, scid.datalen);
  std::uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
  auto tokenlen = ngtcp2_crypto_generate_retry_token(token, config_.static_secret.data(), config_.static_secret.size(),
                                                     hd.version, ng(dg.remote), dg.remote.len, &scid, &hd.dcid,
                                                     now_ts());
  if (tokenlen < 0) return;
  std::uint8_t buf[1500];
  auto n = ngtcp2_crypto_write_retry(buf, sizeof buf, hd.version, &hd.scid, &scid, &hd.dcid, token,
                                     static_cast<std::size_t>(tokenlen));
  if (n <= 0) return;
  ++counters_.retries;
  socket_.send(dg.remote, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), 0);
}

std::size_t QuicServer::send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                             std::size_t segment, std::uint8_t ecn) {
  const std::size_t queued = batch_->add(remote, data, len, segment, ecn);
  if (!batch_->empty()) post_batch_flush();
  return queued;
}

void QuicServer::post_batch_flush() {
  if (batch_flush_posted_) return;
  batch_flush_posted_ = true;
  // Posted work runs before the loop waits again, so a packet never sits queued over a sleep;
  // every session that flushes in this turn joins the same sendmmsg.
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive] {
    if (!alive.lock()) return;
    batch_flush_posted_ = false;
    flush_batch();
  });
}

void QuicServer::flush_batch() {
  if (!batch_->flush()) watch_writable();
}

void QuicServer::watch_writable() {
  if (watching_out_) return;
  watching_out_ = true;
  loop_.modify(socket_.fd(), EPOLLIN | EPOLLOUT);
}

void QuicServer::mark_sent(std::span<const SendMark> marks) { batch_->mark_sent(marks); }

void QuicServer::wait_writable(std::shared_ptr<QuicSession> session) {
  watch_writable();
  waiting_writable_.push_back(std::move(session));
}

void QuicServer::add_cid(std::string_view cid, QuicSession* session) { cids_.set(cid, session); }

void QuicServer::remove_cid(std::string_view cid) { cids_.erase(cid); }

void QuicServer::release_handshake(QuicSession* session) {
  auto it = handshaking_.find(session);
  if (it == handshaking_.end()) return;
  auto ip = handshakes_per_ip_.find(it->second);
  if (ip != handshakes_per_ip_.end() && --ip->second == 0) handshakes_per_ip_.erase(ip);
  handshaking_.erase(it);
}

void QuicServer::on_session_ready(QuicSession& session) {
  release_handshake(&session);
  auto it = sessions_.find(&session);
  if (it != sessions_.end()) accept_(it->second);
}

void QuicServer::on_session_finished(QuicSession& session) {
  auto it = sessions_.find(&session);
  if (it == sessions_.end()) return;
  // The session is still on the stack: release our reference on the next loop turn.
  finished_.push_back(it->second);
  forget(&session);
  if (!reap_posted_) {
    reap_posted_ = true;
    std::weak_ptr<bool> alive = alive_;
    loop_.post([this, alive] {
      if (alive.lock()) reap();
    });
  }
}

void QuicServer::forget(QuicSession* session) {
  for (const auto& cid : session->cids()) cids_.erase(cid, session);
  release_handshake(session);
  sessions_.erase(session);
}

void QuicServer::reap() {
  reap_posted_ = false;
  finished_.clear();
}

}  // namespace kinetic::transport::quic
