// What the gateway's process tests share: a relay and `kinetic whip` in front of it, started by
// a shell preamble that leaves $RELAY (moqt:// URL), $HTTP (http://127.0.0.1:PORT) and $WHIP_PID
// set (and $RELAY_PID); the browser drivers under tests/browser; counting what ffprobe decodes from `kinetic
// sub`'s MP4. Every process is bounded by `timeout`.
//
// What the in-process gateway tests share (InProcessGateway): the gateway and its relay
// session in this process, the relay's end played by the test.
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../moqt/moqt_fixture.hpp"
#include "../process_fixture.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/inproc/inproc_session.hpp"
#include "kinetic/webrtc/gateway.hpp"
#include "kinetic/webrtc/live_publisher.hpp"
#include "loopback_http.hpp"

namespace kinetic::test {

class GatewayTest : public ProcessTest {
 protected:
  void SetUp() override {
    ProcessTest::SetUp();
    if (IsSkipped()) return;
    if (std::system("curl --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  }

  // For the tests that drive Chromium and judge media with ffprobe.
  static bool browser_ready(std::string& why) {
    if (std::system("ffprobe -version >/dev/null 2>&1") != 0) why = "ffprobe not installed";
    if (std::system("test -x /usr/bin/chromium || test -n \"$CHROMIUM\"") != 0) why = "chromium not installed";
    if (!std::filesystem::exists(browser_dir() + "/node_modules/playwright-core")) why = "tests/browser/node_modules missing";
    return why.empty();
  }

  // Shell function `code NAME CURL-ARGS...`: the HTTP status goes to NAME.code, the body to NAME.body.
  static std::string curl_helper() {
    return "code() { n=$1; shift; curl -s -m 10 -o \"$n.body\" -w '%{http_code}' \"$@\" >\"$n.code\"; }\n";
  }
  [[nodiscard]] std::string status(const std::string& name) const { return read(name + ".code"); }

  static std::string browser_dir() { return std::string(KINETIC_SOURCE_DIR) + "/tests/browser"; }

  // Relay on a port of its own, then the gateway on any HTTP port with `gateway_args`.
  static std::string preamble(const std::string& gateway_args, int seconds = 50) {
    const std::string port = std::to_string(free_port());  // 0: none free, and no client reaches the relay
    const std::string t = std::to_string(seconds);
    return "RELAY=moqt://127.0.0.1:" + port + "\n"
           "timeout " + t + " \"$K\" relay --listen 127.0.0.1:" + port + " >relay.log 2>&1 & RELAY_PID=$!\n" +
           shell_wait_for("relay.log", "relay listening") + "\n"
           "timeout " + t + " \"$K\" whip \"$RELAY\" --http 127.0.0.1:0 --insecure " + gateway_args +
           " >whip.log 2>&1 & WHIP_PID=$!\n" + shell_wait_for("whip.log", "WHIP on") + "\n"
           "HTTP=$(grep -o 'http://127.0.0.1:[0-9]*' whip.log | head -1)\n"
           "B='" + browser_dir() + "'\n";
  }
};

// The gateway with HTTP on 127.0.0.1 (a port the kernel picks) and its relay session joined,
// by an inproc transport on the gateway's own event loop, to a relay end the test plays: it
// accepts or refuses PUBLISH_NAMESPACE and serves subscriptions from a LivePublisher of its own.
// The loop runs on a thread of its own, as `kinetic whip`'s does, so that HTTP requests (which
// wait for the relay) can be made from the test's thread.
class InProcessGateway : public ::testing::Test {
 protected:
  struct RelayEnd : moqt::SessionHandler {
    void on_ready(moqt::Session&) override { ready = true; }
    void on_request(moqt::Session&, std::shared_ptr<moqt::IncomingRequest> r) override {
      {
        std::lock_guard lock(mu);
        announced.push_back(r->track_namespace());
      }
      if (refusal) {
        r->reject(*refusal);
      } else if (answer_delay.count() > 0) {
        loop->schedule_at(loop->now() + answer_delay, [r] { r->accept(); });
      } else {
        r->accept();
      }
      requests.push_back(std::move(r));
    }
    void on_subscribe(moqt::Session& s, std::shared_ptr<moqt::ServedSubscription> sub) override {
      if (publisher && publisher->on_subscribe(sub)) return;
      moqt::SessionHandler::on_subscribe(s, sub);
    }
    std::vector<moqt::TrackNamespace> namespaces() {
      std::lock_guard lock(mu);
      return announced;
    }

    // Loop thread.
    bool ready = false;
    std::optional<moqt::RequestErrorInfo> refusal;  // set: PUBLISH_NAMESPACE is refused with it
    std::chrono::milliseconds answer_delay{0};      // how long PUBLISH_NAMESPACE waits to be accepted
    transport::EpollLoop* loop = nullptr;
    std::shared_ptr<webrtc::LivePublisher> publisher;
    std::vector<std::shared_ptr<moqt::IncomingRequest>> requests;

    std::mutex mu;
    std::vector<moqt::TrackNamespace> announced;  // guarded by mu
  };

  void SetUp() override {
    if (const webrtc::Done ready = webrtc::init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  }

  void TearDown() override {
    if (!loop_thread_.joinable()) {
      gateway_.reset();
      return;
    }
    // As `kinetic whip` ends: the relay session closes first (it calls the gateway), then the
    // gateway goes, and the loop stops before it can run what the gateway posted on its way out.
    on_loop([this] {
      if (client_ && !client_->closed()) client_->close(0, "test done");
      client_.reset();
      gateway_.reset();
      server_.reset();
      relay_.publisher.reset();
      relay_.requests.clear();
      loop_.stop();
    });
    loop_thread_.join();
  }

  // Starts the gateway and its relay session, both ready, with `tune` applied to its options.
  ::testing::AssertionResult start(const std::function<void(webrtc::GatewayOptions&)>& tune = {}) {
    webrtc::GatewayOptions options;
    options.http_host = "127.0.0.1";
    options.http_port = 0;
    options.ingest.ice.addresses = {"127.0.0.1"};
    if (tune) tune(options);
    auto gateway = webrtc::Gateway::start(loop_, std::move(options));
    if (!gateway) return ::testing::AssertionFailure() << "gateway did not start: " << gateway.error().what;
    gateway_ = std::move(*gateway);
    relay_.loop = &loop_;
    loop_thread_ = std::thread([this] { loop_.run(); });
    const bool made = on_loop([this] {
      transport::inproc::InprocOptions link;
      link.protocol = "moqt-20";
      auto [client, server] = transport::inproc::InprocSession::make_pair(loop_, loop_, link);
      client_ =
          moqt::Session::create(client, moqt::testing::client_options("/moq", "relay.test"), gateway_.get());
      server_ = moqt::Session::create(server, moqt::testing::server_options(), &relay_);
      gateway_->attach(client_);
    });
    if (!made || !client_ || !server_) return ::testing::AssertionFailure() << "no relay session";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    bool ready = false;
    while (!ready && std::chrono::steady_clock::now() < deadline) {
      on_loop([&] { ready = client_->ready() && relay_.ready; });
    }
    if (!ready) return ::testing::AssertionFailure() << "the relay session was not ready in 2 s";
    return ::testing::AssertionSuccess();
  }

  // Runs `fn` on the loop's thread and waits for it (5 s at most); false when it did not run.
  bool on_loop(std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    loop_.post([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    return finished.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  }

  // Waits (bounded) for `done`, checked on the test's thread.
  static bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  HttpReply ask(std::string_view method, std::string_view path,
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                std::string_view body = {}) {
    return http_exchange(gateway_->http_port(), request_text(method, path, headers, body));
  }

  transport::EpollLoop loop_;
  std::thread loop_thread_;
  RelayEnd relay_;
  std::unique_ptr<webrtc::Gateway> gateway_;
  std::shared_ptr<moqt::Session> client_;  // the gateway's relay session
  std::shared_ptr<moqt::Session> server_;  // the relay's end of it
};

}  // namespace kinetic::test
