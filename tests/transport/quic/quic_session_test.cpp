#include "kinetic/transport/quic/quic_session.hpp"

#include <list>
#include <optional>

#include "../../heap_in_use.hpp"
#include "dropping_relay.hpp"
#include "kinetic/transport/quic/peer_stream_records.hpp"
#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

struct SinkLink;

class QuicSessionTest : public QuicFixture {
 protected:
  void SetUp() override { start_server(); }

 public:
  bool run(const std::function<bool()>& done, Duration timeout) { return run_until(done, timeout); }

 protected:
  // Uploads 1 MB over `session` and checks the server's SHA-256 came back. The collectors outlive
  // the sessions: a stream's last callbacks (its close, once the final ACKs are in) may come
  // after the upload has returned, while the loop runs for the next one.
  void upload_megabyte(Session& session) {
    constexpr std::size_t kSize = 1 << 20;
    std::vector<std::uint8_t> payload(kSize);
    fill_pattern(0, payload.data(), kSize);
    Collector& c = collectors_.emplace_back();
    Stream* s = session.open_bidi();
    s->set_handler(&c);
    s->write(bytes("S"));
    s->write(kinetic::SharedBytes(std::move(payload)), true);
    EXPECT_TRUE(run_until([&] { return c.fin; }, 20s));
    EXPECT_EQ(c.data.size(), 32u);
  }
  std::list<Collector> collectors_;
  // A client whose datagrams all pass through `relay`, which this starts.
  SessionPtr connect_through(DroppingRelay& relay, ClientApp& app) {
    EXPECT_TRUE(relay.start());
    auto config = client_config();
    config.remote = relay.address();
    auto session = connect(app, config);
    EXPECT_TRUE(app.ready);
    return session;
  }

  // Restarts the server with `config` (its stream limit) and opens three times that many
  // finished streams of one kind from a client.
  void check_credit_returns(QuicServerConfig config, bool bidi);
  // Restarts the server with `config` and connects `link`.
  void connect_sink(QuicServerConfig config, SinkLink& link);
};

TEST_F(QuicSessionTest, HandshakeNegotiatesNewestMoqtAndReportsPeer) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(session->protocol(), "moqt-22");  // wire-identical to 20, newest
  EXPECT_TRUE(session->path().empty());
  EXPECT_EQ(session->peer_address(), server_->local_address().to_string());
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  ASSERT_EQ(server_sessions_.size(), 1u);
  EXPECT_EQ(server_sessions_[0]->protocol(), "moqt-22");
}

TEST_F(QuicSessionTest, EchoOverBidiStream) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  Collector c;
  Stream* s = session->open_bidi();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->bidirectional());
  EXPECT_TRUE(s->locally_opened());
  s->set_handler(&c);
  s->write(bytes("Ehello "));
  s->write(kinetic::SharedBytes::copy(std::string_view("world")), true);
  ASSERT_TRUE(run_until([&] { return c.closed; }));
  EXPECT_EQ(std::string(c.data.begin(), c.data.end()), "hello world");
  EXPECT_TRUE(c.fin);
}

TEST_F(QuicSessionTest, EchoOverUniStreams) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  Stream* s = session->open_uni();
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->bidirectional());
  s->write(bytes("one way"), true);
  ASSERT_TRUE(run_until([&] { return !app.incoming.empty() && app.collectors[0]->fin; }));
  auto& c = *app.collectors[0];
  EXPECT_EQ(std::string(c.data.begin(), c.data.end()), "one way");
  EXPECT_FALSE(app.incoming_kinds[0].bidirectional);
  EXPECT_FALSE(app.incoming_kinds[0].locally_opened);
}

