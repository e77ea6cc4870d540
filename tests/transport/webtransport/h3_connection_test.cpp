// The HTTP/3 connection over the in-memory transport: static GETs, CONNECT refusals,
// and misbehaving peers that must get an H3 error, never a crash.
#include "kinetic/transport/webtransport/h3_connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "kinetic/transport/webtransport/capsule.hpp"
#include "kinetic/transport/webtransport/h3_errors.hpp"
#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/quic_varint.hpp"
#include "wt_test_peers.hpp"

namespace kinetic::transport::webtransport {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

// A raw QUIC peer that writes whatever bytes a test gives it.
class RawPeer final : public SessionHandler, public StreamHandler {
 public:
  void on_ready(Session&) override { ready = true; }
  void on_incoming_stream(Session&, Stream& stream) override { stream.set_handler(this); }
  void on_closed(Session&, const CloseInfo& info) override {
    closed = true;
    close_info = info;
  }
  void on_data(Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    auto& b = received[stream.id()];
    b.insert(b.end(), data.begin(), data.end());
    if (fin) fins.insert(stream.id());
  }
  void on_reset(Stream& stream, ErrorCode code) override { resets[stream.id()] = code; }
  void on_stop_sending(Stream& stream, ErrorCode code) override { stops[stream.id()] = code; }
  bool ready = false;
  bool closed = false;
  CloseInfo close_info;
  std::map<StreamId, Bytes> received;
  std::set<StreamId> fins;
  std::map<StreamId, ErrorCode> resets;
  std::map<StreamId, ErrorCode> stops;
};

class H3ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory::LinkConfig link;
    link.protocol = "h3";
    pair_ = net_.pair(link);
    options_.static_content = [](std::string_view path) -> std::optional<StaticResponse> {
      if (path != "/index.html") return std::nullopt;
      return StaticResponse{200, "text/html", kinetic::SharedBytes::copy(std::string_view("<p>kinetic</p>"))};
    };
    options_.on_session = [this](SessionPtr s) {
      sessions_.push_back(s);
      s->set_handler(&echo_);
    };
    options_.accept = [](const Request& r) { return r.path == "/moq"; };
  }

  void TearDown() override {
    // Connections hold themselves until their QUIC session closes; close them so that
    // nothing outlives the loop.
    if (client_) client_->close(h3::kNoError, "test over");
    if (server_) server_->close(h3::kNoError, "test over");
    loop_.run_for(1s);
  }

  void start_h3_client() {
    server_ = H3Connection::server(pair_.server, options_);
    client_ = H3Connection::client();
    client_->attach(pair_.client);
  }

  void start_raw_client() {
    server_ = H3Connection::server(pair_.server, options_);
    pair_.client->set_handler(&raw_);
    ASSERT_TRUE(run([&] { return raw_.ready; }));
  }

  // Sends `bytes` on a new raw uni stream and returns whether the server closed us with `code`.
  bool server_closes_with(const Bytes& bytes, std::uint64_t code) {
    Stream* s = pair_.client->open_uni();
    if (!s) return false;
    s->write(bytes, false);
    run([&] { return raw_.closed; });
    return raw_.closed && raw_.close_info.code == code;
  }

  bool run(const std::function<bool()>& done) { return loop_.run_until(done, 10s); }

  memory::SimulatedLoop loop_;
  memory::MemoryNetwork net_{loop_, 5};
  memory::SessionPair pair_;
  ServerOptions options_;
  std::shared_ptr<H3Connection> server_, client_;
  testing::EchoServer echo_;
  RawPeer raw_;
  std::vector<SessionPtr> sessions_;
};

TEST_F(H3ConnectionTest, ServesStaticContentAndNotFound) {
  start_h3_client();
  FetchResult page, missing;
  client_->fetch("relay.test", "/index.html?v=2", [&](FetchResult r) { page = std::move(r); });
  client_->fetch("relay.test", "/nope", [&](FetchResult r) { missing = std::move(r); });
  ASSERT_TRUE(run([&] { return page.status != 0 && missing.status != 0; }));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(std::string(page.body.begin(), page.body.end()), "<p>kinetic</p>");
  ASSERT_NE(find_field(page.headers, "content-type"), nullptr);
  EXPECT_EQ(*find_field(page.headers, "content-type"), "text/html");
  EXPECT_EQ(missing.status, 404);
  ASSERT_TRUE(client_->peer_settings());
  EXPECT_TRUE(client_->peer_settings()->webtransport());
}

