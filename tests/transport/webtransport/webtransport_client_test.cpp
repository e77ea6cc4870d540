#include "kinetic/transport/webtransport/webtransport_client.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "wt_test_peers.hpp"

namespace kinetic::transport::webtransport {
namespace {

using namespace std::chrono_literals;
using testing::bytes_of;

TEST(WebTransportClient, ParsesHttpsUrls) {
  auto a = parse_https_url("https://relay.example:4443/moq?room=1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "relay.example");
  EXPECT_EQ(a->port, 4443);
  EXPECT_EQ(a->authority, "relay.example:4443");
  EXPECT_EQ(a->path, "/moq?room=1");
  auto b = parse_https_url("https://[::1]:9000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 9000);
  EXPECT_EQ(b->path, "/");
  EXPECT_EQ(parse_https_url("https://example.org/x")->port, 443);
  for (const char* bad : {"http://x/", "https://", "https://:443/", "https://x:0/", "https://x:70000/",
                          "https://[::1/", "https://x:12a/"})
    EXPECT_FALSE(parse_https_url(bad)) << bad;
}

TEST(WebTransportClient, ConnectsByUrlAndClosesTheConnectionAfterTheSession) {
  EpollLoop loop;
  auto cert = CertificateKeyPair::generate();
  ASSERT_TRUE(cert);
  testing::EchoServer echo;
  std::vector<SessionPtr> accepted;
  ServerOptions options;
  options.on_session = [&](SessionPtr s) {
    accepted.push_back(s);
    s->set_handler(&echo);
  };
  quic::QuicServerConfig config;
  config.listen = *quic::SocketAddress::parse("127.0.0.1", 0);
  config.certificate = *cert;
  std::vector<std::shared_ptr<H3Connection>> connections;
  auto server = quic::QuicServer::start(loop, config, [&](SessionPtr s) {
    connections.push_back(H3Connection::server(std::move(s), options));
  });
  ASSERT_TRUE(server);

  WebTransportClientConfig cc;
  cc.url = "https://127.0.0.1:" + std::to_string((*server)->local_address().port()) + "/moq";
  cc.pinned_sha256.push_back(*cert->sha256());
  auto session = connect_webtransport(loop, cc);
  ASSERT_TRUE(session);
  testing::Recorder rec;
  (*session)->set_handler(&rec);
  ASSERT_TRUE(loop.run_until([&] { return rec.ready || rec.closed; }, 10s));
  ASSERT_TRUE(rec.ready);
  // Both ends offer every draft Kinetic speaks; the newest wins (moqt-22, wire-identical to 20).
  EXPECT_EQ((*session)->protocol(), wire::alpn(wire::kSupportedVersions.front()));
  EXPECT_EQ((*session)->path(), "/moq");

  Stream* s = (*session)->open_bidi();
  ASSERT_NE(s, nullptr);
  s->set_handler(&rec);
  s->write(bytes_of("by url"), true);
  ASSERT_TRUE(loop.run_until([&] { return !rec.finished.empty(); }, 10s));
  EXPECT_EQ(rec.finished_text(true), "by url");

  (*session)->close(8, "finished");
  ASSERT_TRUE(loop.run_until([&] { return echo.closed && (*server)->connection_count() == 0; }, 10s));
  EXPECT_EQ(echo.close_info.code, 8u);
  EXPECT_EQ(echo.close_info.reason, "finished");
}

}  // namespace
}  // namespace kinetic::transport::webtransport
