// `kinetic interop-client`: the MoQT interop runner's test client (TEST-CLIENT-INTERFACE.md).
// It runs the runner's test cases against a relay over raw QUIC (moqt://) or WebTransport
// (https://) and reports them as TAP 14 on stdout, so the same binary can sit in the public
// runner's matrix and in our own CTest suite. Logs go to stderr to keep stdout pure TAP.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/webtransport/webtransport_client.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::app::cmd_interop {
namespace {

using namespace std::chrono_literals;
using kinetic::transport::EpollLoop;
using Ms = std::chrono::milliseconds;
namespace moqt = kinetic::moqt;
namespace transport = kinetic::transport;
namespace quic = kinetic::transport::quic;
namespace wt = kinetic::transport::webtransport;

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitUnsupported = 127;

const std::vector<std::string> kTestNames = {"setup-only",         "announce-only",      "publish-namespace-done",
                                             "subscribe-error",    "announce-subscribe", "subscribe-before-announce"};

const moqt::TrackNamespace kTestNamespace{{"moq-test", "interop"}};
const moqt::FullTrackName kTestTrack{kTestNamespace, "test-track"};
const moqt::FullTrackName kMissingTrack{moqt::TrackNamespace{{"nonexistent", "namespace"}}, "test-track"};

struct Target {
  bool webtransport = false;
  std::string url;
  std::string host;
  std::uint16_t port = 443;
  std::string authority;
  std::string path = "/";
};

// moqt:// and https:// each go through the parser of the client that dials them, so every tool
// agrees on what a URL means.
std::optional<Target> parse_target(const std::string& url) {
  Target t;
  t.url = url;
  if (url.rfind("https://", 0) == 0) {
    auto parsed = wt::parse_https_url(url);
    if (!parsed) return std::nullopt;
    t.webtransport = true;
    t.host = parsed->host;
    t.port = parsed->port;
    t.authority = parsed->authority;
    t.path = parsed->path;
    return t;
  }
  auto parsed = moqt::parse_moqt_url(url);
  if (!parsed) return std::nullopt;
  t.host = parsed->host;
  t.port = parsed->port;
  t.path = parsed->path;
  // SETUP's AUTHORITY as the URL wrote it: host, and the port only where one was given.
  const std::string_view rest = std::string_view(url).substr(std::string_view("moqt://").size());
  t.authority = std::string(rest.substr(0, rest.find('/')));
  return t;
}

struct ClientOptions {
  Target target;
  bool verify_peer = true;
  std::vector<std::string> protocols;  // MoQT ALPN / WebTransport protocols offered, newest first
};

// One connection to the relay in one role, with the events a test case waits for recorded as
// flags so the case reads as a sequence of bounded waits.
class Peer {
 public:
  Peer(EpollLoop& loop, const ClientOptions& options, std::string role)
      : loop_(loop), options_(options), role_(std::move(role)), bootstrap_(*this), events_(*this),
        announce_(*this), subscription_(*this) {}
  ~Peer() {
    // Sessions must not outlive the loop's callbacks into this object.
    if (session_ && !session_->closed()) session_->close(0, "");
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Starts the handshake; false (with failure() set) when it cannot even begin.
  bool connect() {
    if (options_.target.webtransport) {
      wt::WebTransportClientConfig config;
      config.url = options_.target.url;
      config.protocols = options_.protocols;
      config.verify_peer = options_.verify_peer;
      auto session = wt::connect_webtransport(loop_, config);
      if (!session) return fail(std::string("WebTransport connect failed: ") + session.error().what);
      transport_ = *session;
      transport_->set_handler(&bootstrap_);
      return true;
    }
    auto remote = quic::SocketAddress::resolve(options_.target.host, options_.target.port);
    if (!remote) return fail("cannot resolve " + options_.target.host);
    quic::QuicClientConfig config;
    config.remote = *remote;
    config.server_name = options_.target.host;
    config.settings.alpn = options_.protocols;
    config.verify_peer = options_.verify_peer;
    auto session = quic::QuicClient::connect(loop_, config, &bootstrap_);
    if (!session) return fail(std::string("QUIC connect failed: ") + session.error().what);
    transport_ = *session;
    return true;
  }

  void publish_namespace() { announce_request_ = session_->publish_namespace(kTestNamespace, &announce_); }
  void withdraw_namespace() {
    if (announce_request_) announce_request_->cancel();
  }
  void subscribe(const moqt::FullTrackName& track) {
    subscribe_sent_ = true;
    subscription_handle_ = session_->subscribe(track, moqt::SubscribeOptions{}, &subscription_);
  }

  // Graceful end: NO_ERROR, then a short bounded wait so CONNECTION_CLOSE leaves the host.
  void close() {
    if (session_ && !session_->closed()) session_->close(0, "test done");
    else if (transport_ && !session_) transport_->close(0, "test done");
    loop_.run_until([this] { return transport_closed_; }, 300ms);
  }

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] bool failed() const { return !failure_.empty(); }
  [[nodiscard]] const std::string& failure() const { return failure_; }
  [[nodiscard]] const std::string& role() const { return role_; }
  [[nodiscard]] std::optional<bool> announce_ok() const { return announce_ok_; }
  [[nodiscard]] std::optional<bool> subscribe_ok() const { return subscribe_ok_; }
  [[nodiscard]] const std::string& error_text() const { return error_text_; }
  [[nodiscard]] int subscriptions_served() const { return subscriptions_served_; }
  [[nodiscard]] std::string draft() const {
    return session_ ? std::string(kinetic::wire::version_name(session_->version())) : std::string("none");
  }

