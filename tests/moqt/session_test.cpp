#include "kinetic/moqt/session.hpp"

#include <gtest/gtest.h>

#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

using wire::SessionError;

class SessionTest : public MoqtTest {
 protected:
  // Writes `request` on a new stream of the raw client `peer`, before any SETUP of its own.
  void early_request(const transport::SessionPtr& peer, const wire::ControlMessage& request) {
    const auto v = wire::version_from_alpn(GetParam());
    ASSERT_TRUE(v);
    auto* s = peer->open_bidi();
    ASSERT_NE(s, nullptr);
    const auto bytes = encoded(*v, request);
    s->write(std::span<const std::uint8_t>(bytes));
  }
  // The client's SETUP arrives now: a MoQT client session takes over the raw transport. The
  // server's SETUP went to the raw peer before, so only the server side becomes ready.
  void client_setup_arrives(const transport::SessionPtr& peer) {
    SessionOptions co;
    co.path = "/moq";
    client = Session::create(peer, co, &ch);
  }
};

constexpr std::uint64_t code_of_no_error() { return static_cast<std::uint64_t>(SessionError::kNoError); }

TEST_P(SessionTest, SetupExchangesOptionsAndPicksTheDraft) {
  connect();
  const auto expected = GetParam() == "moqt-18"   ? wire::Version::kDraft18
                        : GetParam() == "moqt-22" ? wire::Version::kDraft22
                                                  : wire::Version::kDraft20;
  EXPECT_EQ(client->version(), expected);
  EXPECT_EQ(server->version(), expected);
  EXPECT_EQ(server->peer_setup().path, "/moq");
  EXPECT_EQ(server->peer_setup().authority, "relay.example");
  EXPECT_EQ(server->peer_setup().implementation, "kinetic");
  ASSERT_EQ(server->peer_setup().tokens.size(), 1u);
  EXPECT_EQ(server->peer_setup().tokens[0].value, "secret");
  EXPECT_EQ(client->peer_setup().implementation, "kinetic");
  EXPECT_FALSE(client->peer_setup().path);
}

TEST_P(SessionTest, UnknownProtocolIsRefused) {
  transport::memory::LinkConfig config;
  config.protocol = "h3";
  auto pair = network.pair(config);
  EXPECT_EQ(Session::create(pair.client, {}, &ch), nullptr);
}

TEST_P(SessionTest, NoSetupFromThePeerTimesOut) {
  auto config = transport::memory::LinkConfig{};
  config.protocol = GetParam();
  auto pair = network.pair(config);
  SessionOptions o;
  o.setup_timeout = 500ms;
  client = Session::create(pair.client, o, &ch);
  // The server side never speaks MoQT.
  struct Silent : transport::SessionHandler {
    void on_incoming_stream(transport::Session&, transport::Stream&) override {}
    void on_closed(transport::Session&, const transport::CloseInfo&) override {}
  } silent;
  pair.server->set_handler(&silent);
  loop.run_for(1s);
  EXPECT_TRUE(ch.closed);
  EXPECT_EQ(ch.code, static_cast<std::uint64_t>(SessionError::kControlMessageTimeout));
}

TEST_P(SessionTest, GarbageOnTheControlStreamClosesWithProtocolViolation) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  auto* s = peer->open_uni();
  ASSERT_NE(s, nullptr);
  // SETUP type, then a SUBSCRIBE on the control stream (type 0x3).
  const std::uint8_t setup[] = {0x6F, 0x00, 0x00, 0x00};
  const std::uint8_t subscribe[] = {0x03, 0x00, 0x01, 0x00};
  s->write(std::span<const std::uint8_t>(setup));
  s->write(std::span<const std::uint8_t>(subscribe));
  loop.run_for(100ms);
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kProtocolViolation));
}

