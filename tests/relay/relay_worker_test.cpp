// One relay worker on a loopback port, over real QUIC: what make() binds and names, the two
// kinds of connection it tells apart by ALPN (raw QUIC MoQT to the relay core, HTTP/3 to
// WebTransport or static files), the transport counters it publishes, and what its
// destruction releases. The worker's loop and the clients' loop both run on the test thread,
// turn about, so nothing here needs a second thread.
#include "kinetic/relay/relay_worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/webtransport/webtransport_client.hpp"
#include "relay_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace std::chrono_literals;
using moqt::testing::RecordingSubscription;
using moqt::testing::track;

using testing::Client;

class RelayWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cert = transport::CertificateKeyPair::generate();
    ASSERT_TRUE(cert);
    pin_ = *cert->sha256();
    setup_.server.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
    setup_.server.certificate = *cert;
    setup_.relay_id = "edge";
  }

  // Worker `index` of `count`, kept in workers_; null (and a test failure) if make() failed.
  RelayWorker* start(std::size_t index = 0, std::size_t count = 1) {
    auto made = RelayWorker::make(index, count, setup_, metrics_);
    EXPECT_TRUE(made) << made.error().what;
    if (!made) return nullptr;
    workers_.push_back(std::move(*made));
    return workers_.back().get();
  }
  std::uint16_t port() const { return workers_.front()->server().local_address().port(); }

  // Runs every worker's loop and the clients' loop in turn until `done` holds.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      for (auto& w : workers_) w->loop().run_once(1ms);
      loop_.run_once(1ms);
    }
    return true;
  }

  Client& connect_quic() {
    auto& c = clients_.emplace_back();
    transport::quic::QuicClientConfig cc;
    cc.pinned_sha256.push_back(pin_);
    auto s = moqt::connect_quic(loop_, {"127.0.0.1", port(), "/moq"}, cc, {}, c.handler.get());
    EXPECT_TRUE(s) << s.error().what;
    if (s) c.session = *s;
    EXPECT_TRUE(pump_until([&] { return c.handler->ready || c.handler->closed; }));
    EXPECT_TRUE(c.handler->ready) << c.handler->reason;
    return c;
  }

  Client& connect_webtransport() {
    auto& c = clients_.emplace_back();
    transport::webtransport::WebTransportClientConfig wt;
    wt.url = "https://127.0.0.1:" + std::to_string(port()) + "/moq";
    wt.pinned_sha256.push_back(pin_);
    auto transport = transport::webtransport::connect_webtransport(loop_, wt);
    EXPECT_TRUE(transport) << transport.error().what;
    if (!transport) return c;
    moqt::SessionOptions options;
    options.perspective = moqt::Perspective::kClient;
    c.session = moqt::Session::create(std::move(*transport), options, c.handler.get());
    EXPECT_NE(c.session, nullptr);
    EXPECT_TRUE(pump_until([&] { return c.handler->ready || c.handler->closed; }));
    EXPECT_TRUE(c.handler->ready) << c.handler->reason;
    return c;
  }

  RelayWorkerSetup setup_;
  RelayMetrics metrics_;
  transport::Sha256 pin_{};
  transport::EpollLoop loop_;  // the clients'
  std::vector<std::unique_ptr<RelayWorker>> workers_;
  std::vector<Client> clients_;
};

TEST_F(RelayWorkerTest, RawQuicMoqtSessionIsServedByTheWorkersRelay) {
  RelayWorker* w = start();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->index(), 0u);
  Client& c = connect_quic();
  ASSERT_TRUE(c.handler->ready);
  EXPECT_TRUE(pump_until([&] { return metrics_.sessions.load() == 1; }));
  // The relay core answers: a track nobody publishes is refused, and the session lives on.
  RecordingSubscription rec;
  auto sub = c.session->subscribe(track("nobody", "here"), {}, &rec);
  ASSERT_TRUE(pump_until([&] { return rec.ok || rec.error.has_value(); }));
  EXPECT_TRUE(rec.error.has_value());
  EXPECT_FALSE(c.handler->closed);
}

TEST_F(RelayWorkerTest, WebTransportSessionReachesTheRelayThroughHttp3) {
  ASSERT_NE(start(), nullptr);
  Client& c = connect_webtransport();
  ASSERT_TRUE(c.handler->ready);
  EXPECT_TRUE(pump_until([&] { return metrics_.sessions.load() == 1; }));
  // The client's HTTP/3 connection lives until its QUIC connection has closed.
  c.session->close(0, "done");
  EXPECT_TRUE(pump_until([&] { return workers_.front()->server().connection_count() == 0; }));
}

TEST_F(RelayWorkerTest, AWebTransportSessionMakesMoreRequestsThanItsStreamLimit) {
  // Each request is a bidi stream; one that has ended on both sides gives its credit back, so
  // a browser's session is not limited to as many requests as the relay's stream limit.
  setup_.server.settings.max_streams_bidi = 12;  // the CONNECT stream is one of them
  ASSERT_NE(start(), nullptr);
  Client& c = connect_webtransport();
  ASSERT_TRUE(c.handler->ready);
  constexpr int kRequests = 40;
  int refused = 0;
  for (int i = 0; i < kRequests; ++i) {
    RecordingSubscription rec;
    auto sub = c.session->subscribe(track("nobody", "t" + std::to_string(i)), {}, &rec);
    if (!pump_until([&] { return rec.ok || rec.error.has_value(); }, 2s)) break;
    refused += rec.error.has_value() ? 1 : 0;
  }
  EXPECT_EQ(refused, kRequests);
  EXPECT_FALSE(c.handler->closed);
  // The client's HTTP/3 connection lives until its QUIC connection has closed.
  c.session->close(0, "done");
  EXPECT_TRUE(pump_until([&] { return workers_.front()->server().connection_count() == 0; }));
}

