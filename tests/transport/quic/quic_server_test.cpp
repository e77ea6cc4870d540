#include "kinetic/transport/quic/quic_server.hpp"

#include <random>

#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

class QuicServerTest : public QuicFixture {};

// Echoes one message on a fresh bidi stream and waits for it.
bool echo_works(QuicFixture& f, Session& session, std::function<bool(const std::function<bool()>&)> run) {
  (void)f;
  Collector c;
  Stream* s = session.open_bidi();
  if (s == nullptr) return false;
  s->set_handler(&c);
  s->write(bytes("Eping"), true);
  // Wait for on_closed: after it the stream no longer points at `c`.
  bool ok = run([&] { return c.closed; });
  return ok && std::string(c.data.begin(), c.data.end()) == "ping";
}

TEST_F(QuicServerTest, ServesTwoHundredConcurrentConnections) {
  start_server();
  auto client = QuicClient::create(loop_, client_config());
  ASSERT_TRUE(client.ok());
  constexpr int kConnections = 200;
  std::vector<std::unique_ptr<ClientApp>> apps;
  std::vector<SessionPtr> sessions;
  std::vector<std::unique_ptr<Collector>> collectors;
  for (int i = 0; i < kConnections; ++i) {
    apps.push_back(std::make_unique<ClientApp>());
    auto s = (*client)->connect(apps.back().get());
    ASSERT_TRUE(s.ok());
    sessions.push_back(std::move(*s));
  }
  ASSERT_TRUE(run_until([&] {
    return std::all_of(apps.begin(), apps.end(), [](auto& a) { return a->ready; });
  }, 60s));
  for (int i = 0; i < kConnections; ++i) {
    collectors.push_back(std::make_unique<Collector>());
    Stream* s = sessions[i]->open_bidi();
    ASSERT_NE(s, nullptr);
    s->set_handler(collectors.back().get());
    auto msg = "Econnection " + std::to_string(i);
    s->write(bytes(msg), true);
  }
  ASSERT_TRUE(run_until([&] {
    return std::all_of(collectors.begin(), collectors.end(), [](auto& c) { return c->fin; });
  }, 60s));
  for (int i = 0; i < kConnections; ++i)
    EXPECT_EQ(std::string(collectors[i]->data.begin(), collectors[i]->data.end()), "connection " + std::to_string(i));
  EXPECT_EQ(server_->connection_count(), static_cast<std::size_t>(kConnections));
  EXPECT_EQ(server_app_.ready, kConnections);
  for (auto& s : sessions) s->close(0, "done");
  // Every close reaches the server (which then drains each for three PTOs).
  ASSERT_TRUE(run_until([&] { return server_app_.closes.size() == kConnections; }, 10s));
}

TEST_F(QuicServerTest, GarbageDatagramsDoNotDisturbAGoodConnection) {
  start_server();
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);

  auto junk_socket = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(junk_socket.ok());
  std::mt19937 rng(1234);
  std::vector<std::uint8_t> junk(1500);
  auto send_junk = [&](std::size_t size, std::uint8_t first) {
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    junk[0] = first;
    junk_socket->send(server_->local_address(), junk.data(), size, size, 0);
  };
  for (int i = 0; i < 300; ++i) {
    send_junk(1 + rng() % 1400, static_cast<std::uint8_t>(rng()));          // anything
    send_junk(1200 + rng() % 200, 0xc0);                                     // long header, Initial type
    send_junk(5 + rng() % 30, 0xc0);                                         // truncated long header
    send_junk(30 + rng() % 100, 0x40);                                       // short header, unknown CID
  }
  // A well-formed Initial header with version 1 and junk after it.
  std::vector<std::uint8_t> fake(1200);
  for (auto& b : fake) b = static_cast<std::uint8_t>(rng());
  std::uint8_t header[] = {0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0};
  std::memcpy(fake.data(), header, sizeof header);
  for (int i = 0; i < 100; ++i) {
    fake[6] = static_cast<std::uint8_t>(i);
    junk_socket->send(server_->local_address(), fake.data(), fake.size(), fake.size(), 0);
  }
  EXPECT_TRUE(echo_works(*this, *session, [&](const std::function<bool()>& d) { return run_until(d); }));
  ASSERT_TRUE(run_until([&] { return server_->counters().packets >= 1300; }));
  EXPECT_TRUE(echo_works(*this, *session, [&](const std::function<bool()>& d) { return run_until(d); }));
  // The junk Initials did not leave half-open connections behind.
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_GT(server_->counters().dropped, 0u);
  EXPECT_FALSE(app.closed.has_value());
}

TEST_F(QuicServerTest, HandshakesPerSourceAreBounded) {
  QuicServerConfig config;
  config.max_handshakes_per_ip = 1;
  start_server(config);
  auto client = QuicClient::create(loop_, client_config());
  ASSERT_TRUE(client.ok());
  std::vector<std::unique_ptr<ClientApp>> apps;
  std::vector<SessionPtr> sessions;
  for (int i = 0; i < 3; ++i) {
    apps.push_back(std::make_unique<ClientApp>());
    sessions.push_back(*(*client)->connect(apps.back().get()));
  }
  // One handshake at a time from 127.0.0.1: the others' Initials are dropped and
  // retransmitted until a slot frees up, so all finish, just later.
  ASSERT_TRUE(run_until([&] {
    return std::all_of(apps.begin(), apps.end(), [](auto& a) { return a->ready; });
  }, 15s));
  EXPECT_GT(server_->counters().dropped, 0u);
  EXPECT_EQ(server_->counters().handshakes_started, 3u);
}

