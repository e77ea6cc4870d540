// The real `kinetic relay` process against peers that break the protocol: each malformed
// session must be closed with the draft's error code, while the relay keeps running and an
// honest subscriber keeps receiving a live track from an honest publisher throughout.
// The malformed peers speak raw QUIC with hand-made bytes (no moqt::Session), so they can send
// what a session never would.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fcntl.h>

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../test_ports.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "kinetic/wire/varint.hpp"

extern char** environ;

namespace kinetic {
namespace {

using namespace std::chrono_literals;

const std::string kKinetic = std::string(KINETIC_BINARY_DIR) + "/apps/kinetic/kinetic";
const moqt::FullTrackName kTrack{{{"malformed-test"}}, "clock"};

// The relay as a child process with its stdout and stderr in a file; killed if still running.
class RelayProcess {
 public:
  bool start(std::uint16_t port, const std::filesystem::path& log) {
    log_ = log;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {kKinetic, "relay", "--listen", listen, "--log-level", "debug"};
    // Line-buffered, so the log is whole when a failure prints it.
    const std::string stdbuf = "/usr/bin/stdbuf";
    if (std::filesystem::exists(stdbuf)) args.insert(args.begin(), {stdbuf, "-oL"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }
  // The certificate hash from the relay's "listening" line, once it is printed.
  std::optional<std::string> wait_ready(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    constexpr std::string_view kHash = "certificate sha256 ";
    while (std::chrono::steady_clock::now() < end && running()) {
      const std::string text = output();
      const auto line = text.find("relay listening on ");
      const auto at = line == std::string::npos ? line : text.find(kHash, line);
      if (at != std::string::npos && text.size() >= at + kHash.size() + 64) return text.substr(at + kHash.size(), 64);
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // SIGTERM, then the exit status (or -1 when it had to be killed).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 300; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }
  std::string output() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  ~RelayProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// Publishes one object every 20 ms, five objects to a group, on every subscription the relay makes.
struct Publisher : moqt::SessionHandler {
  explicit Publisher(transport::EpollLoop& l) : loop(l) {}
  void on_ready(moqt::Session& s) override { ready = true; (void)s; }
  void on_closed(moqt::Session&, std::uint64_t, std::string_view) override { closed = true; }
  void on_subscribe(moqt::Session&, std::shared_ptr<moqt::ServedSubscription> sub) override {
    ++subscribes;
    if (sub->track() != kTrack) {
      moqt::SessionHandler::on_subscribe(*session, sub);
      return;
    }
    // New objects only, so the relay's subscription starts where the publisher is now.
    sub->accept(moqt::TrackInfo{});
    subs.push_back(sub);
  }
  void tick() {
    const std::uint64_t group = next / 5, object = next % 5;
    ++next;
    for (auto& sub : subs) {
      if (!sub->sending()) continue;
      auto* w = sub->subgroup(group, 0);
      if (w == nullptr || !w->open()) w = sub->open_subgroup({group, 0});
      if (w == nullptr) continue;
      w->write(object, SharedBytes::copy("tick " + std::to_string(group) + "." + std::to_string(object)));
      if (object == 4) w->finish();
    }
    loop.schedule_after(20ms, [this] { tick(); });
  }
  transport::EpollLoop& loop;
  std::shared_ptr<moqt::Session> session;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> subs;
  std::uint64_t next = 0;
  int subscribes = 0;
  bool ready = false;
  bool closed = false;
};

struct Subscriber : moqt::SessionHandler, moqt::SubscriptionHandler {
  void on_ready(moqt::Session&) override { ready = true; }
  void on_closed(moqt::Session&, std::uint64_t, std::string_view) override { closed = true; }
  void on_ok(moqt::Subscription&, const moqt::TrackInfo&) override { ok = true; }
  void on_error(moqt::Subscription&, const moqt::RequestErrorInfo& e) override { error = e.code; }
  void on_object(moqt::Subscription&, const moqt::Object& o) override {
    ++objects;
    last = o.location();
  }
  bool ready = false;
  bool closed = false;
  bool ok = false;
  std::optional<std::uint64_t> error;
  std::size_t objects = 0;
  moqt::Location last{};
};

struct Announce : moqt::RequestHandler {
  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override { ok = true; }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo&) override { failed = true; }
  bool ok = false;
  bool failed = false;
};

// A raw QUIC peer: what it sends once the handshake is done is up to the test.
struct RawPeer : transport::SessionHandler {
  void on_ready(transport::Session& s) override {
    ready = true;
    if (on_ready_fn) on_ready_fn(s);
  }
  void on_incoming_stream(transport::Session&, transport::Stream& s) override { s.set_handler(&sink); }
  void on_closed(transport::Session&, const transport::CloseInfo& info) override { closed = info; }
  struct Sink : transport::StreamHandler {
    void on_data(transport::Stream&, std::span<const std::uint8_t>, bool) override {}
  } sink;
  std::function<void(transport::Session&)> on_ready_fn;
  bool ready = false;
  std::optional<transport::CloseInfo> closed;
};

// A well-formed SETUP for `v`.
std::vector<std::uint8_t> setup_bytes(wire::Version v) {
  wire::Setup setup;
  setup.options.path = "/";
  setup.options.moqt_implementation = "malformed-peer";
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(wire::encode_control_message(v, setup, out).ok());
  return out;
}

// A SETUP whose only option is an AUTHORIZATION TOKEN with Alias Type USE_ALIAS, which a
// client may not send in SETUP. The codec refuses to write one, so USE_VALUE {type 1, empty
// value} is written and its Alias Type byte (0x3, the token's first byte) becomes 0x2.
std::vector<std::uint8_t> setup_with_alias(wire::Version v) {
  wire::Setup setup;
  setup.options.authorization_tokens.push_back(wire::AuthorizationToken::use_value(1, ""));
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(wire::encode_control_message(v, setup, out).ok());
  EXPECT_EQ(out[out.size() - 2], 0x03);
  out[out.size() - 2] = 0x02;
  return out;
}

// One control-style frame: Type (vi64), Length (16 bits), body.
std::vector<std::uint8_t> frame(std::uint64_t type, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out;
  wire::ByteWriter w(out);
  w.varint(type);
  w.u16(static_cast<std::uint16_t>(body.size()));
  w.bytes(std::span<const std::uint8_t>(body));
  return out;
}

class RelayMalformedPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kKinetic)) {
      GTEST_SKIP() << "the kinetic binary is not part of this build (" << kKinetic << "): process test skipped";
    }
    dir_ = std::filesystem::temp_directory_path() / ("kinetic-malformed-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  transport::quic::QuicClientConfig trust(const std::string& hex) {
    transport::quic::QuicClientConfig cc;
    cc.server_name = "localhost";
    transport::Sha256 pin{};
    for (std::size_t i = 0; i < pin.size(); ++i) {
      pin[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    }
    cc.pinned_sha256.push_back(pin);
    cc.settings.idle_timeout = 5s;
    return cc;
  }

  // Connects a raw peer offering `alpn`, lets `act` misbehave, and returns how the relay closed it.
  std::optional<transport::CloseInfo> misbehave(transport::EpollLoop& loop, const std::string& pin, std::uint16_t port,
                                                const std::string& alpn,
                                                std::function<void(transport::Session&)> act) {
    auto cc = trust(pin);
    cc.remote = *transport::quic::SocketAddress::parse("127.0.0.1", port);
    cc.settings.alpn = {alpn};
    RawPeer peer;
    peer.on_ready_fn = std::move(act);
    auto session = transport::quic::QuicClient::connect(loop, cc, &peer);
    if (!session) {
      ADD_FAILURE() << "cannot start a QUIC client: " << session.error().what;
      return std::nullopt;
    }
    loop.run_until([&] { return peer.closed.has_value(); }, 4s);
    auto closed = peer.closed;
    (*session)->set_handler(nullptr);
    session->reset();
    loop.run_until([] { return false; }, 20ms);
    return closed;
  }

  std::filesystem::path dir_;
};

TEST_F(RelayMalformedPeerTest, MalformedSessionsCloseAloneWhileTheRelayKeepsServing) {
  const auto port = static_cast<std::uint16_t>(test::free_port());
  ASSERT_NE(port, 0) << "no free port for the relay";
  RelayProcess relay;
  ASSERT_TRUE(relay.start(port, dir_ / "relay.log"));
  const auto pin = relay.wait_ready(5s);
  ASSERT_TRUE(pin) << relay.output();

  transport::EpollLoop loop;
  const moqt::MoqtUrl url{"127.0.0.1", port, "/"};

  Publisher publisher(loop);
  auto pub = moqt::connect_quic(loop, url, trust(*pin), {}, &publisher);
  ASSERT_TRUE(pub.ok()) << pub.error().what;
  publisher.session = *pub;
  ASSERT_TRUE(loop.run_until([&] { return publisher.ready || publisher.closed; }, 3s));
  ASSERT_TRUE(publisher.ready);
  Announce announce;
  auto ns = publisher.session->publish_namespace(kTrack.track_namespace, &announce);
  ASSERT_TRUE(loop.run_until([&] { return announce.ok || announce.failed; }, 3s));
  ASSERT_TRUE(announce.ok);
  publisher.tick();

  Subscriber subscriber;
  auto sub_session = moqt::connect_quic(loop, url, trust(*pin), {}, &subscriber);
  ASSERT_TRUE(sub_session.ok()) << sub_session.error().what;
  ASSERT_TRUE(loop.run_until([&] { return subscriber.ready || subscriber.closed; }, 3s));
  ASSERT_TRUE(subscriber.ready);
  auto sub = (*sub_session)->subscribe(kTrack, {}, &subscriber);
  ASSERT_TRUE(loop.run_until([&] { return subscriber.objects >= 3 || subscriber.error; }, 3s)) << relay.output();
  ASSERT_FALSE(subscriber.error) << "SUBSCRIBE refused with " << *subscriber.error << " after " << publisher.subscribes
                                 << " upstream SUBSCRIBEs\n" << relay.output();

  // After each malformed session the honest subscriber must still be receiving new objects.
  auto still_receiving = [&](const char* after) {
    const auto before = subscriber.objects;
    EXPECT_TRUE(loop.run_until([&] { return subscriber.objects >= before + 3; }, 2s))
        << "the subscriber stopped receiving after " << after;
    EXPECT_FALSE(subscriber.closed) << after;
    EXPECT_TRUE(relay.running()) << after << "\n" << relay.output();
  };
  const auto violation = static_cast<std::uint64_t>(wire::SessionError::kProtocolViolation);
  const auto v20 = wire::Version::kDraft20;

  // (a) An unknown message type on the control stream, after a good SETUP.
  auto closed = misbehave(loop, *pin, port, "moqt-20", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto bytes = setup_bytes(v20);
    auto unknown = frame(0x3E, {0x01, 0x02, 0x03});
    bytes.insert(bytes.end(), unknown.begin(), unknown.end());
    control->write(std::span<const std::uint8_t>(bytes));
  });
  ASSERT_TRUE(closed);
  EXPECT_TRUE(closed->by_peer);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("an unknown message type");

  // (a) A request stream holding a truncated SUBSCRIBE (its frame claims more than comes).
  closed = misbehave(loop, *pin, port, "moqt-20", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto setup = setup_bytes(v20);
    control->write(std::span<const std::uint8_t>(setup));
    auto* request = s.open_bidi();
    const std::vector<std::uint8_t> garbage = {0x03, 0x00, 0x40, 0x00, 0x01, 0xFF, 0xFE};
    request->write(std::span<const std::uint8_t>(garbage), true);
  });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("a truncated request");

