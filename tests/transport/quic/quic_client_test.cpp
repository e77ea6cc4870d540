#include "kinetic/transport/quic/quic_client.hpp"

#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

TEST(QuicClientTest, NeedsAServerAddress) {
  EpollLoop loop;
  ClientApp app;
  EXPECT_FALSE(QuicClient::connect(loop, QuicClientConfig{}, &app).ok());
}

TEST(QuicClientTest, NobodyListeningEndsInHandshakeTimeout) {
  EpollLoop loop;
  // A bound but silent port: the Initials go nowhere.
  auto silent = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(silent.ok());
  QuicClientConfig config;
  config.remote = silent->local_address();
  config.verify_peer = false;
  config.settings.handshake_timeout = std::chrono::milliseconds(300);
  ClientApp app;
  auto session = QuicClient::connect(loop, config, &app);
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(loop.run_until([&] { return app.closed.has_value(); }, 5s));
  EXPECT_FALSE(app.ready);
  EXPECT_EQ(app.closed->reason, "handshake timeout");
  EXPECT_EQ((*session)->open_bidi(), nullptr);
  EXPECT_FALSE((*session)->send_datagram(std::vector<std::uint8_t>(10)));
}

class QuicClientServerTest : public QuicFixture {
 protected:
  void SetUp() override { start_server(); }
};

TEST_F(QuicClientServerTest, OneClientMakesManyConnections) {
  auto client = QuicClient::create(loop_, client_config());
  ASSERT_TRUE(client.ok());
  ClientApp a, b;
  auto sa = (*client)->connect(&a);
  auto sb = (*client)->connect(&b);
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_TRUE(run_until([&] { return a.ready && b.ready; }));
  EXPECT_NE((*sa)->peer_address(), "");
  EXPECT_TRUE(run_until([&] { return server_app_.ready == 2; }));
}

TEST_F(QuicClientServerTest, DroppingTheSessionClosesTheConnection) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  session.reset();
  ASSERT_TRUE(run_until([&] { return !server_app_.closes.empty(); }));
  EXPECT_TRUE(server_app_.closes[0].by_peer);
  EXPECT_EQ(server_app_.closes[0].code, 0u);
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
