// The network connector: what it refuses up front, and real links to a relay on loopback that
// it opens (and SETUP completes over), raw QUIC and WebTransport.
#include "kinetic/relay/upstream_connector.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "kinetic/relay/relay.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"

namespace kinetic::relay {
namespace {

using namespace std::chrono_literals;

TEST(UpstreamConnector, RefusesBadUrlsAndPins) {
  transport::EpollLoop loop;
  UpstreamConnector c;
  RelayConfig config;
  config.upstream = "ftp://x:1";
  EXPECT_NE(make_network_connector(loop, config, c), "");
  config.upstream = "moqt://127.0.0.1:4443";
  config.upstream_pin = "zz";
  EXPECT_NE(make_network_connector(loop, config, c).find("upstream_pin"), std::string::npos);
  config.upstream_pin.clear();
  EXPECT_EQ(make_network_connector(loop, config, c), "");
  EXPECT_TRUE(static_cast<bool>(c));
  config.upstream = "https://127.0.0.1:4443/moq";
  EXPECT_EQ(make_network_connector(loop, config, c), "");
}

TEST(UpstreamConnector, ARelayChainsToAnotherOverLoopbackQuicWithAPinnedCertificate) {
  transport::EpollLoop loop;
  auto cert = transport::CertificateKeyPair::generate();
  ASSERT_TRUE(cert);
  RelayConfig config;
  RelayMetrics origin_m, edge_m;
  Relay origin{loop, config, origin_m};
  transport::quic::QuicServerConfig sc;
  sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
  sc.certificate = *cert;
  auto server = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr s) { origin.accept(std::move(s)); });
  ASSERT_TRUE(server) << server.error().what;
  const auto port = (*server)->local_address().port();

  RelayConfig edge_config;
  edge_config.upstream = "moqt://127.0.0.1:" + std::to_string(port) + "/moq";
  edge_config.upstream_pin = transport::to_hex(*cert->sha256());
  UpstreamConnector connector;
  ASSERT_EQ(make_network_connector(loop, edge_config, connector), "");
  Relay edge{loop, edge_config, edge_m};
  edge.set_upstream(connector);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (edge.upstream_state() != UpstreamState::kUp && std::chrono::steady_clock::now() < deadline) {
    loop.run_once(50ms);
  }
  EXPECT_EQ(edge.upstream_state(), UpstreamState::kUp);
  EXPECT_EQ(origin.session_count(), 1u);
  edge.close_all("done");
  origin.close_all("done");
  for (int i = 0; i < 5; ++i) loop.run_once(10ms);
}

TEST(UpstreamConnector, ARelayChainsToAnotherOverWebTransport) {
  transport::EpollLoop loop;
  auto cert = transport::CertificateKeyPair::generate();
  ASSERT_TRUE(cert);
  RelayConfig config;
  RelayMetrics origin_m, edge_m;
  Relay origin{loop, config, origin_m};
  transport::webtransport::ServerOptions h3;
  h3.on_session = [&origin](transport::SessionPtr s) { origin.accept(std::move(s)); };
  std::vector<std::shared_ptr<transport::webtransport::H3Connection>> connections;
  transport::quic::QuicServerConfig sc;
  sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
  sc.certificate = *cert;
  auto server = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr s) {
    if (s->protocol() == "h3") connections.push_back(transport::webtransport::H3Connection::server(std::move(s), h3));
  });
  ASSERT_TRUE(server) << server.error().what;
  const auto port = (*server)->local_address().port();

  RelayConfig edge_config;
  edge_config.upstream = "https://127.0.0.1:" + std::to_string(port) + "/moq";
  edge_config.upstream_timeout_ms = 600;
  edge_config.upstream_pin = transport::to_hex(*cert->sha256());
  UpstreamConnector connector;
  ASSERT_EQ(make_network_connector(loop, edge_config, connector), "");
  Relay edge{loop, edge_config, edge_m};
  edge.set_upstream(connector);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (edge.upstream_state() != UpstreamState::kUp && std::chrono::steady_clock::now() < deadline) {
    loop.run_once(50ms);
  }
  EXPECT_EQ(edge.upstream_state(), UpstreamState::kUp);
  EXPECT_EQ(origin.session_count(), 1u);
  // The parent forgets the connection without a word: the edge's keep-alive PINGs (as over raw
  // QUIC) find that out at once (stateless reset) or time out in upstream_timeout_ms; an idle
  // edge without them would sit on a dead parent until QUIC's default 30 s idle timeout.
  (*server)->drop_all_connections();
  const auto dropped = std::chrono::steady_clock::now();
  while (edge.upstream_state() == UpstreamState::kUp && std::chrono::steady_clock::now() < dropped + 5s) {
    loop.run_once(20ms);
  }
  EXPECT_NE(edge.upstream_state(), UpstreamState::kUp) << "a vanished WebTransport parent went unnoticed";
  EXPECT_LT(std::chrono::steady_clock::now() - dropped, 2s);
  edge.close_all("done");
  origin.close_all("done");
  for (int i = 0; i < 5; ++i) loop.run_once(10ms);
  for (auto& c : connections) c->close(0, "done");
  for (int i = 0; i < 5; ++i) loop.run_once(10ms);
}

}  // namespace
}  // namespace kinetic::relay
