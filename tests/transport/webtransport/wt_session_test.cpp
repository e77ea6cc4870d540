// WebTransport sessions end to end over the in-memory transport: our client against our
// server, on virtual time.
#include "kinetic/transport/webtransport/wt_session.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "kinetic/transport/webtransport/h3_errors.hpp"
#include "wt_test_peers.hpp"

namespace kinetic::transport::webtransport {
namespace {

using namespace std::chrono_literals;
using testing::bytes_of;

class WtSessionTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> offered = {"moqt-18", "moqt-20"}) {
    memory::LinkConfig link;
    link.protocol = "h3";
    pair_ = net_.pair(link);
    ServerOptions options;
    options.on_session = [this](SessionPtr s) {
      server_session_ = s;
      s->set_handler(&echo_);
    };
    server_ = H3Connection::server(pair_.server, options);
    client_ = H3Connection::client();
    client_->attach(pair_.client);
    ClientOptions copts;
    copts.authority = "relay.test:443";
    copts.path = "/moq";
    copts.protocols = std::move(offered);
    session_ = client_->connect(copts);
    session_->set_handler(&rec_);
    ASSERT_TRUE(run([&] { return rec_.ready || rec_.closed; }));
  }

  void TearDown() override {
    session_.reset();
    server_session_.reset();
    // Connections hold themselves until their QUIC session closes.
    if (client_) client_->close(h3::kNoError, "test over");
    if (server_) server_->close(h3::kNoError, "test over");
    loop_.run_for(1s);
  }

  bool run(const std::function<bool()>& done) { return loop_.run_until(done, 10s); }

  memory::SimulatedLoop loop_;
  memory::MemoryNetwork net_{loop_, 11};
  memory::SessionPair pair_;
  std::shared_ptr<H3Connection> server_, client_;
  testing::EchoServer echo_;
  testing::Recorder rec_;
  SessionPtr session_, server_session_;
};

TEST_F(WtSessionTest, NegotiatesTheServersPreferredProtocol) {
  start();
  ASSERT_TRUE(rec_.ready);
  EXPECT_EQ(session_->protocol(), "moqt-20");
  EXPECT_EQ(session_->path(), "/moq");
  ASSERT_TRUE(server_session_);
  EXPECT_EQ(server_session_->protocol(), "moqt-20");
  EXPECT_EQ(server_session_->path(), "/moq");
  EXPECT_EQ(echo_.ready, 1);
}

TEST_F(WtSessionTest, FallsBackToTheOlderDraft) {
  start({"moqt-18"});
  EXPECT_EQ(session_->protocol(), "moqt-18");
}

TEST_F(WtSessionTest, NoCommonProtocolLeavesItEmpty) {
  start({"moqt-17"});
  ASSERT_TRUE(rec_.ready);
  EXPECT_EQ(session_->protocol(), "");
}

TEST_F(WtSessionTest, EchoesBidiUniAndDatagrams) {
  start();
  Stream* bidi = session_->open_bidi();
  ASSERT_NE(bidi, nullptr);
  bidi->set_handler(&rec_);
  bidi->write(bytes_of("hello bidi"), true);
  Stream* uni = session_->open_uni();
  ASSERT_NE(uni, nullptr);
  uni->write(bytes_of("hello uni"), true);
  ASSERT_TRUE(session_->send_datagram(bytes_of("hello datagram")));
  ASSERT_TRUE(run([&] { return rec_.finished.size() == 2 && rec_.datagrams.size() == 1; }));
  EXPECT_EQ(rec_.finished_text(true), "hello bidi");
  EXPECT_EQ(rec_.finished_text(false), "hello uni");
  EXPECT_EQ(std::string(rec_.datagrams[0].begin(), rec_.datagrams[0].end()), "hello datagram");
  EXPECT_GT(session_->max_datagram_size(), 1000u);
  EXPECT_FALSE(session_->send_datagram(std::vector<std::uint8_t>(session_->max_datagram_size() + 1)));
}

TEST_F(WtSessionTest, ClientCloseReachesServerWithCodeAndReason) {
  start();
  session_->close(42, "done here");
  EXPECT_TRUE(rec_.closed);
  EXPECT_FALSE(rec_.close_info.by_peer);
  ASSERT_TRUE(run([&] { return echo_.closed; }));
  EXPECT_EQ(echo_.close_info.code, 42u);
  EXPECT_EQ(echo_.close_info.reason, "done here");
  EXPECT_TRUE(echo_.close_info.by_peer);
  EXPECT_EQ(session_->open_bidi(), nullptr);
  EXPECT_FALSE(session_->send_datagram(bytes_of("late")));
}

TEST_F(WtSessionTest, ServerCloseReachesClient) {
  start();
  Stream* bidi = session_->open_bidi();
  bidi->set_handler(&rec_);
  bidi->write(bytes_of("X"), false);
  ASSERT_TRUE(run([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.close_info.code, 77u);
  EXPECT_EQ(rec_.close_info.reason, "asked to close");
  EXPECT_TRUE(rec_.close_info.by_peer);
}

TEST_F(WtSessionTest, ResetCodesAreWebTransportCodesOnBothEnds) {
  start();
  Stream* bidi = session_->open_bidi();
  bidi->set_handler(&rec_);
  bidi->write(bytes_of("abc"), false);
  ASSERT_TRUE(run([&] { return !rec_.received.empty(); }));
  bidi->reset(12345);
  ASSERT_TRUE(run([&] { return !echo_.resets.empty(); }));
  EXPECT_EQ(echo_.resets[0], 12345u);
}

TEST_F(WtSessionTest, DrainIsSignalled) {
  start();
  bool drained = false;
  auto* server_wt = dynamic_cast<WtSession*>(server_session_.get());
  ASSERT_NE(server_wt, nullptr);
  server_wt->set_on_drain([&] { drained = true; });
  dynamic_cast<WtSession&>(*session_).drain();
  ASSERT_TRUE(run([&] { return drained; }));
  EXPECT_FALSE(rec_.closed);
}

TEST_F(WtSessionTest, DroppingTheSessionClosesItForThePeer) {
  start();
  session_.reset();
  ASSERT_TRUE(run([&] { return echo_.closed; }));
  EXPECT_EQ(echo_.close_info.code, 0u);
  EXPECT_FALSE(rec_.closed);  // a dropped session calls no handler
}

TEST_F(WtSessionTest, QuicCloseEndsTheSession) {
  start();
  pair_.server->close(h3::kNoError, "server going away");
  ASSERT_TRUE(run([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.close_info.code, h3::kNoError);
}

}  // namespace
}  // namespace kinetic::transport::webtransport