 private:
  bool fail(std::string why) {
    if (failure_.empty()) failure_ = role_ + ": " + std::move(why);
    return false;
  }

  // Sees the transport until it is ready, then hands it to the MoQT session.
  struct Bootstrap final : transport::SessionHandler {
    explicit Bootstrap(Peer& p) : peer(p) {}
    void on_ready(transport::Session& s) override {
      moqt::SessionOptions so;
      so.perspective = moqt::Perspective::kClient;
      if (!peer.options_.target.webtransport) {
        so.path = peer.options_.target.path;
        so.authority = peer.options_.target.authority;
      }
      so.implementation = "kinetic-interop-client";
      spdlog::debug("{}: transport ready, protocol {}", peer.role_, s.protocol());
      peer.session_ = moqt::Session::create(peer.transport_, so, &peer.events_);
      if (!peer.session_) peer.fail("relay chose no MoQT version we speak (" + std::string(s.protocol()) + ")");
    }
    void on_incoming_stream(transport::Session& s, transport::Stream& stream) override {
      (void)s;
      stream.stop_sending(0);
    }
    void on_closed(transport::Session& s, const transport::CloseInfo& info) override {
      (void)s;
      peer.transport_closed_ = true;
      peer.fail("connection closed before SETUP: code " + std::to_string(info.code) + " " + info.reason);
    }
    Peer& peer;
  };

  struct Events final : moqt::SessionHandler {
    explicit Events(Peer& p) : peer(p) {}
    void on_ready(moqt::Session& s) override {
      spdlog::debug("{}: SETUP exchanged ({})", peer.role_, kinetic::wire::version_name(s.version()));
      peer.ready_ = true;
    }
    void on_closed(moqt::Session& s, std::uint64_t code, std::string_view reason) override {
      (void)s;
      peer.transport_closed_ = true;
      if (!peer.closing_) peer.fail("session closed by " + std::to_string(code) + " " + std::string(reason));
    }
    void on_subscribe(moqt::Session& s, std::shared_ptr<moqt::ServedSubscription> sub) override {
      (void)s;
      ++peer.subscriptions_served_;
      if (sub->track() == kTestTrack) {
        sub->accept(moqt::TrackInfo{});
      } else {
        moqt::RequestErrorInfo error;
        error.code = static_cast<std::uint64_t>(kinetic::wire::RequestErrorCode::kDoesNotExist);
        error.reason = "no such track";
        sub->reject(error);
      }
      peer.served_.push_back(std::move(sub));
    }
    Peer& peer;
  };

