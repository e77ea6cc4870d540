// What a session does with a peer that breaks the rules: each case closes that session with
// the draft's error code, and nothing else (a second session on the same loop goes on).
#include <gtest/gtest.h>

#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_object.hpp"
#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

using wire::SessionError;

constexpr auto code(SessionError e) { return static_cast<std::uint64_t>(e); }

class SessionDispatchTest : public MoqtTest {
 protected:
  // A second, well-behaved pair whose subscription must outlive the broken session.
  void start_bystander() {
    auto config = transport::memory::LinkConfig{};
    config.protocol = GetParam();
    auto pair = network.pair(config);
    SessionOptions co;
    co.path = "/moq";
    SessionOptions so;
    so.perspective = Perspective::kServer;
    bystander_server_handler.on_sub = [](ServedSubscription& s) { s.accept({}); };
    bystander_client = Session::create(pair.client, co, &bystander_client_handler);
    bystander_server = Session::create(pair.server, so, &bystander_server_handler);
    ASSERT_TRUE(loop.run_until([&] { return bystander_client_handler.ready && bystander_server_handler.ready; }, 1s));
    bystander_sub = bystander_client->subscribe(track("live", "ok"), {}, &bystander);
    run();
    ASSERT_TRUE(bystander.ok);
  }
  // A control stream from `peer` that carries SETUP twice (FIN with the second when `fin`).
  void send_setup_twice(transport::Session& peer, bool fin) {
    auto setup = encoded(server->version(), wire::Setup{});
    auto twice = setup;
    twice.insert(twice.end(), setup.begin(), setup.end());
    peer.open_uni()->write(std::span<const std::uint8_t>(twice), fin);
    run();
  }
  void expect_bystander_unharmed() {
    ASSERT_EQ(bystander_server_handler.served.size(), 1u);
    auto* w = bystander_server_handler.served[0]->open_subgroup({0, 0});
    ASSERT_NE(w, nullptr);
    w->write(0, bytes("still here"));
    run();
    EXPECT_EQ(bystander.objects.size(), 1u);
    EXPECT_FALSE(bystander_client_handler.closed);
    EXPECT_FALSE(bystander_server_handler.closed);
  }
  // Writes `bytes` on a new bidirectional stream from the client's transport, bypassing its session.
  void raw_request(const std::vector<std::uint8_t>& bytes, bool fin = false) {
    auto* s = client->transport().open_bidi();
    ASSERT_NE(s, nullptr);
    s->write(std::span<const std::uint8_t>(bytes), fin);
    run();
  }
  std::vector<std::uint8_t> frame(std::uint64_t type, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out;
    wire::ByteWriter w(out);
    w.varint(type);
    w.u16(static_cast<std::uint16_t>(body.size()));
    w.bytes(std::span<const std::uint8_t>(body));
    return out;
  }
  void expect_server_closed(SessionError e) {
    EXPECT_TRUE(sh.closed);
    EXPECT_EQ(sh.code, code(e)) << sh.reason;
    // The client learns the same code from the transport.
    EXPECT_TRUE(ch.closed);
    EXPECT_EQ(ch.code, code(e));
  }

  void expect_client_closed(SessionError e) {
    EXPECT_TRUE(ch.closed);
    EXPECT_EQ(ch.code, code(e)) << ch.reason;
    EXPECT_TRUE(sh.closed);
    EXPECT_EQ(sh.code, code(e));
  }
  // Track properties no TrackInfo flag can produce: DYNAMIC_GROUPS is only 0 or 1.
  static TrackInfo dynamic_groups_of_two() {
    TrackInfo info;
    info.track_properties.push_back(KeyValuePair::varint(wire::property::kDynamicGroups, 2));
    return info;
  }

  RecordingSessionHandler bystander_client_handler, bystander_server_handler;
  std::shared_ptr<Session> bystander_client, bystander_server;
  RecordingSubscription bystander;
  std::shared_ptr<Subscription> bystander_sub;
};