TEST_F(RelayWorkerTest, Http3GetIsAnsweredFromTheStaticContent) {
  setup_.static_content =
      [](std::string_view path) -> std::optional<transport::webtransport::StaticResponse> {
    if (path != "/index.html") return std::nullopt;
    return transport::webtransport::StaticResponse{200, "text/html",
                                                   SharedBytes::copy(std::string_view("<p>hi</p>"))};
  };
  ASSERT_NE(start(), nullptr);
  auto client = transport::webtransport::H3Connection::client();
  transport::quic::QuicClientConfig cc;
  cc.remote = workers_.front()->server().local_address();
  cc.server_name = "localhost";
  cc.settings.alpn = {"h3"};
  cc.pinned_sha256.push_back(pin_);
  auto q = transport::quic::QuicClient::connect(loop_, cc, client.get());
  ASSERT_TRUE(q) << q.error().what;
  client->attach(*q);
  auto get = [&](const std::string& path) {
    transport::webtransport::FetchResult result;
    client->fetch("localhost", path, [&](transport::webtransport::FetchResult r) { result = std::move(r); });
    EXPECT_TRUE(pump_until([&] { return result.status != 0; })) << path;
    return result;
  };
  const auto page = get("/index.html");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(std::string(page.body.begin(), page.body.end()), "<p>hi</p>");
  EXPECT_EQ(get("/missing").status, 404);
  // A GET is not a MoQT session.
  EXPECT_EQ(metrics_.sessions.load(), 0);
  client->close(0x100, "done");
  EXPECT_TRUE(pump_until([&] { return workers_.front()->server().connection_count() == 0; }, 1s));
}

// Published on a timer, so read once they have caught up with the handshakes.
TEST_F(RelayWorkerTest, TransportCountersReachTheMetrics) {
  ASSERT_NE(start(), nullptr);
  EXPECT_EQ(metrics_.quic_handshakes.load(), 0u);
  connect_quic();
  connect_quic();
  EXPECT_TRUE(pump_until([&] { return metrics_.quic_handshakes.load() == 2; }, 3s))
      << metrics_.quic_handshakes.load();
  EXPECT_GE(metrics_.udp_datagrams_in.load(), 4u);
  EXPECT_GE(metrics_.udp_packets_out.load(), 4u);
  EXPECT_GE(metrics_.udp_bytes_out.load(), 4 * 1200u);
  EXPECT_LE(metrics_.udp_send_calls.load(), metrics_.udp_packets_out.load());
  // Never ahead of the server's own counts.
  const auto& counted = workers_.front()->server().counters();
  EXPECT_LE(metrics_.udp_datagrams_in.load(), counted.packets);
  EXPECT_EQ(metrics_.quic_stateless_resets.load(), 0u);
}

TEST_F(RelayWorkerTest, FirstWorkerKeepsTheRelayIdAndTheOthersAreNumbered) {
  RelayWorker* first = start(0, 3);
  ASSERT_NE(first, nullptr);
  // The others join the first one's port, as RelayWorkers builds them.
  setup_.server.listen = first->server().local_address();
  RelayWorker* second = start(1, 3);
  RelayWorker* third = start(2, 3);
  ASSERT_NE(second, nullptr);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(first->relay().relay_id(), "edge");
  EXPECT_EQ(second->relay().relay_id(), "edge.w1");
  EXPECT_EQ(third->relay().relay_id(), "edge.w2");
  EXPECT_EQ(second->index(), 1u);
  EXPECT_EQ(second->server().local_address().port(), port());
  EXPECT_EQ(third->server().local_address().port(), port());
}

TEST_F(RelayWorkerTest, OnlyWorkerKeepsTheRelayId) {
  RelayWorker* only = start(0, 1);
  ASSERT_NE(only, nullptr);
  EXPECT_EQ(only->relay().relay_id(), "edge");
}

TEST_F(RelayWorkerTest, UnusableListenAddressIsAnErrorNotACrash) {
  // An address this host does not have (TEST-NET-1).
  setup_.server.listen = *transport::quic::SocketAddress::parse("192.0.2.1", 0);
  auto foreign = RelayWorker::make(0, 1, setup_, metrics_);
  ASSERT_FALSE(foreign);
  EXPECT_STRNE(foreign.error().what, "");

  // A lone worker does not share its port: a second one on it is refused.
  setup_.server.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
  ASSERT_NE(start(), nullptr);
  setup_.server.listen = workers_.front()->server().local_address();
  auto taken = RelayWorker::make(0, 1, setup_, metrics_);
  ASSERT_FALSE(taken);
  EXPECT_STRNE(taken.error().what, "");
}

TEST_F(RelayWorkerTest, DestroyedWorkerClosesItsSessionsAndReleasesItsPort) {
  ASSERT_NE(start(), nullptr);
  Client& c = connect_quic();
  ASSERT_TRUE(c.handler->ready);
  const auto address = workers_.front()->server().local_address();
  workers_.clear();
  EXPECT_TRUE(pump_until([&] { return c.handler->closed; }, 3s));
  EXPECT_EQ(c.handler->reason, "relay stopped");

  // Nothing of the old worker holds the port: a lone worker binds it again.
  setup_.server.listen = address;
  RelayWorker* again = start();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->server().local_address().port(), address.port());
}

}  // namespace
}  // namespace kinetic::relay