  struct Announce final : moqt::RequestHandler {
    explicit Announce(Peer& p) : peer(p) {}
    void on_ok(moqt::OutgoingRequest& r, const moqt::TrackInfo& info) override {
      (void)r; (void)info;
      peer.announce_ok_ = true;
    }
    void on_error(moqt::OutgoingRequest& r, const moqt::RequestErrorInfo& e) override {
      (void)r;
      peer.announce_ok_ = false;
      peer.error_text_ = "REQUEST_ERROR " + std::to_string(e.code) + " " + e.reason;
    }
    Peer& peer;
  };

  struct Subscriber final : moqt::SubscriptionHandler {
    explicit Subscriber(Peer& p) : peer(p) {}
    void on_ok(moqt::Subscription& s, const moqt::TrackInfo& info) override {
      (void)s; (void)info;
      peer.subscribe_ok_ = true;
    }
    void on_error(moqt::Subscription& s, const moqt::RequestErrorInfo& e) override {
      (void)s;
      peer.subscribe_ok_ = false;
      peer.error_text_ = "REQUEST_ERROR " + std::to_string(e.code) + " " + e.reason;
    }
    void on_object(moqt::Subscription& s, const moqt::Object& o) override { (void)s; (void)o; }
    Peer& peer;
  };

  friend struct Bootstrap;
  EpollLoop& loop_;
  const ClientOptions& options_;
  std::string role_;
  Bootstrap bootstrap_;
  Events events_;
  Announce announce_;
  Subscriber subscription_;
  transport::SessionPtr transport_;
  std::shared_ptr<moqt::Session> session_;
  std::shared_ptr<moqt::OutgoingRequest> announce_request_;
  std::shared_ptr<moqt::Subscription> subscription_handle_;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served_;
  std::string failure_;
  std::string error_text_;
  std::optional<bool> announce_ok_;
  std::optional<bool> subscribe_ok_;
  int subscriptions_served_ = 0;
  bool ready_ = false;
  bool transport_closed_ = false;
  bool subscribe_sent_ = false;

 public:
  bool closing_ = false;
};

struct Outcome {
  bool pass = false;
  std::string expected;
  std::string received;
  std::string message;
  std::string draft;
};

// A test case's bounded waits, all against one deadline (the case's timeout from TEST-CASES.md).
class Case {
 public:
  Case(EpollLoop& loop, const ClientOptions& options, Ms timeout)
      : loop_(loop), options_(options), deadline_(transport::Clock::now() + timeout), timeout_(timeout) {}

  std::unique_ptr<Peer> peer(const std::string& role) { return std::make_unique<Peer>(loop_, options_, role); }

  // Waits until `done` or the deadline; false on the deadline.
  bool wait(const std::function<bool()>& done) {
    auto left = deadline_ - transport::Clock::now();
    if (left <= transport::Duration::zero()) return done();
    return loop_.run_until(done, left);
  }
  bool connect(Peer& p) {
    if (!p.connect()) return false;
    return wait([&] { return p.ready() || p.failed(); }) && p.ready();
  }
  void pause(Ms d) {
    auto until = transport::Clock::now() + d;
    loop_.run_until([&] { return transport::Clock::now() >= until; }, d + 50ms);
  }
  [[nodiscard]] std::string timeout_text() const { return "no response within " + std::to_string(timeout_.count()) + " ms"; }