TEST_P(SessionDispatchTest, UnknownMessageTypeOnARequestStream) {
  start_bystander();
  connect();
  raw_request(frame(0x3E, {0x00, 0x01}));
  expect_server_closed(SessionError::kProtocolViolation);
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, MessageLongerThanItsFields) {
  start_bystander();
  connect();
  // PUBLISH_NAMESPACE {request 0, namespace "a", no parameters} followed by two stray bytes
  // inside the frame's length.
  raw_request(frame(0x06, {0x00, 0x01, 0x01, 'a', 0x00, 0xAA, 0xBB}));
  expect_server_closed(SessionError::kProtocolViolation);
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, StreamEndingInsideAMessage) {
  connect();
  const auto msg = frame(0x06, {0x00, 0x01, 0x01, 'a', 0x00});
  raw_request(std::vector<std::uint8_t>(msg.begin(), msg.end() - 2), true);
  expect_server_closed(SessionError::kProtocolViolation);
}

TEST_P(SessionDispatchTest, SecondSetup) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  send_setup_twice(*peer, false);
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, code(SessionError::kProtocolViolation));
  EXPECT_EQ(raw.closed, code(SessionError::kProtocolViolation));
}

// The message that closes the session comes with the control stream's FIN: the stream is released
// with the session inside the dispatch, and nothing of it may be read after (ASan build).
TEST_P(SessionDispatchTest, SecondSetupWithTheControlStreamsFin) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  send_setup_twice(*peer, true);
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, code(SessionError::kProtocolViolation));
}

TEST_P(SessionDispatchTest, SecondControlStream) {
  connect();
  auto setup = encoded(client->version(), wire::Setup{});
  client->transport().open_uni()->write(std::span<const std::uint8_t>(setup));
  run();
  expect_server_closed(SessionError::kProtocolViolation);
}

TEST_P(SessionDispatchTest, UnknownVersionClosesWithVersionNegotiationFailed) {
  auto config = transport::memory::LinkConfig{};
  config.protocol = "moqt-99";
  auto pair = network.pair(config);
  RawPeer raw;
  pair.client->set_handler(&raw);
  SessionOptions so;
  so.perspective = Perspective::kServer;
  EXPECT_EQ(Session::create(pair.server, so, &sh), nullptr);
  run();
  EXPECT_EQ(raw.closed, code(SessionError::kVersionNegotiationFailed));
}

TEST_P(SessionDispatchTest, OversizedTrackName) {
  start_bystander();
  connect();
  std::vector<std::uint8_t> body;
  wire::ByteWriter w(body);
  w.varint(0);  // request ID
  w.varint(1);
  w.length_prefixed(std::string_view("ns"));
  w.length_prefixed(std::string(4095, 'n'));  // 2 + 4095 > 4096
  w.varint(0);
  raw_request(frame(0x03, body));
  expect_server_closed(SessionError::kProtocolViolation);
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, OversizedTokenOverflowsTheCache) {
  connect();
  wire::TrackStatus m{0, track("live", "v"), {}};
  m.parameters.authorization_tokens.push_back(wire::AuthorizationToken::enroll(0, 1, std::string(8000, 't')));
  raw_request(encoded(client->version(), m));
  expect_server_closed(SessionError::kAuthTokenCacheOverflow);
}

TEST_P(SessionDispatchTest, RequestIdReuse) {
  start_bystander();
  connect();
  sh.on_req = [](IncomingRequest& r) { r.accept(); };
  raw_request(encoded(client->version(), wire::PublishNamespace{0, {{"a"}}, {}}));
  EXPECT_FALSE(sh.closed);
  raw_request(encoded(client->version(), wire::PublishNamespace{0, {{"b"}}, {}}));
  expect_server_closed(SessionError::kInvalidRequestId);
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, ClientGoawayWithAUri) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  wire::Goaway g;
  g.new_session_uri = "moqt://elsewhere/";
  if (wire::features(server->version()).goaway_request_id) g.request_id = 1;
  auto bytes = encoded(server->version(), wire::Setup{});
  auto more = encoded(server->version(), g);
  bytes.insert(bytes.end(), more.begin(), more.end());
  peer->open_uni()->write(std::span<const std::uint8_t>(bytes));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, code(SessionError::kProtocolViolation));
}