  // (b) A draft the relay does not speak: no common ALPN, so the TLS handshake fails with the
  // no_application_protocol alert, QUIC error CRYPTO_ERROR 0x100 + 120 (RFC 9001 §8.1).
  closed = misbehave(loop, *pin, port, "moqt-99", [](transport::Session&) {});
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, 0x178u) << closed->reason;
  still_receiving("an unknown version");

  // (b) A SETUP that breaks draft-20's rules: a client may not use a token alias in SETUP.
  closed = misbehave(loop, *pin, port, "moqt-20", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto setup = setup_with_alias(v20);
    control->write(std::span<const std::uint8_t>(setup));
  });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("a SETUP with USE_ALIAS");

  // (b) A second SETUP on the control stream.
  closed = misbehave(loop, *pin, port, "moqt-18", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto bytes = setup_bytes(wire::Version::kDraft18);
    auto again = setup_bytes(wire::Version::kDraft18);
    bytes.insert(bytes.end(), again.begin(), again.end());
    control->write(std::span<const std::uint8_t>(bytes));
  });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("a second SETUP");

  // (c) PUBLISH_NAMESPACE with 33 namespace fields (the draft allows 32).
  closed = misbehave(loop, *pin, port, "moqt-20", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto setup = setup_bytes(v20);
    control->write(std::span<const std::uint8_t>(setup));
    std::vector<std::uint8_t> bytes;
    wire::ByteWriter body(bytes);
    body.varint(0);   // Request ID
    body.varint(33);  // fields
    for (int i = 0; i < 33; ++i) body.length_prefixed(std::string_view("f"));
    body.varint(0);  // no parameters
    auto msg = frame(0x06, bytes);
    s.open_bidi()->write(std::span<const std::uint8_t>(msg));
  });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("a 33-field namespace");

  // (c) A track name that makes the full name longer than 4096 bytes.
  closed = misbehave(loop, *pin, port, "moqt-20", [&](transport::Session& s) {
    auto* control = s.open_uni();
    auto setup = setup_bytes(v20);
    control->write(std::span<const std::uint8_t>(setup));
    std::vector<std::uint8_t> bytes;
    wire::ByteWriter body(bytes);
    body.varint(0);  // Request ID
    body.varint(1);  // one namespace field
    body.length_prefixed(std::string_view("big"));
    body.length_prefixed(std::string(4100, 'n'));
    body.varint(0);  // no parameters
    auto msg = frame(0x03, bytes);
    s.open_bidi()->write(std::span<const std::uint8_t>(msg));
  });
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, violation) << closed->reason;
  still_receiving("an oversized track name");

  EXPECT_TRUE(subscriber.ok);
  EXPECT_GE(subscriber.objects, 20u);
  ASSERT_TRUE(relay.running()) << relay.output();
  (*sub_session)->close(0, "done");
  publisher.session->close(0, "done");
  loop.run_until([] { return false; }, 50ms);
  EXPECT_EQ(relay.stop(), 0) << relay.output();
}

}  // namespace
}  // namespace kinetic
