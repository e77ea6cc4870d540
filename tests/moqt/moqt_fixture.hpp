// A client and a server MoQT session over the memory transport on simulated time, with
// handlers that record what they see.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include <memory>
#include <string>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt::testing {

using namespace std::chrono_literals;

inline SharedBytes bytes(std::string_view s) { return SharedBytes::copy(s); }
inline std::string text(const SharedBytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline FullTrackName track(std::string ns, std::string name) { return {{{std::move(ns)}}, std::move(name)}; }

// The two ends of a test session: a client dialling `path` at `authority`, and a server.
inline SessionOptions client_options(std::string path = "/moq", std::string authority = {}) {
  SessionOptions o;
  o.perspective = Perspective::kClient;
  o.path = std::move(path);
  o.authority = std::move(authority);
  return o;
}
inline SessionOptions server_options() {
  SessionOptions o;
  o.perspective = Perspective::kServer;
  return o;
}

struct RecordingSessionHandler : moqt::SessionHandler {
  void on_ready(Session&) override { ready = true; }
  void on_closed(Session&, std::uint64_t c, std::string_view r) override {
    closed = true;
    code = c;
    reason = std::string(r);
  }
  void on_goaway(Session&, std::string_view uri) override { goaway_uri = std::string(uri); }
  void on_request_goaway(Session&, std::uint64_t rid, std::string_view uri) override {
    request_goaways.emplace_back(rid, std::string(uri));
  }
  void on_subscribe(Session& s, std::shared_ptr<ServedSubscription> sub) override {
    served.push_back(sub);
    if (on_sub) on_sub(*sub); else moqt::SessionHandler::on_subscribe(s, sub);
  }
  void on_publish(Session& s, std::shared_ptr<Subscription> sub) override {
    published.push_back(sub);
    if (on_pub) on_pub(*sub); else moqt::SessionHandler::on_publish(s, sub);
  }
  void on_fetch(Session& s, std::shared_ptr<ServedFetch> f) override {
    fetches.push_back(f);
    if (on_fetch_fn) on_fetch_fn(*f); else moqt::SessionHandler::on_fetch(s, f);
  }
  void on_request(Session& s, std::shared_ptr<IncomingRequest> r) override {
    requests.push_back(r);
    if (on_req) on_req(*r); else moqt::SessionHandler::on_request(s, r);
  }

  bool ready = false;
  bool closed = false;
  std::uint64_t code = 0;
  std::string reason;
  std::optional<std::string> goaway_uri;
  std::vector<std::pair<std::uint64_t, std::string>> request_goaways;
  std::function<void(ServedSubscription&)> on_sub;
  std::function<void(Subscription&)> on_pub;
  std::function<void(ServedFetch&)> on_fetch_fn;
  std::function<void(IncomingRequest&)> on_req;
  std::vector<std::shared_ptr<ServedSubscription>> served;
  std::vector<std::shared_ptr<Subscription>> published;
  std::vector<std::shared_ptr<ServedFetch>> fetches;
  std::vector<std::shared_ptr<IncomingRequest>> requests;
};

// A publisher's side of a subscription that records the NEW_GROUP_REQUESTs (in REQUEST_UPDATEs)
// and the updates it hears.
struct NewGroupAsks : ServedSubscriptionHandler {
  void on_update(ServedSubscription&) override { ++updates; }
  void on_new_group_request(ServedSubscription&, std::uint64_t next_group) override {
    values.push_back(next_group);
  }
  int updates = 0;
  std::vector<std::uint64_t> values;
};

struct RecordingSubscription : SubscriptionHandler {
  void on_ok(Subscription&, const TrackInfo& i) override { ok = true; info = i; }
  void on_error(Subscription&, const RequestErrorInfo& e) override { error = e; }
  void on_object(Subscription&, const Object& o) override { objects.push_back(o); }
  void on_subgroup_reset(Subscription&, std::uint64_t g, std::uint64_t, std::uint64_t) override { resets.push_back(g); }
  void on_done(Subscription&, std::uint64_t s, std::string_view) override { done = s; }
  bool ok = false;
  TrackInfo info;
  std::optional<RequestErrorInfo> error;
  std::vector<Object> objects;
  std::vector<std::uint64_t> resets;
  std::optional<std::uint64_t> done;
};

struct RecordingFetch : FetchHandler {
  void on_ok(Fetch&, const FetchOkInfo& i) override { ok = i; }
  void on_error(Fetch&, const RequestErrorInfo& e) override { error = e; }
  void on_object(Fetch&, const Object& o) override { objects.push_back(o); }
  void on_complete(Fetch&, bool c) override { complete = c; }
  std::optional<FetchOkInfo> ok;
  std::optional<RequestErrorInfo> error;
  std::vector<Object> objects;
  std::optional<bool> complete;
};

struct RecordingRequest : RequestHandler {
  void on_ok(OutgoingRequest&, const TrackInfo& i) override { ok = true; info = i; }
  void on_error(OutgoingRequest&, const RequestErrorInfo& e) override { error = e; }
  void on_namespace(OutgoingRequest&, const TrackNamespace& s) override { namespaces.push_back(s); }
  void on_namespace_done(OutgoingRequest&, const TrackNamespace& s) override { done.push_back(s); }
  void on_publish_skipped(OutgoingRequest&, const FullTrackName& t) override { skipped.push_back(t); }
  void on_closed(OutgoingRequest&) override { closed = true; }
  bool ok = false;
  bool closed = false;
  TrackInfo info;
  std::optional<RequestErrorInfo> error;
  std::vector<TrackNamespace> namespaces;
  std::vector<TrackNamespace> done;
  std::vector<FullTrackName> skipped;
};

// A client transport that speaks no MoQT, for tests that write raw bytes to a server session.
struct RawPeer : transport::SessionHandler {
  void on_incoming_stream(transport::Session&, transport::Stream&) override {}
  void on_closed(transport::Session&, const transport::CloseInfo& i) override { closed = i.code; }
  std::optional<std::uint64_t> closed;
};

class MoqtTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A server session (into `server`, handler `sh`) whose client is `raw`: returns the client's
  // transport, connected, for the test to write raw bytes on.
  transport::SessionPtr serve_raw(RawPeer& raw) {
    auto config = transport::memory::LinkConfig{};
    config.protocol = GetParam();
    auto pair = network.pair(config);
    server = Session::create(pair.server, server_options(), &sh);
    pair.client->set_handler(&raw);
    run(50ms);
    return pair.client;
  }

  void connect(transport::memory::LinkConfig config = {}, bool wait = true) {
    config.protocol = GetParam();
    auto pair = network.pair(config);
    SessionOptions co = client_options("/moq", "relay.example");
    co.setup_tokens.push_back({1, "secret"});
    SessionOptions so = server_options();
    so.max_incoming_requests = max_incoming;
    if (tune_server) tune_server(so);
    client = Session::create(pair.client, co, &ch);
    server = Session::create(pair.server, so, &sh);
    ASSERT_TRUE(client && server);
    if (wait) {
      ASSERT_TRUE(loop.run_until([&] { return ch.ready && sh.ready; }, 1s));
    }
  }
  void run(transport::Duration d = 200ms) { loop.run_for(d); }

  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network{loop, 7};
  RecordingSessionHandler ch;
  RecordingSessionHandler sh;
  std::shared_ptr<Session> client;
  std::shared_ptr<Session> server;
  std::size_t max_incoming = 1000;
  std::function<void(SessionOptions&)> tune_server;
};

// Records what arrives on a raw request stream and decodes it as control messages.
struct RawReplies : transport::StreamHandler {
  explicit RawReplies(wire::Version version) : v(version) {}
  void on_data(transport::Stream&, std::span<const std::uint8_t> data, bool fin) override {
    buffer.insert(buffer.end(), data.begin(), data.end());
    finished = finished || fin;
  }
  std::vector<wire::ControlMessage> messages() const {
    std::vector<wire::ControlMessage> out;
    std::span<const std::uint8_t> rest(buffer);
    while (!rest.empty()) {
      auto m = wire::decode_control_message(v, rest);
      if (!m) break;
      out.push_back(std::move(m->message));
      rest = rest.subspan(m->consumed);
    }
    return out;
  }
  wire::Version v;
  std::vector<std::uint8_t> buffer;
  bool finished = false;
};

inline std::vector<std::uint8_t> encoded(wire::Version v, const wire::ControlMessage& m) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(wire::encode_control_message(v, m, out).ok());
  return out;
}

inline std::string version_name(const ::testing::TestParamInfo<std::string>& info) {
  if (info.param == "moqt-18") return "Draft18";
  if (info.param == "moqt-22") return "Draft22";
  return "Draft20";
}

}  // namespace kinetic::moqt::testing