 private:
  EpollLoop& loop_;
  const ClientOptions& options_;
  transport::TimePoint deadline_;
  Ms timeout_;
};

Outcome connect_failure(Case& c, Peer& p, std::string expected) {
  Outcome o;
  o.expected = std::move(expected);
  o.received = p.failed() ? "error" : "timeout";
  o.message = p.failed() ? p.failure() : p.role() + ": SETUP " + c.timeout_text();
  return o;
}

void finish(std::vector<Peer*> peers) {
  for (auto* p : peers) p->closing_ = true;
  for (auto* p : peers) p->close();
}

// A peer that closed the session on us with an error during the case fails it.
bool closed_cleanly(std::vector<Peer*> peers, Outcome& o) {
  for (auto* p : peers) {
    if (p->failed()) {
      o.pass = false;
      o.message = p->failure();
      return false;
    }
  }
  return true;
}

// Waits for a request's answer (true: OK, false: an error reply). When none comes, `o` says why:
// the case timed out, or one of `peers` lost its session (the first one named wins).
bool await_answer(Case& c, const std::function<std::optional<bool>()>& answer, std::vector<Peer*> peers,
                  Outcome& o) {
  auto failed = [&]() -> Peer* {
    for (auto* p : peers) {
      if (p->failed()) return p;
    }
    return nullptr;
  };
  if (!c.wait([&] { return answer().has_value() || failed() != nullptr; })) {
    o.received = "timeout";
    o.message = c.timeout_text();
    return false;
  }
  if (auto* p = failed()) {
    o.received = "error";
    o.message = p->failure();
    return false;
  }
  return true;
}

Outcome setup_only(EpollLoop& loop, const ClientOptions& options) {
  Case c(loop, options, 2000ms);
  auto p = c.peer("client");
  if (!c.connect(*p)) return connect_failure(c, *p, "SERVER_SETUP");
  Outcome o{true, "", "", "", p->draft()};
  c.pause(20ms);  // lets a relay that dislikes our SETUP close on us before we leave
  closed_cleanly({p.get()}, o);
  finish({p.get()});
  return o;
}

// Connect, PUBLISH_NAMESPACE, REQUEST_OK; `withdraw` then cancels the request stream.
Outcome announce(EpollLoop& loop, const ClientOptions& options, bool withdraw) {
  Case setup(loop, options, 2000ms);
  auto p = setup.peer("client");
  if (!setup.connect(*p)) return connect_failure(setup, *p, "PUBLISH_NAMESPACE_OK");
  Case c(loop, options, 2000ms);
  p->publish_namespace();
  Outcome o{false, "PUBLISH_NAMESPACE_OK", "", "", p->draft()};
  if (await_answer(c, [&] { return p->announce_ok(); }, {p.get()}, o)) {
    if (!*p->announce_ok()) {
      o.received = p->error_text();
    } else {
      o.pass = true;
      if (withdraw) {
        p->withdraw_namespace();
        c.pause(50ms);  // the FIN reaches the relay before the connection closes
      }
      closed_cleanly({p.get()}, o);
    }
  }
  finish({p.get()});
  return o;
}

Outcome subscribe_error(EpollLoop& loop, const ClientOptions& options) {
  Case c(loop, options, 2000ms);
  auto p = c.peer("client");
  if (!c.connect(*p)) return connect_failure(c, *p, "SUBSCRIBE_ERROR");
  p->subscribe(kMissingTrack);
  Outcome o{false, "SUBSCRIBE_ERROR", "", "", p->draft()};
  if (await_answer(c, [&] { return p->subscribe_ok(); }, {p.get()}, o)) {
    if (*p->subscribe_ok()) {
      o.received = "SUBSCRIBE_OK";
      o.message = "unexpected success";
    } else {
      o.pass = true;
      o.received = p->error_text();
    }
  }
  finish({p.get()});
  return o;
}

Outcome announce_subscribe(EpollLoop& loop, const ClientOptions& options) {
  Case c(loop, options, 3000ms);
  auto pub = c.peer("publisher");
  auto sub = c.peer("subscriber");
  Outcome o{false, "SUBSCRIBE_OK", "", "", ""};
  if (!c.connect(*pub)) return connect_failure(c, *pub, "PUBLISH_NAMESPACE_OK");
  o.draft = pub->draft();
  pub->publish_namespace();
  if (!c.wait([&] { return pub->announce_ok().has_value() || pub->failed(); }) || pub->failed() ||
      !*pub->announce_ok()) {
    o.expected = "PUBLISH_NAMESPACE_OK";
    o.received = pub->failed() ? "error" : pub->announce_ok() ? pub->error_text() : "timeout";
    o.message = pub->failed() ? pub->failure() : "publisher was not acknowledged";
    finish({pub.get()});
    return o;
  }
  if (!c.connect(*sub)) {
    auto f = connect_failure(c, *sub, "SUBSCRIBE_OK");
    f.draft = o.draft;
    finish({pub.get(), sub.get()});
    return f;
  }
  sub->subscribe(kTestTrack);
  if (await_answer(c, [&] { return sub->subscribe_ok(); }, {sub.get(), pub.get()}, o)) {
    if (!*sub->subscribe_ok()) {
      o.received = sub->error_text();
    } else {
      o.pass = true;
      o.received = "SUBSCRIBE_OK";
      if (pub->subscriptions_served() == 0) o.message = "relay answered without asking the publisher";
      closed_cleanly({pub.get(), sub.get()}, o);
    }
  }
  finish({pub.get(), sub.get()});
  return o;
}

Outcome subscribe_before_announce(EpollLoop& loop, const ClientOptions& options) {
  Case c(loop, options, 3500ms);
  auto sub = c.peer("subscriber");
  auto pub = c.peer("publisher");
  Outcome o{false, "SUBSCRIBE_OK or SUBSCRIBE_ERROR", "", "", ""};
  if (!c.connect(*sub)) return connect_failure(c, *sub, o.expected);
  o.draft = sub->draft();
  sub->subscribe(kTestTrack);
  // The publisher starts 500 ms after the subscriber asked (TEST-CASES.md), whatever the relay
  // said meanwhile: a relay that refused at once must still take the announcement.
  Case pub_start(loop, options, 500ms);
  pub_start.wait([&] { return sub->failed(); });
  if (!sub->failed()) {
    if (!c.connect(*pub)) {
      auto f = connect_failure(c, *pub, "PUBLISH_NAMESPACE_OK");
      f.draft = o.draft;
      finish({sub.get(), pub.get()});
      return f;
    }
    pub->publish_namespace();
  }
  c.wait([&] {
    return sub->failed() || pub->failed() ||
           (sub->subscribe_ok().has_value() && pub->announce_ok().has_value());
  });
  if (sub->failed() || pub->failed()) {
    o.received = "error";
    o.message = sub->failed() ? sub->failure() : pub->failure();
  } else if (!pub->announce_ok().has_value() || !*pub->announce_ok()) {
    o.expected = "PUBLISH_NAMESPACE_OK";
    o.received = pub->announce_ok() ? pub->error_text() : "timeout";
  } else if (!sub->subscribe_ok().has_value()) {
    o.received = "timeout";
    o.message = c.timeout_text();
  } else {
    o.pass = true;
    o.received = *sub->subscribe_ok() ? "SUBSCRIBE_OK" : sub->error_text();
    closed_cleanly({sub.get(), pub.get()}, o);
  }
  finish({sub.get(), pub.get()});
  return o;
}

Outcome run_case(const std::string& name, EpollLoop& loop, const ClientOptions& options) {
  if (name == "setup-only") return setup_only(loop, options);
  if (name == "announce-only") return announce(loop, options, false);
  if (name == "publish-namespace-done") return announce(loop, options, true);
  if (name == "subscribe-error") return subscribe_error(loop, options);
  if (name == "announce-subscribe") return announce_subscribe(loop, options);
  return subscribe_before_announce(loop, options);
}

// YAML strings are quoted so reasons with colons or '#' stay one scalar.
std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') { out += "\\n"; continue; }
    out += ch;
  }
  return out + "\"";
}