TEST_F(QuicSessionTest, OneMegabyteUploadMatchesSha256) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  constexpr std::size_t kSize = 1 << 20;
  std::vector<std::uint8_t> payload(kSize);
  fill_pattern(0, payload.data(), kSize);
  Collector c;
  Stream* s = session->open_bidi();
  s->set_handler(&c);
  s->write(bytes("S"));
  // Many small writes and one big shared buffer: both paths must keep the byte order.
  for (std::size_t off = 0; off < kSize / 2; off += 1000)
    s->write(std::span<const std::uint8_t>(payload.data() + off, std::min<std::size_t>(1000, kSize / 2 - off)));
  s->write(kinetic::SharedBytes(std::vector<std::uint8_t>(payload.begin() + kSize / 2, payload.end())), true);
  ASSERT_TRUE(run_until([&] { return c.fin; }));
  ASSERT_EQ(c.data.size(), 32u);
  Sha256 got;
  std::memcpy(got.data(), c.data.data(), 32);
  EXPECT_EQ(got, sha256_of(payload.data(), payload.size()));
}

// ngtcp2 0.12 counts no lost packets; stats().packets_lost counts its loss events (recovery
// periods), so the relay's path score sees loss over real QUIC too.
TEST_F(QuicSessionTest, LossCountRisesWhenPacketsAreLostAndStaysZeroOnACleanPath) {
  ClientApp clean_app;
  auto clean = connect(clean_app);
  ASSERT_TRUE(clean_app.ready);
  upload_megabyte(*clean);
  EXPECT_EQ(clean->stats().packets_lost, 0u);

  // One client datagram in eight lost once the handshake is done.
  DroppingRelay relay(loop_, server_->local_address(), {});
  relay.set_drop_if([](int index) { return index >= 8 && index % 8 == 0; });
  ClientApp lossy_app;
  auto lossy = connect_through(relay, lossy_app);
  ASSERT_TRUE(lossy_app.ready);
  upload_megabyte(*lossy);
  const auto lost = lossy->stats().packets_lost;
  EXPECT_GT(lost, 0u) << relay.dropped << " datagrams dropped";
  EXPECT_LE(lost, static_cast<std::uint64_t>(relay.dropped)) << "one loss event covers one or more lost packets";
}

// QUIC starts at 1,200-byte packets; ngtcp2's Path MTU discovery probes for larger ones once
// the handshake is confirmed. Every packet costs the same work whatever its size, so a path that
// takes 1,452 bytes carries a fifth more per packet.
TEST_F(QuicSessionTest, PathMtuDiscoveryGrowsPacketsBeyondQuicsMinimum) {
  DroppingRelay relay(loop_, server_->local_address(), {});  // drops nothing, records sizes
  ClientApp app;
  auto session = connect_through(relay, app);
  ASSERT_TRUE(app.ready);
  upload_megabyte(*session);
  EXPECT_GT(session->stats().max_udp_payload, 1200u);
  std::size_t large = 0;
  for (auto size : relay.client_sizes) large += size > 1200 ? 1 : 0;
  EXPECT_GT(large, relay.client_sizes.size() / 2) << "of " << relay.client_sizes.size() << " client datagrams";
}

// A path that drops anything over 1,200 bytes loses only the probes: the transfer completes
// and the packets stay at the size the path proved.
TEST_F(QuicSessionTest, PathThatDropsLargeDatagramsKeepsQuicsMinimum) {
  DroppingRelay relay(loop_, server_->local_address(), {});
  relay.set_drop_if([&relay](int index) { return relay.client_sizes[static_cast<std::size_t>(index)] > 1200; });
  ClientApp app;
  auto session = connect_through(relay, app);
  ASSERT_TRUE(app.ready);
  upload_megabyte(*session);
  EXPECT_EQ(session->stats().max_udp_payload, 1200u);
  EXPECT_GT(relay.dropped, 0) << "the probes";
  EXPECT_LE(relay.dropped, 10) << "only the probes";
}

