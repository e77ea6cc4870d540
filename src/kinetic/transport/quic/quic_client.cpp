#include "kinetic/transport/quic/quic_client.hpp"

#include <gnutls/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include "kinetic/transport/quic/quic_endpoint.hpp"
#include "kinetic/transport/quic/quic_session.hpp"

namespace kinetic::transport::quic {

namespace {


// A client connection's own socket; packets from anyone but the server are ignored.
class ClientEndpoint final : public QuicEndpoint {
 public:
  ClientEndpoint(EpollLoop& loop, UdpSocket socket, const SocketAddress& remote)
      : loop_(loop), socket_(std::move(socket)), remote_(remote) {
    gnutls_rnd(GNUTLS_RND_KEY, secret_.data(), secret_.size());
  }
  ~ClientEndpoint() override {
    if (watching_) loop_.unwatch(socket_.fd());
  }

  bool start(std::weak_ptr<QuicSession> session) {
    session_ = std::move(session);
    watching_ = loop_.watch(socket_.fd(), EPOLLIN, [this](std::uint32_t ev) { on_events(ev); });
    return watching_;
  }

  std::size_t send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len, std::size_t segment,
                   std::uint8_t ecn) override {
    return socket_.send(remote, data, len, segment, ecn);
  }
  // send() hands packets to the kernel at once.
  void mark_sent(std::span<const SendMark> marks) override { record_sent(marks, Clock::now()); }
  void wait_writable(std::shared_ptr<QuicSession> session) override {
    (void)session;
    if (watching_) loop_.modify(socket_.fd(), EPOLLIN | EPOLLOUT);
  }
  void add_cid(std::string_view cid, QuicSession* session) override {
    (void)cid;
    (void)session;
  }
  void remove_cid(std::string_view cid) override { (void)cid; }
  void on_session_ready(QuicSession& session) override { (void)session; }
  void on_session_finished(QuicSession& session) override {
    (void)session;
    if (watching_) loop_.unwatch(socket_.fd());
    watching_ = false;
  }
  [[nodiscard]] const std::array<std::uint8_t, 32>& static_secret() const override { return secret_; }
  [[nodiscard]] const SocketAddress& local() const { return socket_.local_address(); }

 private:
  void on_events(std::uint32_t events) {
    auto session = session_.lock();
    if (!session) return;
    if ((events & EPOLLOUT) != 0) {
      loop_.modify(socket_.fd(), EPOLLIN);
      session->on_socket_writable();
    }
    if ((events & (EPOLLIN | EPOLLERR)) != 0 && watching_) {
      socket_.receive([&](const Datagram& dg) {
        if (!(dg.remote == remote_)) {
          spdlog::debug("quic: client ignores a packet from {}", dg.remote.to_string());
          return;
        }
        if (!session->finished()) session->on_packet(dg);
      });
    }
  }

  EpollLoop& loop_;
  UdpSocket socket_;
  SocketAddress remote_;
  std::weak_ptr<QuicSession> session_;
  std::array<std::uint8_t, 32> secret_{};
  bool watching_ = false;
};

}  // namespace

Result<std::unique_ptr<QuicClient>> QuicClient::create(EpollLoop& loop, QuicClientConfig config) {
  if (config.remote.len == 0) return Error{Errc::kInvalidValue, "client needs a server address"};
  KINETIC_TRY(auto tls, TlsContext::client(config));
  std::unique_ptr<QuicClient> client(new QuicClient(loop, std::move(config)));
  client->tls_ = std::move(tls);
  return client;
}

Result<SessionPtr> QuicClient::connect(SessionHandler* handler) {
  SocketAddress local = config_.local;
  if (local.len == 0) {
    KINETIC_TRY(local, SocketAddress::parse(config_.remote.family() == AF_INET6 ? "::" : "0.0.0.0", 0));
  }
  KINETIC_TRY(auto socket, UdpSocket::bind(local));
  auto bound = socket.local_address();
  auto endpoint = std::make_unique<ClientEndpoint>(loop_, std::move(socket), config_.remote);
  auto* ep = endpoint.get();
  KINETIC_TRY(auto session, QuicSession::make_client(loop_, std::move(endpoint), tls_, config_.settings, bound,
                                                     config_.remote, handler));
  if (!ep->start(session)) return Error{Errc::kInvalidValue, "cannot watch the client socket"};
  return SessionPtr(session);
}

Result<SessionPtr> QuicClient::connect(EpollLoop& loop, const QuicClientConfig& config,
                                             SessionHandler* handler) {
  KINETIC_TRY(auto client, create(loop, config));
  return client->connect(handler);
}

}  // namespace kinetic::transport::quic