TEST_P(SessionTest, BidiStreamNotStartingWithARequestClosesTheSession) {
  connect();
  auto* s = client->transport().open_bidi();
  ASSERT_NE(s, nullptr);
  // REQUEST_OK (0x7) with an empty body is no request.
  const std::uint8_t msg[] = {0x07, 0x00, 0x02, 0x00, 0x00};
  s->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kProtocolViolation));
  EXPECT_TRUE(ch.closed);
}

// Streams have no order between them: a SUBSCRIBE whose stream arrives before the client's
// control stream (a lost packet is enough) waits for SETUP instead of failing the session.
TEST_P(SessionTest, RequestThatArrivesBeforeSetupWaitsForIt) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  early_request(peer, wire::Subscribe{0, track("live", "early"), {}});
  run(50ms);
  EXPECT_FALSE(sh.closed) << sh.reason;
  EXPECT_TRUE(sh.served.empty()) << "taken before SETUP";

  client_setup_arrives(peer);
  ASSERT_TRUE(loop.run_until([&] { return sh.ready && !sh.served.empty(); }, 1s));
  EXPECT_FALSE(sh.closed) << sh.reason;
  ASSERT_EQ(sh.served.size(), 1u);
  EXPECT_EQ(sh.served[0]->track(), track("live", "early"));
}

// What waits for SETUP is bounded: a stream that sends more than the session holds is reset,
// and the session goes on.
TEST_P(SessionTest, TooMuchBeforeSetupResetsThatStreamOnly) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  auto* flood = peer->open_bidi();
  ASSERT_NE(flood, nullptr);
  // A SUBSCRIBE's type and a length that promises more than a session holds before SETUP.
  std::vector<std::uint8_t> bytes = {0x03, 0xFF, 0xFF};
  bytes.resize(65'000 + 4'000, 0x41);
  flood->write(std::span<const std::uint8_t>(bytes));
  early_request(peer, wire::Subscribe{2, track("live", "kept"), {}});
  run(50ms);
  EXPECT_FALSE(sh.closed) << sh.reason;

  client_setup_arrives(peer);
  ASSERT_TRUE(loop.run_until([&] { return sh.ready && !sh.served.empty(); }, 1s));
  run(50ms);
  EXPECT_FALSE(sh.closed) << sh.reason;
  ASSERT_EQ(sh.served.size(), 1u) << "the flood was dropped, the request after it kept";
  EXPECT_EQ(sh.served[0]->track(), track("live", "kept"));
}

TEST_P(SessionTest, GoawayCarriesTheNewUriAndRefusesNewRequests) {
  connect();
  server->goaway("moqt://other.example/moq", 5s);
  run();
  ASSERT_TRUE(ch.goaway_uri);
  EXPECT_EQ(*ch.goaway_uri, "moqt://other.example/moq");
  EXPECT_TRUE(client->goaway_received());
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "video"), {}, &rs);
  ASSERT_TRUE(rs.error);
  EXPECT_EQ(rs.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kGoingAway));
}

// Session migration: the client follows the GOAWAY's URI to a second server, moves its
// subscription there and closes the old session before the timeout.
TEST_P(SessionTest, GoawayMigratesTheSubscriptionToTheNewUri) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription old_rs;
  auto old_sub = client->subscribe(track("live", "video"), {}, &old_rs);
  run();
  ASSERT_TRUE(old_rs.ok);
  server->goaway("moqt://second.example/moq", 2s);
  run();
  ASSERT_EQ(ch.goaway_uri, "moqt://second.example/moq");

  // The application connects to the new URI (another server here) and subscribes again.
  auto config = transport::memory::LinkConfig{};
  config.protocol = GetParam();
  auto pair = network.pair(config);
  RecordingSessionHandler ch2, sh2;
  sh2.on_sub = [](ServedSubscription& s) { s.accept({}); };
  SessionOptions co;
  co.path = "/moq";
  SessionOptions so;
  so.perspective = Perspective::kServer;
  auto client2 = Session::create(pair.client, co, &ch2);
  auto server2 = Session::create(pair.server, so, &sh2);
  ASSERT_TRUE(loop.run_until([&] { return ch2.ready && sh2.ready; }, 1s));
  RecordingSubscription new_rs;
  auto new_sub = client2->subscribe(track("live", "video"), {}, &new_rs);
  run();
  ASSERT_TRUE(new_rs.ok);
  old_sub->unsubscribe();
  client->close(code_of_no_error(), "migrated");
  run(3s);
  // The old server saw a clean close, not its GOAWAY timeout.
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, 0u);
  auto* w = sh2.served[0]->open_subgroup({0, 0});
  ASSERT_NE(w, nullptr);
  w->write(0, bytes("after migration"));
  run();
  ASSERT_EQ(new_rs.objects.size(), 1u);
  EXPECT_EQ(text(new_rs.objects[0].payload), "after migration");
  EXPECT_FALSE(ch2.closed);
}