// A connection that sends bursts (a relay's subscriber: one object, then quiet until the next)
// hears each burst's ACK long before its loss timer is due, and then has nothing in flight. A
// timer left armed at the old loss time would wake the loop once per burst to send nothing.
TEST_F(QuicSessionTest, AnAcknowledgedBurstLeavesNoTimerToWakeFor) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  Stream* s = session->open_uni();
  ASSERT_NE(s, nullptr);
  const std::vector<std::uint8_t> object(4000, 0x5a);  // several packets: the peer ACKs at once
  auto burst_then_quiet = [&] {
    const auto sent_before = session->stats().bytes_sent;
    s->write(std::span<const std::uint8_t>(object));
    ASSERT_TRUE(run_until([&] {
      auto st = session->stats();
      return st.bytes_sent > sent_before + object.size() && st.bytes_in_flight == 0;
    }, 5s));
    const auto quiet_until = loop_.now() + 40ms;  // past the burst's loss timer
    run_until([&] { return loop_.now() >= quiet_until; }, 2s);
  };
  for (int i = 0; i < 5; ++i) burst_then_quiet();  // Path MTU probes and the first RTT samples settle
  const auto idle_before = session->stats().idle_timer_wakeups;
  constexpr int kBursts = 20;
  for (int i = 0; i < kBursts; ++i) burst_then_quiet();
  EXPECT_LT(session->stats().idle_timer_wakeups - idle_before, static_cast<std::uint64_t>(kBursts / 4));
}

TEST_F(QuicSessionTest, HundredMegabyteDownloadMatchesSha256) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  constexpr std::uint64_t kSize = 100ull << 20;
  Collector c;
  c.keep = false;
  Stream* s = session->open_bidi();
  s->set_handler(&c);
  std::uint8_t req[9] = {'D'};
  std::memcpy(req + 1, &kSize, 8);
  s->write(std::span<const std::uint8_t>(req, 9), true);
  ASSERT_TRUE(run_until([&] { return c.fin; }, 120s));
  EXPECT_EQ(c.received, kSize);
  EXPECT_EQ(c.hasher.finish(), pattern_sha256(kSize));
  auto st = session->stats();
  EXPECT_GT(st.bytes_received, kSize);
  EXPECT_GT(st.smoothed_rtt.count(), 0);
  EXPECT_GT(st.congestion_window, 0u);
}

TEST_F(QuicSessionTest, DatagramsRoundTrip) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  ASSERT_GT(session->max_datagram_size(), 1000u);
  EXPECT_FALSE(session->send_datagram(std::vector<std::uint8_t>(session->max_datagram_size() + 1)));
  for (int i = 0; i < 10; ++i) {
    std::vector<std::uint8_t> d(100 + i, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(session->send_datagram(d));
  }
  // Loopback does not lose, so every datagram comes back.
  ASSERT_TRUE(run_until([&] { return app.datagrams.size() == 10; }));
  for (const auto& d : app.datagrams) {
    ASSERT_GE(d.size(), 100u);
    EXPECT_EQ(d.size(), 100u + d[0]);
  }
}

TEST_F(QuicSessionTest, DatagramsOffWhenPeerDisablesThem) {
  server_.reset();
  QuicServerConfig config;
  config.settings.max_datagram_frame_size = 0;
  start_server(config);
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  EXPECT_EQ(session->max_datagram_size(), 0u);
  EXPECT_FALSE(session->send_datagram(bytes("x")));
}

TEST_F(QuicSessionTest, CloseCodeAndReasonReachThePeer) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  session->close(0x42, "going away");
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_FALSE(app.closed->by_peer);
  ASSERT_TRUE(run_until([&] { return !server_app_.closes.empty(); }));
  EXPECT_EQ(server_app_.closes[0].code, 0x42u);
  EXPECT_EQ(server_app_.closes[0].reason, "going away");
  EXPECT_TRUE(server_app_.closes[0].by_peer);
  EXPECT_FALSE(server_app_.closes[0].idle_timeout);
  EXPECT_EQ(session->open_bidi(), nullptr);
}

TEST_F(QuicSessionTest, ServerCloseReachesClient) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  server_sessions_[0]->close(7, "bye");
  ASSERT_TRUE(run_until([&] { return app.closed.has_value(); }));
  EXPECT_EQ(app.closed->code, 7u);
  EXPECT_EQ(app.closed->reason, "bye");
  EXPECT_TRUE(app.closed->by_peer);
}