TEST_P(SessionDispatchTest, UpdateOfANamespaceRequestIsRefusedAndEndsIt) {
  connect();
  bool cancelled = false;
  sh.on_req = [&](IncomingRequest& r) {
    r.set_on_cancel([&] { cancelled = true; });
    r.accept();
  };
  const auto v = client->version();
  auto bytes = encoded(v, wire::PublishNamespace{0, {{"a"}}, {}});
  auto* s = client->transport().open_bidi();
  RawReplies replies(v);
  s->set_handler(&replies);
  s->write(std::span<const std::uint8_t>(bytes));
  run();
  auto update = encoded(v, wire::RequestUpdate{2, {}});
  s->write(std::span<const std::uint8_t>(update));
  run();
  auto got = replies.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<wire::RequestOk>(got[0]));
  ASSERT_TRUE(std::holds_alternative<wire::RequestError>(got[1]));
  EXPECT_EQ(std::get<wire::RequestError>(got[1]).error_code,
            static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported));
  EXPECT_TRUE(replies.finished);
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(sh.closed);
}

TEST_P(SessionDispatchTest, SecondGoawayOnARequestStream) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  const auto v = client->version();
  auto bytes = encoded(v, wire::Subscribe{0, track("live", "v"), {}});
  auto g = encoded(v, wire::Goaway{});
  bytes.insert(bytes.end(), g.begin(), g.end());
  raw_request(bytes);
  EXPECT_FALSE(sh.closed);
  ASSERT_EQ(sh.request_goaways.size(), 1u);
  EXPECT_EQ(sh.request_goaways[0].first, 0u);
  // Same stream again: a second GOAWAY there.
  auto* s = client->transport().open_bidi();
  auto again = encoded(v, wire::Subscribe{2, track("live", "w"), {}});
  again.insert(again.end(), g.begin(), g.end());
  again.insert(again.end(), g.begin(), g.end());
  s->write(std::span<const std::uint8_t>(again));
  run();
  expect_server_closed(SessionError::kProtocolViolation);
}

TEST_P(SessionDispatchTest, UpdateOfATrackStatusIsAViolation) {
  connect();
  const auto v = client->version();
  auto bytes = encoded(v, wire::TrackStatus{0, track("live", "v"), {}});
  auto more = encoded(v, wire::RequestUpdate{2, {}});
  bytes.insert(bytes.end(), more.begin(), more.end());
  raw_request(bytes);
  expect_server_closed(SessionError::kProtocolViolation);
}

TEST_P(SessionDispatchTest, DynamicGroupsAboveOneInSubscribeOk) {
  start_bystander();
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept(dynamic_groups_of_two()); };
  RecordingSubscription rs;
  auto sub = client->subscribe(track("live", "v"), {}, &rs);
  run();
  expect_client_closed(SessionError::kProtocolViolation);
  EXPECT_EQ(ch.reason, "DYNAMIC_GROUPS above 1");
  EXPECT_FALSE(rs.ok);
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, DynamicGroupsAboveOneInPublish) {
  start_bystander();
  connect();
  sh.on_pub = [](Subscription&) { ADD_FAILURE() << "a PUBLISH with DYNAMIC_GROUPS=2 reached the handler"; };
  auto pub = client->publish(track("live", "cam"), dynamic_groups_of_two(), nullptr);
  run();
  expect_server_closed(SessionError::kProtocolViolation);
  EXPECT_EQ(sh.reason, "DYNAMIC_GROUPS above 1");
  expect_bystander_unharmed();
}

TEST_P(SessionDispatchTest, DynamicGroupsAboveOneInRequestOk) {
  start_bystander();
  connect();
  sh.on_req = [](IncomingRequest& r) { r.accept(dynamic_groups_of_two()); };
  RecordingRequest rr;
  auto req = client->track_status(track("live", "v"), &rr);
  run();
  expect_client_closed(SessionError::kProtocolViolation);
  EXPECT_EQ(ch.reason, "DYNAMIC_GROUPS above 1");
  EXPECT_FALSE(rr.ok);
  expect_bystander_unharmed();
}

INSTANTIATE_TEST_SUITE_P(Drafts, SessionDispatchTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
