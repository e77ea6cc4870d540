// WebTransport over real QUIC on loopback: our HTTP/3 client against our HTTP/3 server,
// both on one EpollLoop, through ngtcp2 and GnuTLS.
#include <gtest/gtest.h>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "wt_test_peers.hpp"

namespace kinetic::transport::webtransport {
namespace {

using namespace std::chrono_literals;
using testing::bytes_of;

class QuicLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cert = CertificateKeyPair::generate();
    ASSERT_TRUE(cert);
    cert_ = *cert;
    quic::QuicServerConfig config;
    config.listen = *quic::SocketAddress::parse("127.0.0.1", 0);
    config.certificate = cert_;
    ServerOptions options;
    options.on_session = [this](SessionPtr s) {
      server_session_ = s;
      s->set_handler(&echo_);
    };
    options.static_content = [](std::string_view path) -> std::optional<StaticResponse> {
      if (path != "/hello.txt") return std::nullopt;
      return StaticResponse{200, "text/plain", kinetic::SharedBytes::copy(std::string_view("hello over h3\n"))};
    };
    auto server = quic::QuicServer::start(loop_, config, [this, options](SessionPtr s) {
      if (s->protocol() == "h3") connections_.push_back(H3Connection::server(std::move(s), options));
    });
    ASSERT_TRUE(server);
    server_ = std::move(*server);

    client_ = H3Connection::client();
    quic::QuicClientConfig cc;
    cc.remote = server_->local_address();
    cc.server_name = "localhost";
    cc.settings.alpn = {"h3"};
    cc.pinned_sha256.push_back(*cert_.sha256());
    auto quic = quic::QuicClient::connect(loop_, cc, client_.get());
    ASSERT_TRUE(quic);
    client_->attach(*quic);
  }

  void TearDown() override {
    session_.reset();
    server_session_.reset();
    client_->close(0x100, "test over");
    loop_.run_until([] { return false; }, 50ms);
  }

  void open_session() {
    ClientOptions options;
    options.authority = "localhost:" + std::to_string(server_->local_address().port());
    options.path = "/moq";
    options.protocols = {"moqt-18", "moqt-20"};
    session_ = client_->connect(options);
    session_->set_handler(&rec_);
    ASSERT_TRUE(loop_.run_until([&] { return rec_.ready || rec_.closed; }, 10s));
    ASSERT_TRUE(rec_.ready);
  }

  EpollLoop loop_;
  CertificateKeyPair cert_;
  std::unique_ptr<quic::QuicServer> server_;
  std::vector<std::shared_ptr<H3Connection>> connections_;
  std::shared_ptr<H3Connection> client_;
  testing::EchoServer echo_;
  testing::Recorder rec_;
  SessionPtr session_, server_session_;
};

TEST_F(QuicLoopbackTest, NegotiatesMoqt20AndEchoesEverything) {
  open_session();
  EXPECT_EQ(session_->protocol(), "moqt-20");
  ASSERT_TRUE(server_session_);
  EXPECT_EQ(server_session_->path(), "/moq");

  Stream* bidi = session_->open_bidi();
  ASSERT_NE(bidi, nullptr);
  bidi->set_handler(&rec_);
  const std::string big(200'000, 'k');  // several packets, flow control in play
  bidi->write(bytes_of(big), true);
  Stream* uni = session_->open_uni();
  ASSERT_NE(uni, nullptr);
  uni->write(bytes_of("uni over quic"), true);
  // Datagrams may be lost even on loopback in principle; send a few and want one back.
  for (int i = 0; i < 5; ++i) session_->send_datagram(bytes_of("dgram"));
  ASSERT_TRUE(loop_.run_until([&] { return rec_.finished.size() == 2 && !rec_.datagrams.empty(); }, 10s));
  EXPECT_EQ(rec_.finished_text(true), big);
  EXPECT_EQ(rec_.finished_text(false), "uni over quic");
  EXPECT_EQ(std::string(rec_.datagrams[0].begin(), rec_.datagrams[0].end()), "dgram");
}

// A WebTransport stream's send delay is its QUIC stream's: recorded once its bytes left.
TEST_F(QuicLoopbackTest, SendDelayIsMeasuredThroughAWebTransportStream) {
  open_session();
  LatencyHistogram delay;
  Stream* uni = session_->open_uni();
  ASSERT_NE(uni, nullptr);
  uni->write(bytes_of(std::string(100'000, 'u')), true);
  uni->measure_send_delay(Clock::now() - 2ms, delay);
  ASSERT_TRUE(loop_.run_until([&] { return delay.count() == 1; }, 10s));
  EXPECT_EQ(uni->queued_bytes(), 0u);
  EXPECT_GE(delay.sum_ns(), 2'000'000u);
}

TEST_F(QuicLoopbackTest, CloseCodeAndReasonCrossTheWire) {
  open_session();
  session_->close(3, "bye from client");
  ASSERT_TRUE(loop_.run_until([&] { return echo_.closed; }, 10s));
  EXPECT_EQ(echo_.close_info.code, 3u);
  EXPECT_EQ(echo_.close_info.reason, "bye from client");
  EXPECT_TRUE(echo_.close_info.by_peer);
}

TEST_F(QuicLoopbackTest, ServesStaticContent) {
  FetchResult result;
  client_->fetch("localhost", "/hello.txt", [&](FetchResult r) { result = std::move(r); });
  ASSERT_TRUE(loop_.run_until([&] { return result.status != 0; }, 10s));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(std::string(result.body.begin(), result.body.end()), "hello over h3\n");
}

}  // namespace
}  // namespace kinetic::transport::webtransport