TEST_F(QuicServerTest, AlpnPicksTheOfferedMoqtDraft) {
  start_server();
  for (std::string alpn : {"moqt-20", "moqt-18", "h3"}) {
    auto cc = client_config();
    cc.settings.alpn = {alpn};
    ClientApp app;
    auto session = connect(app, cc);
    ASSERT_TRUE(app.ready) << alpn;
    EXPECT_EQ(session->protocol(), alpn);
  }
  // Offering both drafts: the server's preference (newest) wins.
  auto cc = client_config();
  cc.settings.alpn = {"moqt-18", "moqt-20"};
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(session->protocol(), "moqt-20");
}

TEST_F(QuicServerTest, AlpnWithoutOverlapFailsTheHandshakeCleanly) {
  start_server();
  auto cc = client_config();
  cc.settings.alpn = {"moqt-99"};
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_FALSE(app.ready);
  // CRYPTO_ERROR carrying TLS alert no_application_protocol (120).
  EXPECT_EQ(app.closed->code, 0x100u + 120u);
  EXPECT_EQ(server_app_.ready, 0);
  EXPECT_TRUE(run_until([&] { return server_->connection_count() == 0; }, 5s));
  // The server is still fine.
  ClientApp good;
  auto ok = connect(good);
  EXPECT_TRUE(good.ready);
}

TEST_F(QuicServerTest, RetryValidatesTheClientAddress) {
  QuicServerConfig config;
  config.retry = true;
  start_server(config);
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(server_->counters().retries, 1u);
  EXPECT_TRUE(echo_works(*this, *session, [&](const std::function<bool()>& d) { return run_until(d); }));
}

TEST_F(QuicServerTest, RestartedServerAnswersWithStatelessReset) {
  QuicServerConfig config;
  config.static_secret.fill(7);
  start_server(config);
  auto cc = client_config();
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.ready);
  // One echo first, so the client has its HANDSHAKE_DONE: a client still waiting for it sends
  // Handshake packets, whose long header no server answers with a stateless reset.
  Collector first;
  Stream* warm = session->open_bidi();
  ASSERT_NE(warm, nullptr);
  warm->set_handler(&first);
  warm->write(bytes("Eping"), true);
  ASSERT_TRUE(run_until([&] { return first.fin; }, 5s));
  auto port = server_->local_address().port();
  // A crash: state gone, then a new process on the same port with the same secret.
  server_->drop_all_connections();
  server_.reset();
  config.listen = *SocketAddress::parse("127.0.0.1", port);
  start_server(config);
  Collector c;
  Stream* s = session->open_bidi();
  ASSERT_NE(s, nullptr);
  s->set_handler(&c);
  s->write(bytes("Ehello"), true);
  ASSERT_TRUE(run_until([&] { return app.closed.has_value(); }, 5s));
  EXPECT_TRUE(app.closed->by_peer);
  EXPECT_EQ(app.closed->reason, "stateless reset");
  EXPECT_GE(server_->counters().stateless_resets, 1u);
}

TEST_F(QuicServerTest, UnknownVersionGetsVersionNegotiation) {
  start_server();
  auto sock = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sock.ok());
  std::vector<std::uint8_t> pkt(1200, 0);
  std::uint8_t header[] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9};
  std::memcpy(pkt.data(), header, sizeof header);
  sock->send(server_->local_address(), pkt.data(), pkt.size(), pkt.size(), 0);
  std::vector<std::uint8_t> answer;
  ASSERT_TRUE(loop_.watch(sock->fd(), 1 /* EPOLLIN */, [&](std::uint32_t) {
    sock->receive([&](const Datagram& d) { answer.assign(d.data, d.data + d.size); });
  }));
  ASSERT_TRUE(run_until([&] { return !answer.empty(); }, 5s));
  loop_.unwatch(sock->fd());
  ASSERT_GE(answer.size(), 7u);
  EXPECT_NE(answer[0] & 0x80, 0);
  EXPECT_EQ(answer[1] | answer[2] | answer[3] | answer[4], 0);  // version 0: negotiation
  EXPECT_EQ(server_->counters().version_negotiations, 1u);
}

TEST_F(QuicServerTest, ServesIpv6Loopback) {
  host_ = "::1";
  start_server();
  auto cc = client_config();
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(session->peer_address(), "[::1]:" + std::to_string(server_->local_address().port()));
  EXPECT_TRUE(echo_works(*this, *session, [&](const std::function<bool()>& d) { return run_until(d); }));
}

TEST_F(QuicServerTest, DestroyingTheServerClosesItsConnections) {
  start_server();
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  // Only a connection past its handshake may carry a reason phrase (RFC 9000 §10.2.3).
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  server_.reset();
  ASSERT_TRUE(run_until([&] { return app.closed.has_value(); }, 5s));
  EXPECT_TRUE(app.closed->by_peer);
  EXPECT_EQ(app.closed->reason, "shutdown");
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