TEST_F(QuicSessionTest, VanishedPeerTriggersIdleTimeout) {
  server_.reset();
  QuicServerConfig config;
  config.settings.idle_timeout = 300ms;
  start_server(config);
  auto cc = client_config();
  cc.settings.idle_timeout = 300ms;
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  // The server vanishes without a word (and without a socket to answer from); the
  // client only learns it from silence.
  server_->drop_all_connections();
  server_.reset();
  ASSERT_TRUE(run_until([&] { return app.closed.has_value(); }, 5s));
  EXPECT_TRUE(app.closed->idle_timeout);
  EXPECT_FALSE(app.closed->by_peer);
}

TEST_F(QuicSessionTest, ClientThatVanishesTimesOutOnServer) {
  server_.reset();
  QuicServerConfig config;
  config.settings.idle_timeout = 300ms;
  start_server(config);
  auto cc = client_config();
  cc.settings.idle_timeout = 300ms;
  {
    ClientApp app;
    auto session = connect(app, cc);
    ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
    // Silence the client: stop its socket from ever being read or written again.
    std::static_pointer_cast<QuicSession>(session)->detach(false);
  }
  ASSERT_TRUE(run_until([&] { return !server_app_.closes.empty(); }, 5s));
  EXPECT_TRUE(server_app_.closes[0].idle_timeout);
  EXPECT_TRUE(run_until([&] { return server_->connection_count() == 0; }, 2s));
}

TEST_F(QuicSessionTest, KeepAliveOutlivesTheIdleTimeout) {
  server_.reset();
  QuicServerConfig config;
  // A keep-alive 450 ms inside the idle timeout: a loaded machine may hold this thread back
  // for a few hundred milliseconds, which is not what this test is about.
  config.settings.idle_timeout = 600ms;
  start_server(config);
  auto cc = client_config();
  cc.settings.idle_timeout = 600ms;
  cc.settings.keep_alive = 150ms;
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.ready);
  loop_.run_until([] { return false; }, 1800ms);
  EXPECT_FALSE(app.closed.has_value());
  EXPECT_TRUE(server_app_.closes.empty());
}

TEST_F(QuicSessionTest, ResetAndStopSendingCarryCodes) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  Collector c;
  Stream* s = session->open_bidi();
  s->set_handler(&c);
  s->write(bytes("Epartial"));
  ASSERT_TRUE(run_until([&] { return c.data.size() == 7; }));
  s->stop_sending(0x11);
  s->reset(0x22);
  // The peer's QUIC stack answers STOP_SENDING with RESET_STREAM carrying our code.
  ASSERT_TRUE(run_until([&] { return !server_app_.resets.empty() && c.reset_code.has_value(); }));
  EXPECT_EQ(server_app_.resets[0], 0x22u);
  EXPECT_EQ(*c.reset_code, 0x11u);
  ASSERT_TRUE(run_until([&] { return c.closed; }));
}