TEST_F(H3ConnectionTest, RefusedConnectClosesTheClientSession) {
  start_h3_client();
  ClientOptions copts;
  copts.authority = "relay.test";
  copts.path = "/elsewhere";
  auto session = client_->connect(copts);
  testing::Recorder rec;
  session->set_handler(&rec);
  ASSERT_TRUE(run([&] { return rec.closed; }));
  EXPECT_FALSE(rec.ready);
  EXPECT_EQ(rec.close_info.code, 404u);
  EXPECT_TRUE(sessions_.empty());
}

TEST_F(H3ConnectionTest, SessionLimitIsEnforced) {
  options_.max_sessions = 1;
  start_h3_client();
  ClientOptions copts;
  copts.authority = "relay.test";
  copts.path = "/moq";
  auto first = client_->connect(copts);
  auto second = client_->connect(copts);
  testing::Recorder a, b;
  first->set_handler(&a);
  second->set_handler(&b);
  ASSERT_TRUE(run([&] { return a.ready && b.closed; }));
  EXPECT_EQ(b.close_info.code, 429u);
}

TEST_F(H3ConnectionTest, ServerAnnouncesSettingsOnItsControlStream) {
  start_raw_client();
  ASSERT_TRUE(run([&] { return raw_.received.size() >= 3; }));
  // Server-initiated uni streams: 3, 7, 11 (control, QPACK encoder, QPACK decoder).
  const Bytes& control = raw_.received[3];
  ASSERT_GE(control.size(), 3u);
  EXPECT_EQ(control[0], stream_type::kControl);
  EXPECT_EQ(control[1], frame::kSettings);
  EXPECT_EQ(raw_.received[7], Bytes{stream_type::kQpackEncoder});
  EXPECT_EQ(raw_.received[11], Bytes{stream_type::kQpackDecoder});
}

TEST_F(H3ConnectionTest, ControlStreamMustStartWithSettings) {
  start_raw_client();
  Bytes bytes{0x00};
  put_goaway_frame(bytes, 0);
  EXPECT_TRUE(server_closes_with(bytes, h3::kMissingSettings));
}

TEST_F(H3ConnectionTest, DataOnTheControlStreamIsUnexpected) {
  start_raw_client();
  Bytes bytes{0x00, 0x04, 0x00};  // control stream, empty SETTINGS
  put_frame(bytes, frame::kData, Bytes{1, 2});
  EXPECT_TRUE(server_closes_with(bytes, h3::kFrameUnexpected));
}

TEST_F(H3ConnectionTest, Http2SettingIsASettingsError) {
  start_raw_client();
  Bytes bytes{0x00, 0x04, 0x02, 0x02, 0x01};  // SETTINGS_ENABLE_PUSH from HTTP/2
  EXPECT_TRUE(server_closes_with(bytes, h3::kSettingsError));
}

TEST_F(H3ConnectionTest, SecondControlStreamIsAnError) {
  start_raw_client();
  Stream* first = pair_.client->open_uni();
  first->write(Bytes{0x00, 0x04, 0x00}, false);
  EXPECT_TRUE(server_closes_with(Bytes{0x00}, h3::kStreamCreationError));
}

TEST_F(H3ConnectionTest, UnknownStreamTypesAreIgnored) {
  start_raw_client();
  Stream* grease = pair_.client->open_uni();
  Bytes bytes;
  put_quic_varint(bytes, 0x21);  // reserved stream type
  bytes.insert(bytes.end(), 100, 0xee);
  grease->write(bytes, true);
  run([&] { return raw_.closed; });
  EXPECT_FALSE(raw_.closed);
}