TEST_P(SessionTest, GoawayTimeoutClosesASessionThatDidNotMove) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "video"), {}, &rs);
  run();
  server->goaway({}, 1s);
  run(500ms);
  ASSERT_TRUE(ch.goaway_uri);
  EXPECT_EQ(*ch.goaway_uri, "");  // the same URI
  EXPECT_FALSE(ch.closed);
  run(1s);
  EXPECT_TRUE(ch.closed);
  EXPECT_EQ(ch.code, static_cast<std::uint64_t>(SessionError::kGoawayTimeout));
}

TEST_P(SessionTest, RequestsAfterOurGoawayAreRefusedWithGoingAway) {
  connect();
  server->goaway();
  RecordingSubscription rs;
  // The client subscribes before it has seen the GOAWAY.
  auto sub = client->subscribe(track("live", "video"), {}, &rs);
  run();
  ASSERT_TRUE(rs.error);
  EXPECT_EQ(rs.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kGoingAway));
}

TEST_P(SessionTest, RequestsWaitForStreamCreditWhenBlocked) {
  transport::memory::LinkConfig config;
  config.max_bidi_streams = 2;
  connect(config);
  sh.on_req = [](IncomingRequest& r) { r.accept(); };
  std::vector<RecordingRequest> handlers(4);
  std::vector<std::shared_ptr<OutgoingRequest>> reqs;
  for (int i = 0; i < 4; ++i) {
    reqs.push_back(client->publish_namespace({{"ns" + std::to_string(i)}}, &handlers[i]));
  }
  EXPECT_EQ(client->blocked_requests(), 2u);
  run();
  EXPECT_TRUE(handlers[0].ok);
  EXPECT_TRUE(handlers[1].ok);
  EXPECT_FALSE(handlers[2].ok);
  // Withdrawing two namespaces returns their stream credit; the queued requests go out.
  reqs[0]->cancel();
  reqs[1]->cancel();
  for (auto& r : sh.requests) r->close();
  run(500ms);
  EXPECT_TRUE(handlers[2].ok);
  EXPECT_TRUE(handlers[3].ok);
  EXPECT_EQ(client->blocked_requests(), 0u);
}

TEST_P(SessionTest, TooManyConcurrentRequestsAreRefused) {
  max_incoming = 1;
  connect();
  sh.on_req = [](IncomingRequest& r) { r.accept(); };
  RecordingRequest a, b;
  auto ra = client->publish_namespace({{"a"}}, &a);
  auto rb = client->publish_namespace({{"b"}}, &b);
  run();
  EXPECT_TRUE(a.ok);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kExcessiveLoad));
}

TEST_P(SessionTest, PeerClosingEndsEveryRequest) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "video"), {}, &rs);
  run();
  ASSERT_TRUE(rs.ok);
  server->close(0, "bye");
  run();
  EXPECT_TRUE(ch.closed);
  EXPECT_TRUE(rs.done);
  EXPECT_EQ(sub->state(), RequestState::kDone);
}

// moqt-22 (wire-identical to 20) runs the whole session suite too.
INSTANTIATE_TEST_SUITE_P(Drafts, SessionTest, ::testing::Values("moqt-18", "moqt-20", "moqt-22"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