TEST_F(QuicSessionTest, SharedBytesAreHeldUntilAcknowledged) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  kinetic::SharedBytes payload(std::vector<std::uint8_t>(200'000, 'x'));
  Collector c;
  auto* s = static_cast<QuicStream*>(session->open_bidi());
  s->set_handler(&c);
  s->write(bytes("S"));
  s->write(payload, true);
  EXPECT_EQ(payload.use_count(), 2);  // ours and the stream's, no copy
  EXPECT_EQ(s->queued_bytes(), 200'001u);
  ASSERT_TRUE(run_until([&] { return c.fin; }));
  ASSERT_TRUE(run_until([&] { return payload.use_count() == 1; }));
}

TEST_F(QuicSessionTest, LowerSendOrderGoesFirst) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  // Queue everything before the loop runs, so only the scheduler decides the order.
  auto& server = *server_sessions_[0];
  constexpr std::size_t kSize = 3 << 20;
  std::vector<Stream*> streams;
  for (std::uint64_t order : {30, 10, 20}) {
    Stream* s = server.open_uni();
    ASSERT_NE(s, nullptr);
    s->set_send_order(order);
    s->write(kinetic::SharedBytes(std::vector<std::uint8_t>(kSize, static_cast<std::uint8_t>(order))), true);
    streams.push_back(s);
  }
  std::vector<std::uint8_t> finish_order;
  ASSERT_TRUE(run_until([&] {
    for (auto& c : app.collectors) {
      auto& col = *c;
      if (col.fin && !col.data.empty() &&
          std::find(finish_order.begin(), finish_order.end(), col.data[0]) == finish_order.end())
        finish_order.push_back(col.data[0]);
    }
    return finish_order.size() == 3;
  }));
  EXPECT_EQ(finish_order, (std::vector<std::uint8_t>{10, 20, 30}));
}

TEST_F(QuicSessionTest, OnWritableFiresAfterBackPressure) {
  ClientApp app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  Collector c;
  Stream* s = session->open_bidi();
  s->set_handler(&c);
  s->write(bytes("S"));
  s->write(kinetic::SharedBytes(std::vector<std::uint8_t>(4 << 20, 1)));
  EXPECT_GT(s->queued_bytes(), std::size_t{1} << 20);
  ASSERT_TRUE(run_until([&] { return c.writable > 0; }));
  EXPECT_LE(s->queued_bytes(), std::size_t{1} << 20);
  s->finish();
  ASSERT_TRUE(run_until([&] { return c.fin; }));
}

TEST_F(QuicSessionTest, ManyStreamsBeyondPeerLimitWaitForCredit) {
  server_.reset();
  QuicServerConfig config;
  config.settings.max_streams_bidi = 4;
  start_server(config);
  struct App : ClientApp {
    int available = 0;
    void on_streams_available(Session& s) override {
      (void)s;
      ++available;
    }
  } app;
  auto session = connect(app);
  ASSERT_TRUE(app.ready);
  std::vector<std::unique_ptr<Collector>> cs;
  int opened = 0;
  for (int i = 0; i < 4; ++i) {
    Stream* s = session->open_bidi();
    ASSERT_NE(s, nullptr);
    cs.push_back(std::make_unique<Collector>());
    s->set_handler(cs.back().get());
    s->write(bytes("Ex"), true);
    ++opened;
  }
  EXPECT_EQ(session->open_bidi(), nullptr);
  app.available = 0;
  ASSERT_TRUE(run_until([&] { return app.available > 0; }));
  EXPECT_NE(session->open_bidi(), nullptr);
}


// Counts what arrives on incoming streams without answering, so only the client spends
// stream credit.
struct SinkApp : SessionHandler, StreamHandler {
  int fins = 0;
  std::uint64_t bytes = 0;
  void on_incoming_stream(Session& s, Stream& stream) override {
    (void)s;
    stream.set_handler(this);
  }
  void on_data(Stream& s, std::span<const std::uint8_t> data, bool fin) override {
    bytes += data.size();
    if (fin) ++fins;
    // Bidi streams are answered with an empty fin so both sides can close them.
    if (fin && s.bidirectional()) s.finish();
  }
  void on_closed(Session& s, const CloseInfo& info) override {
    (void)s;
    (void)info;
  }
  void on_closed(Stream& s) override { (void)s; ++closed; }
  int closed = 0;
};

// A peer's credit for new streams must come back as streams finish, or a long-lived
// session that opens one stream per group stops after max_streams of them.
void open_many_finished_streams(QuicSessionTest& f, Session& session, bool bidi, int total, SinkApp& sink,
                                int& available) {
  std::vector<std::unique_ptr<Collector>> collectors;
  int opened = 0;
  auto open_what_credit_allows = [&] {
    while (opened < total) {
      Stream* s = bidi ? session.open_bidi() : session.open_uni();
      if (s == nullptr) return;
      if (bidi) {
        collectors.push_back(std::make_unique<Collector>());
        s->set_handler(collectors.back().get());
      }
      s->write(bytes("group"), true);
      ++opened;
    }
  };
  open_what_credit_allows();
  EXPECT_LT(opened, total);  // the peer's limit was reached
  int seen = -1;
  bool done = f.run(
      [&] {
        if (available != seen) {
          seen = available;
          open_what_credit_allows();
        }
        return sink.fins == total;
      },
      5s);
  EXPECT_TRUE(done) << "opened " << opened << ", peer saw " << sink.fins << " of " << total << ", closed " << sink.closed << ", credit callbacks " << available;
  EXPECT_EQ(sink.bytes, static_cast<std::uint64_t>(total) * 5);
}

struct CreditApp : ClientApp {
  int available = 0;
  void on_streams_available(Session& s) override {
    (void)s;
    ++available;
  }
};

struct SessionDetach {
  explicit SessionDetach(Session& s) : session(s) {}
  SessionDetach(const SessionDetach&) = delete;
  SessionDetach& operator=(const SessionDetach&) = delete;
  ~SessionDetach() { session.set_handler(nullptr); }
  Session& session;
};

// A client session whose server side counts what arrives into `sink`, until `detach` goes (first).
struct SinkLink {
  CreditApp app;
  SinkApp sink;
  SessionPtr session;
  std::optional<SessionDetach> detach;
};

void QuicSessionTest::connect_sink(QuicServerConfig config, SinkLink& link) {
  server_.reset();
  start_server(config);
  link.session = connect(link.app);
  ASSERT_TRUE(link.app.ready);
  ASSERT_TRUE(run_until([&] { return server_sessions_.size() == 1; }));
  server_sessions_[0]->set_handler(&link.sink);
  // The server session outlives the test: it must not call back into `sink` afterwards.
  link.detach.emplace(*server_sessions_[0]);
}

void QuicSessionTest::check_credit_returns(QuicServerConfig config, bool bidi) {
  SinkLink link;
  connect_sink(config, link);
  if (HasFatalFailure()) return;
  open_many_finished_streams(*this, *link.session, bidi, 300, link.sink, link.app.available);
}

TEST_F(QuicSessionTest, UniStreamCreditReturnsAsStreamsFinish) {
  QuicServerConfig config;
  config.settings.max_streams_uni = 100;
  check_credit_returns(config, false);
}

// A track sends each group on a unidirectional stream of its own for as long as the session
// lasts: what the receiving end keeps per finished stream grows without bound. ngtcp2 0.12
// kept ~175 bytes each (see peer_stream_records.hpp).
TEST_F(QuicSessionTest, FinishedPeerUniStreamsLeaveNoStateBehind) {
  if (!kReleasesPeerStreamRecords && NGTCP2_VERSION_NUM < 0x000d00)
    GTEST_SKIP() << "ngtcp2 0.12 linked without its static archive keeps a record per stream";
  QuicServerConfig config;
  config.settings.max_streams_uni = 100;
  SinkLink link;
  connect_sink(config, link);
  if (HasFatalFailure()) return;
  auto streams = [&](int n) {
    link.sink.fins = 0;
    link.sink.bytes = 0;
    open_many_finished_streams(*this, *link.session, false, n, link.sink, link.app.available);
    // The last FINs' ACKs, after which the client frees its side.
    (void)run_until([] { return false; }, 50ms);
  };
  streams(500);  // warm-up: pools, maps and the arena reach their working size
  constexpr int kStreams = 2000;
  const std::int64_t grown = kinetic::testing::smaller_growth_of_two_windows([&](int) { streams(kStreams); });
  EXPECT_LT(grown, kStreams * 16) << "heap grew " << grown << " bytes over " << kStreams << " finished streams";
}

TEST_F(QuicSessionTest, BidiStreamCreditReturnsAsStreamsFinish) {
  QuicServerConfig config;
  config.settings.max_streams_bidi = 100;
  check_credit_returns(config, true);
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