TEST_F(H3ConnectionTest, GarbageHeaderBlockIsADecompressionFailure) {
  start_raw_client();
  Stream* req = pair_.client->open_bidi();
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, Bytes{0x00, 0x00, 0xff, 0xff});
  req->write(bytes, true);
  run([&] { return raw_.closed; });
  EXPECT_TRUE(raw_.closed);
  EXPECT_EQ(raw_.close_info.code, h3::kQpackDecompressionFailed);
}

TEST_F(H3ConnectionTest, MalformedRequestResetsOnlyItsStream) {
  start_raw_client();
  Stream* req = pair_.client->open_bidi();
  req->set_handler(&raw_);
  QpackEncoder enc;
  Bytes block;
  ASSERT_FALSE(enc.encode(0, {{":method", "GET"}}, block));  // no :scheme / :path
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, block);
  req->write(bytes, true);
  ASSERT_TRUE(run([&] { return !raw_.resets.empty(); }));
  EXPECT_EQ(raw_.resets.begin()->second, h3::kMessageError);
  EXPECT_FALSE(raw_.closed);
}

TEST_F(H3ConnectionTest, ByteAtATimeRequestIsServed) {
  start_raw_client();
  Stream* req = pair_.client->open_bidi();
  req->set_handler(&raw_);
  QpackEncoder enc;
  Bytes block;
  ASSERT_FALSE(enc.encode(0, {{":method", "GET"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/index.html"}},
                          block));
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, block);
  for (std::size_t i = 0; i < bytes.size(); ++i) req->write(std::span(bytes).subspan(i, 1), i + 1 == bytes.size());
  ASSERT_TRUE(run([&] { return raw_.received.count(req->id()) && raw_.received[req->id()].size() > 14; }));
  const Bytes& resp = raw_.received[req->id()];
  EXPECT_EQ(resp[0], frame::kHeaders);
  const std::string text(resp.begin(), resp.end());
  EXPECT_NE(text.find("<p>kinetic</p>"), std::string::npos);
}

TEST_F(H3ConnectionTest, WebTransportStreamForAnUnknownSessionIsBufferedThenBounded) {
  start_raw_client();
  for (int i = 0; i < 20; ++i) {
    Stream* s = pair_.client->open_uni();
    ASSERT_NE(s, nullptr);
    Bytes bytes;
    put_webtransport_uni_preamble(bytes, 400);
    bytes.push_back(0x01);
    s->write(bytes, false);
  }
  run([&] { return raw_.closed; });
  EXPECT_FALSE(raw_.closed);  // refused streams are a stream matter, not a connection error
}

TEST_F(H3ConnectionTest, StreamsForAFinishedRequestAreRefusedAsSessionGone) {
  start_raw_client();
  Stream* req = pair_.client->open_bidi();  // stream 0: a plain GET, not a session
  req->set_handler(&raw_);
  QpackEncoder enc;
  Bytes block;
  ASSERT_FALSE(enc.encode(0, {{":method", "GET"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/index.html"}},
                          block));
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, block);
  req->write(bytes, true);
  ASSERT_TRUE(run([&] { return raw_.received.count(0) > 0; }));
  Stream* wt = pair_.client->open_uni();
  wt->set_handler(&raw_);
  Bytes preamble;
  put_webtransport_uni_preamble(preamble, 0);
  wt->write(preamble, false);
  ASSERT_TRUE(run([&] { return raw_.stops.count(wt->id()) > 0; }));
  EXPECT_EQ(raw_.stops[wt->id()], h3::kWtSessionGone);
  EXPECT_FALSE(raw_.closed);
}

// The sequence a browser sees when the server ends a session (draft-ietf-webtrans-http3 §6):
// the CLOSE_WEBTRANSPORT_SESSION capsule then FIN on the CONNECT stream, never a reset of
// it; the session's streams reset and stopped with WT_SESSION_GONE; the client's own FIN and
// resets afterwards are no error, and the connection stays up for other requests. Chromium's
// occasional "Connection lost." after such a close is its own (see chromium_test.cpp).
TEST_F(H3ConnectionTest, ServerCloseIsCapsuleThenFinAndEndsOnlyItsStreams) {
  start_raw_client();
  Stream* connect = pair_.client->open_bidi();
  connect->set_handler(&raw_);
  QpackEncoder enc;
  Bytes block;
  ASSERT_FALSE(enc.encode(0, {{":method", "CONNECT"}, {":protocol", "webtransport"}, {":scheme", "https"},
                              {":authority", "x"}, {":path", "/moq"}},
                          block));
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, block);
  connect->write(bytes, false);
  ASSERT_TRUE(run([&] { return echo_.ready == 1 && !raw_.received[connect->id()].empty(); }));
  const std::size_t response_size = raw_.received[connect->id()].size();  // the 200 response

  // A bidi stream of the session whose first byte asks the echo server to close with 77.
  Stream* x = pair_.client->open_bidi();
  x->set_handler(&raw_);
  Bytes xb;
  put_webtransport_bidi_preamble(xb, connect->id());
  xb.push_back('X');
  x->write(xb, false);
  ASSERT_TRUE(run([&] { return raw_.fins.count(connect->id()) > 0 && raw_.resets.count(x->id()) > 0; }));

  Bytes capsule;
  put_close_session_capsule(capsule, 77, "asked to close");
  Bytes expected;
  put_frame(expected, frame::kData, capsule);
  const Bytes& got = raw_.received[connect->id()];
  ASSERT_EQ(got.size(), response_size + expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), got.begin() + static_cast<std::ptrdiff_t>(response_size)));
  EXPECT_EQ(raw_.resets.count(connect->id()), 0u);
  EXPECT_EQ(raw_.stops.count(connect->id()), 0u);
  EXPECT_EQ(raw_.resets[x->id()], h3::kWtSessionGone);
  EXPECT_EQ(raw_.stops[x->id()], h3::kWtSessionGone);
  ASSERT_TRUE(echo_.closed);
  EXPECT_EQ(echo_.close_info.code, 77u);
  EXPECT_FALSE(echo_.close_info.by_peer);

  // What a browser does next: FIN on the CONNECT stream, its side of the stream reset, and a
  // late datagram and stream for the session that is gone.
  connect->finish();
  x->reset(h3::kWtSessionGone);
  Bytes dg;
  put_quic_varint(dg, connect->id() / 4);
  dg.push_back('d');
  pair_.client->send_datagram(dg);
  Stream* late = pair_.client->open_uni();
  late->set_handler(&raw_);
  Bytes lb;
  put_webtransport_uni_preamble(lb, connect->id());
  late->write(lb, false);
  ASSERT_TRUE(run([&] { return raw_.stops.count(late->id()) > 0; }));
  EXPECT_EQ(raw_.stops[late->id()], h3::kWtSessionGone);
  EXPECT_EQ(echo_.datagrams, 0);
  EXPECT_EQ(raw_.resets.count(connect->id()), 0u);

  // The connection still serves requests.
  Stream* get = pair_.client->open_bidi();
  get->set_handler(&raw_);
  Bytes gb;
  Bytes gblock;
  ASSERT_FALSE(enc.encode(static_cast<std::int64_t>(get->id()),
                          {{":method", "GET"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/index.html"}},
                          gblock));
  put_frame(gb, frame::kHeaders, gblock);
  get->write(gb, true);
  ASSERT_TRUE(run([&] { return raw_.fins.count(get->id()) > 0; }));
  EXPECT_FALSE(raw_.closed);
}

TEST_F(H3ConnectionTest, MalformedCloseCapsuleEndsTheSessionWithMessageError) {
  start_raw_client();
  Stream* connect = pair_.client->open_bidi();
  connect->set_handler(&raw_);
  QpackEncoder enc;
  Bytes block;
  ASSERT_FALSE(enc.encode(0, {{":method", "CONNECT"}, {":protocol", "webtransport"}, {":scheme", "https"},
                              {":authority", "x"}, {":path", "/moq"}, {"wt-available-protocols", "\"moqt-20\""}},
                          block));
  Bytes bytes;
  put_frame(bytes, frame::kHeaders, block);
  connect->write(bytes, false);
  ASSERT_TRUE(run([&] { return echo_.ready == 1; }));
  ASSERT_EQ(sessions_.size(), 1u);
  EXPECT_EQ(sessions_[0]->protocol(), "moqt-20");
  // CLOSE_WEBTRANSPORT_SESSION whose value is too short to hold the 32-bit code.
  const Bytes capsule{0x68, 0x43, 0x01, 0x00};
  Bytes data;
  put_frame(data, frame::kData, capsule);
  connect->write(data, false);
  ASSERT_TRUE(run([&] { return echo_.closed; }));
  EXPECT_EQ(echo_.close_info.code, h3::kMessageError);
  ASSERT_TRUE(run([&] { return raw_.resets.count(connect->id()) > 0; }));
  EXPECT_EQ(raw_.resets[connect->id()], h3::kMessageError);
  EXPECT_FALSE(raw_.closed);  // the connection itself survives
}

TEST_F(H3ConnectionTest, GoawayLetsRunningSessionsFinishAndRefusesNewOnes) {
  start_h3_client();
  ClientOptions copts;
  copts.authority = "relay.test";
  copts.path = "/moq";
  auto first = client_->connect(copts);
  testing::Recorder a;
  first->set_handler(&a);
  ASSERT_TRUE(run([&] { return a.ready; }));
  server_->goaway();
  run([] { return false; });  // let the GOAWAY arrive
  auto second = client_->connect(copts);
  testing::Recorder b;
  second->set_handler(&b);
  ASSERT_TRUE(run([&] { return b.closed; }));
  EXPECT_EQ(b.close_info.code, h3::kRequestRejected);
  // The first session still works.
  EXPECT_TRUE(first->send_datagram(testing::bytes_of("still here")));
  ASSERT_TRUE(run([&] { return a.datagrams.size() == 1; }));
  EXPECT_FALSE(a.closed);
}

// Random bytes on every kind of stream: the server either carries on or closes the
// connection with an HTTP/3 or QPACK error code, never anything else, and never crashes.
TEST_F(H3ConnectionTest, RandomInputGetsAnH3ErrorOrIsIgnored) {
  auto is_h3_code = [](std::uint64_t c) {
    return (c >= h3::kNoError && c <= h3::kVersionFallback) ||
           (c >= h3::kQpackDecompressionFailed && c <= h3::kQpackDecoderStreamError) || c == h3::kDatagramError;
  };
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 60; ++round) {
    memory::SimulatedLoop loop;
    memory::MemoryNetwork net(loop, static_cast<std::uint64_t>(round) + 1);
    memory::LinkConfig link;
    link.protocol = "h3";
    auto pair = net.pair(link);
    auto server = H3Connection::server(pair.server, options_);
    RawPeer peer;
    pair.client->set_handler(&peer);
    ASSERT_TRUE(loop.run_until([&] { return peer.ready; }, 5s));
    for (int s = 0; s < 4 && !peer.closed; ++s) {
      Bytes bytes;
      const std::uint64_t prefixes[] = {0x00, 0x02, 0x03, 0x54, 0x41, 0x01, next() % 64};
      put_quic_varint(bytes, prefixes[next() % 7]);
      const std::size_t n = next() % 64;
      for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<std::uint8_t>(next()));
      Stream* st = (next() % 2) ? pair.client->open_uni() : pair.client->open_bidi();
      if (!st) break;
      st->write(bytes, next() % 2 == 0);
      if (next() % 3 == 0) pair.client->send_datagram(std::span(bytes).first(std::min<std::size_t>(bytes.size(), 8)));
      loop.run_for(50ms);
    }
    if (peer.closed) {
      EXPECT_TRUE(is_h3_code(peer.close_info.code)) << std::hex << peer.close_info.code;
    }
    server->close(h3::kNoError, "round over");  // ends the connection's hold on itself
    loop.run_for(100ms);
  }
}

}  // namespace
}  // namespace kinetic::transport::webtransport
