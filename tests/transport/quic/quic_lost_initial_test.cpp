// A client whose first Initial spans two datagrams (as Chromium's WebTransport connect
// does) and loses the first one: the server then sees an Initial without the start of the
// ClientHello, which ngtcp2 answers with NGTCP2_ERR_RETRY unless the Initial carries a Retry
// token. That must not end the connection attempt: the server answers with a Retry, forgets
// the attempt without a CONNECTION_CLOSE, and the client's next flight connects.
#include <sys/epoll.h>

#include <atomic>
#include <set>

#include "dropping_relay.hpp"
#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// A TLS extension from the private-use range (RFC 8446 §4.2) that pads client hellos by
// g_padding bytes while set, so the ClientHello no longer fits one Initial. Registered
// once for the process; servers ignore it and never send it back.
constexpr int kPaddingExtension = 0xff5a;
std::atomic<std::size_t> g_padding{0};

int padding_recv(gnutls_session_t, const unsigned char*, std::size_t) { return 0; }

int padding_send(gnutls_session_t session, gnutls_buffer_t out) {
  std::size_t n = g_padding.load();
  if (n == 0 || gnutls_ext_get_current_msg(session) != GNUTLS_EXT_FLAG_CLIENT_HELLO) return 0;
  std::vector<std::uint8_t> pad(n, 0x5a);
  if (gnutls_buffer_append_data(out, pad.data(), pad.size()) < 0) return GNUTLS_E_MEMORY_ERROR;
  return static_cast<int>(n);
}

int nothing_send(gnutls_session_t, gnutls_buffer_t) { return 0; }

bool register_padding() {
  static const bool ok = [] {
    // GnuTLS 3.7 numbers the first extension registered for the process and the first
    // registered for a session (ngtcp2's transport parameters) alike, and then takes
    // either for the other: a placeholder takes that number so the padding gets its own.
    if (gnutls_ext_register("kinetic-test-placeholder", kPaddingExtension + 1, GNUTLS_EXT_TLS, padding_recv,
                            nothing_send, nullptr, nullptr, nullptr) != 0)
      return false;
    return gnutls_ext_register("kinetic-test-padding", kPaddingExtension, GNUTLS_EXT_TLS, padding_recv,
                               padding_send, nullptr, nullptr, nullptr) == 0;
  }();
  return ok;
}

class QuicLostInitialTest : public QuicFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(register_padding());
    g_padding = 0;
  }
  void TearDown() override { g_padding = 0; }

  // Connects through `relay` with a ClientHello padded past one Initial.
  SessionPtr connect_padded(DroppingRelay& relay, ClientApp& app) {
    g_padding = 1000;
    auto cc = client_config();
    cc.remote = relay.address();
    auto s = QuicClient::connect(loop_, cc, &app);
    EXPECT_TRUE(s.ok());
    if (!s.ok()) return nullptr;
    auto session = std::move(*s);
    EXPECT_TRUE(run_until([&] { return app.ready || app.closed.has_value(); }, 10s));
    g_padding = 0;
    return session;
  }

  bool echo_works(Session& session) {
    Collector c;
    Stream* s = session.open_bidi();
    if (s == nullptr) return false;
    s->set_handler(&c);
    s->write(bytes("Eping"), true);
    bool ok = run_until([&] { return c.closed; }, 10s);
    return ok && std::string(c.data.begin(), c.data.end()) == "ping";
  }
};

TEST_F(QuicLostInitialTest, PaddedClientHelloSpansTwoDatagrams) {
  start_server();
  DroppingRelay relay(loop_, server_->local_address(), {});
  ASSERT_TRUE(relay.start());
  ClientApp app;
  auto session = connect_padded(relay, app);
  ASSERT_TRUE(app.ready);
  // The client's first flight: two full-size Initials before the server answered.
  ASSERT_GE(relay.client_sizes.size(), 2u);
  EXPECT_GE(relay.client_sizes[0], 1200u);
  EXPECT_GE(relay.client_sizes[1], 1200u);
  EXPECT_EQ(server_->counters().retries, 0u);
  EXPECT_TRUE(echo_works(*session));
}

// The server first sees the second half of the ClientHello: ngtcp2 returns
// NGTCP2_ERR_RETRY, and the server must answer with a Retry, not a CONNECTION_CLOSE.
TEST_F(QuicLostInitialTest, LostFirstInitialDatagramIsAnsweredWithRetry) {
  start_server();
  DroppingRelay relay(loop_, server_->local_address(), {0});
  ASSERT_TRUE(relay.start());
  ClientApp app;
  auto session = connect_padded(relay, app);
  ASSERT_FALSE(app.closed.has_value()) << app.closed->reason;
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(relay.dropped, 1);
  EXPECT_EQ(server_->counters().retries, 1u);
  EXPECT_TRUE(echo_works(*session));
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }, 5s));
  // The abandoned attempt left nothing behind: only the validated connection.
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_TRUE(server_app_.closes.empty());
}

// With Retry on, the first datagram of the flight that carries the token is lost. The
// token validated the address, so ngtcp2 keeps the later half of the ClientHello and the
// client's retransmission of the first half completes that same connection.
TEST_F(QuicLostInitialTest, LostFirstDatagramAfterRetryIsRecovered) {
  QuicServerConfig config;
  config.retry = true;
  start_server(config);
  // Datagrams 0 and 1: the first flight (each answered with a Retry, the client heeds one);
  // 2 and 3: the same ClientHello again, now with the token.
  DroppingRelay relay(loop_, server_->local_address(), {2});
  ASSERT_TRUE(relay.start());
  ClientApp app;
  auto session = connect_padded(relay, app);
  ASSERT_FALSE(app.closed.has_value()) << app.closed->reason;
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(relay.dropped, 1);
  EXPECT_GE(relay.client_sizes.size(), 5u);  // the retransmission came after the drop
  EXPECT_GE(server_->counters().retries, 1u);
  EXPECT_EQ(server_->counters().handshakes_started, 1u);
  EXPECT_TRUE(echo_works(*session));
  EXPECT_EQ(server_->connection_count(), 1u);
}

// The first datagram of both flights lost (before and after the Retry): still connects.
TEST_F(QuicLostInitialTest, LostFirstDatagramTwiceStillConnects) {
  start_server();
  DroppingRelay relay(loop_, server_->local_address(), {0, 2});
  ASSERT_TRUE(relay.start());
  ClientApp app;
  auto session = connect_padded(relay, app);
  ASSERT_FALSE(app.closed.has_value()) << app.closed->reason;
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(relay.dropped, 2);
  EXPECT_EQ(server_->counters().retries, 1u);
  EXPECT_TRUE(echo_works(*session));
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
