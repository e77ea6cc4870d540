// A MoQT subscription over real QUIC on loopback: server and client in one process on one
// EpollLoop, bounded in time.
#include "kinetic/moqt/quic_client.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

TEST(MoqtUrlTest, ParsesHostPortAndPath) {
  auto u = parse_moqt_url("moqt://127.0.0.1:4443/live");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 4443);
  EXPECT_EQ(u->path, "/live");
  auto v6 = parse_moqt_url("moqt://[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->path, "/");
  EXPECT_FALSE(parse_moqt_url("https://x").ok());
  EXPECT_FALSE(parse_moqt_url("moqt://:80").ok());
  EXPECT_FALSE(parse_moqt_url("moqt://h:99999").ok());
  EXPECT_FALSE(parse_moqt_url("moqt://h:12x").ok());
}

// A MoQT server on a loopback QUIC port and one client session of it, on one EpollLoop.
class QuicClientTest : public ::testing::Test {
 protected:
  void start(transport::quic::QuicSettings server_settings = {}) {
    auto cert = transport::CertificateKeyPair::generate();
    ASSERT_TRUE(cert.ok());
    transport::quic::QuicServerConfig sc;
    sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
    sc.certificate = *cert;
    sc.settings = std::move(server_settings);
    auto server = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr t) {
      SessionOptions o;
      o.perspective = Perspective::kServer;
      server_sessions.push_back(Session::create(std::move(t), o, &server_handler));
    });
    ASSERT_TRUE(server.ok()) << server.error().what;
    server_ = std::move(*server);
    transport::quic::QuicClientConfig cc;
    cc.pinned_sha256.push_back(*cert->sha256());
    cc.server_name = "localhost";
    MoqtUrl url{"127.0.0.1", server_->local_address().port(), "/moq"};
    auto c = connect_quic(loop, url, cc, {}, &client_handler);
    ASSERT_TRUE(c.ok()) << c.error().what;
    client = std::move(*c);
    ASSERT_TRUE(loop.run_until([&] { return client_handler.ready || client_handler.closed; }, 10s));
    ASSERT_TRUE(client_handler.ready);
  }

  transport::EpollLoop loop;
  RecordingSessionHandler server_handler, client_handler;
  std::vector<std::shared_ptr<Session>> server_sessions;
  std::unique_ptr<transport::quic::QuicServer> server_;
  std::shared_ptr<Session> client;  // last: closed before the server goes
};

TEST_F(QuicClientTest, SubscribesAndReceivesObjectsOverLoopback) {
  server_handler.on_sub = [](ServedSubscription& s) {
    s.accept({Location{0, 0}, GroupOrder::kAscending, 128, {}, {}, false});
    for (std::uint64_t g = 1; g <= 3; ++g) {
      auto* w = s.open_subgroup({g, 0});
      ASSERT_NE(w, nullptr);
      for (std::uint64_t o = 0; o < 5; ++o) w->write(o, bytes("obj" + std::to_string(g * 10 + o)));
      w->finish();
    }
  };
  start();
  // Both ends offer every draft; the newest wins (moqt-22, wire-identical to 20).
  EXPECT_EQ(client->version(), wire::kSupportedVersions.front());

  RecordingSubscription rs;
  auto sub = client->subscribe(track("clock", "seconds"), {}, &rs);
  ASSERT_TRUE(loop.run_until([&] { return rs.objects.size() == 15 || rs.error.has_value(); }, 10s));
  ASSERT_EQ(rs.objects.size(), 15u);
  std::map<std::uint64_t, std::uint64_t> next;
  for (const auto& o : rs.objects) {
    EXPECT_EQ(o.object_id, next[o.group_id]++);
    EXPECT_EQ(text(o.payload), "obj" + std::to_string(o.group_id * 10 + o.object_id));
  }
  ASSERT_EQ(server_sessions.size(), 1u);
  EXPECT_EQ(server_sessions[0]->peer_setup().path, "/moq");
  client->close(0, "done");
  loop.run_until([&] { return server_handler.closed; }, 5s);
  EXPECT_TRUE(server_handler.closed);
}

TEST_F(QuicClientTest, AnsweredRequestsReturnTheirQuicStreamCredit) {
  // Over real QUIC a request stream is released only when both sides have ended theirs: a
  // session that asks more questions than the server's stream limit gets every answer.
  server_handler.on_req = [](IncomingRequest& r) { r.accept({Location{7, 1}, {}, {}, {}, {}, false}); };
  transport::quic::QuicSettings settings;
  settings.max_streams_bidi = 8;
  start(settings);
  constexpr int kAsks = 40;
  int answered = 0;
  for (int i = 0; i < kAsks; ++i) {
    RecordingRequest status;
    auto r = client->track_status(track("clock", "seconds"), &status);
    if (!loop.run_until([&] { return status.ok || status.error.has_value(); }, 2s)) break;
    answered += status.ok ? 1 : 0;
  }
  EXPECT_EQ(answered, kAsks);
}

}  // namespace
}  // namespace kinetic::moqt::testing