struct Options {
  std::string relay = "https://localhost:4443";
  std::string test;
  bool list = false;
  bool verbose = false;
  bool tls_disable_verify = false;
  std::vector<int> drafts;
};

int run(const Options& opts) {
  if (opts.list) {
    for (const auto& n : kTestNames) std::cout << n << "\n";
    return kExitPass;
  }
  auto logger = spdlog::stderr_color_mt("interop-client");
  spdlog::set_default_logger(logger);
  spdlog::set_level(opts.verbose ? spdlog::level::debug : spdlog::level::warn);

  std::vector<std::string> tests = kTestNames;
  if (!opts.test.empty()) {
    bool known = false;
    for (const auto& n : kTestNames) known = known || n == opts.test;
    if (!known) {
      std::cerr << "interop-client: test '" << opts.test << "' is not supported\n";
      return kExitUnsupported;
    }
    tests = {opts.test};
  }

  ClientOptions client;
  client.verify_peer = !opts.tls_disable_verify;
  for (auto v : kinetic::wire::kSupportedVersions) {
    auto name = std::string(kinetic::wire::alpn(v));
    bool wanted = opts.drafts.empty();
    for (int d : opts.drafts) wanted = wanted || name == "moqt-" + std::to_string(d);
    if (wanted) client.protocols.push_back(name);
  }
  if (client.protocols.empty()) {
    std::cerr << "interop-client: no supported draft among those requested\n";
    return kExitUnsupported;
  }

  std::cout << "TAP version 14\n# kinetic interop-client " KINETIC_VERSION "\n# Relay: " << opts.relay << "\n";
  std::cout << "# Offered:";
  for (const auto& p : client.protocols) std::cout << " " << p;
  std::cout << "\n";
  auto target = parse_target(opts.relay);
  if (!target) {
    std::cout << "Bail out! relay URL must be moqt://host[:port][/path] or https://host[:port][/path]\n";
    return kExitFail;
  }
  client.target = *target;
  std::cout << "1.." << tests.size() << "\n" << std::flush;

  EpollLoop loop;
  bool all_pass = true;
  for (std::size_t i = 0; i < tests.size(); ++i) {
    auto start = transport::Clock::now();
    Outcome o = run_case(tests[i], loop, client);
    auto ms = std::chrono::duration_cast<Ms>(transport::Clock::now() - start).count();
    all_pass = all_pass && o.pass;
    std::ostringstream out;
    out << (o.pass ? "ok " : "not ok ") << (i + 1) << " - " << tests[i] << "\n  ---\n  duration_ms: " << ms << "\n";
    if (!o.draft.empty()) out << "  draft: " << o.draft << "\n";
    if (!o.expected.empty()) out << "  expected: " << yaml_quote(o.expected) << "\n";
    if (!o.received.empty()) out << "  received: " << yaml_quote(o.received) << "\n";
    if (!o.message.empty()) out << "  message: " << yaml_quote(o.message) << "\n";
    out << "  ...\n";
    std::cout << out.str() << std::flush;
  }
  return all_pass ? kExitPass : kExitFail;
}

const kinetic::app::RegisterCommand kRegister([](CLI::App& app) {
  auto opts = std::make_shared<Options>();
  auto* sub = app.add_subcommand("interop-client", "MoQT interop runner test client (TAP 14 on stdout)");
  sub->add_option("-r,--relay", opts->relay, "Relay URL: moqt://host:port (raw QUIC) or https://host:port/path")
      ->envname("RELAY_URL");
  sub->add_option("-t,--test", opts->test, "Run one test (default: all)")->envname("TESTCASE");
  sub->add_flag("-l,--list", opts->list, "List the tests this client supports");
  sub->add_flag("-v,--verbose", opts->verbose, "Protocol progress on stderr")->envname("VERBOSE");
  sub->add_flag("--tls-disable-verify", opts->tls_disable_verify, "Accept any relay certificate")
      ->envname("TLS_DISABLE_VERIFY");
  sub->add_option("--draft", opts->drafts, "Offer only these MoQT drafts (18, 20; repeatable)");
  return kinetic::app::Command{sub, [opts] { return run(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_interop
