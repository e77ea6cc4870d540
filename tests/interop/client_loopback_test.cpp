// `kinetic interop-client` over real QUIC against the smallest router our MoQT sessions make:
// it accepts PUBLISH_NAMESPACE and routes SUBSCRIBE to the announcing session, refusing
// anything unannounced. This checks the client's six cases end to end with no dependency on
// the relay, whose own run is in interop_client_test.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "tap.hpp"

namespace {

using namespace kinetic;
using namespace kinetic::interop_test;

moqt::RequestErrorInfo request_error(wire::RequestErrorCode code, std::string reason) {
  moqt::RequestErrorInfo e;
  e.code = static_cast<std::uint64_t>(code);
  e.reason = std::move(reason);
  return e;
}

class Router final : public moqt::SessionHandler {
 public:
  void on_request(moqt::Session& s, std::shared_ptr<moqt::IncomingRequest> r) override {
    if (r->kind() != moqt::RequestKind::kPublishNamespace) {
      r->reject(request_error(wire::RequestErrorCode::kNotSupported, "router takes announcements only"));
      return;
    }
    auto ns = r->track_namespace();
    publishers_[ns] = s.weak_from_this();
    r->set_on_cancel([this, ns] { publishers_.erase(ns); });
    r->accept();
    announcements_.push_back(std::move(r));
  }

  void on_subscribe(moqt::Session& s, std::shared_ptr<moqt::ServedSubscription> down) override {
    (void)s;
    auto it = publishers_.find(down->track().track_namespace);
    auto publisher = it == publishers_.end() ? nullptr : it->second.lock();
    if (!publisher || publisher->closed()) {
      down->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "no publisher"));
      return;
    }
    auto f = std::make_unique<Forward>();
    f->down = down;
    f->up = publisher->subscribe(down->track(), moqt::SubscribeOptions{}, f.get());
    forwards_.push_back(std::move(f));
  }

  std::vector<std::shared_ptr<moqt::Session>> sessions;

 private:
  struct Forward final : moqt::SubscriptionHandler {
    void on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) override {
      (void)sub;
      down->accept(info);
    }
    void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& e) override {
      (void)sub;
      down->reject(e);
    }
    void on_object(moqt::Subscription& sub, const moqt::Object& o) override { (void)sub; (void)o; }
    std::shared_ptr<moqt::ServedSubscription> down;
    std::shared_ptr<moqt::Subscription> up;
  };

  std::map<moqt::TrackNamespace, std::weak_ptr<moqt::Session>> publishers_;
  std::vector<std::shared_ptr<moqt::IncomingRequest>> announcements_;
  std::vector<std::unique_ptr<Forward>> forwards_;
};

class ClientLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::thread([this] {
      transport::EpollLoop loop;
      Router router;
      auto cert = transport::CertificateKeyPair::generate();
      if (!cert) { port_ = -1; return; }
      transport::quic::QuicServerConfig sc;
      sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
      sc.certificate = *cert;
      auto server = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr t) {
        moqt::SessionOptions o;
        o.perspective = moqt::Perspective::kServer;
        if (auto s = moqt::Session::create(std::move(t), o, &router)) router.sessions.push_back(std::move(s));
      });
      if (!server) { port_ = -1; return; }
      // The same router behind WebTransport: an HTTP/3 server whose CONNECT sessions become
      // MoQT sessions, as in the relay.
      transport::webtransport::ServerOptions h3;
      h3.on_session = [&](transport::SessionPtr t) {
        moqt::SessionOptions o;
        o.perspective = moqt::Perspective::kServer;
        if (auto s = moqt::Session::create(std::move(t), o, &router)) router.sessions.push_back(std::move(s));
      };
      std::vector<std::shared_ptr<transport::webtransport::H3Connection>> h3_connections;
      sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
      auto wt_server = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr t) {
        h3_connections.push_back(transport::webtransport::H3Connection::server(std::move(t), h3));
      });
      if (!wt_server) { port_ = -1; return; }
      wt_port_ = (*wt_server)->local_address().port();
      loop_ = &loop;
      port_ = (*server)->local_address().port();
      loop.run();
      router.sessions.clear();
      h3_connections.clear();
    });
    while (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GT(port_, 0) << "router did not start";
  }
  void TearDown() override {
    while (port_ > 0 && loop_ == nullptr) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (loop_ != nullptr) loop_.load()->stop();
    server_.join();
  }
  ProcessResult client(const std::string& extra) {
    return sh(cli() + " interop-client --tls-disable-verify -r moqt://127.0.0.1:" + std::to_string(port_.load()) +
              " " + extra);
  }
  void expect_all_pass(const ProcessResult& r) {
    auto tap = parse_tap(r.out);
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_TRUE(tap.version);
    EXPECT_EQ(tap.plan, static_cast<int>(kCases.size()));
    ASSERT_EQ(tap.points.size(), kCases.size()) << r.out;
    for (std::size_t i = 0; i < kCases.size(); ++i) {
      EXPECT_TRUE(tap.points[i].ok) << r.out;
      EXPECT_EQ(tap.points[i].name, kCases[i]);
    }
  }

  std::thread server_;
  std::atomic<int> port_{0};
  std::atomic<int> wt_port_{0};
  std::atomic<transport::EpollLoop*> loop_{nullptr};
};

TEST_F(ClientLoopback, AllCasesPassDraft20) {
  auto r = client("--draft 20");
  expect_all_pass(r);
  EXPECT_NE(r.out.find("draft: draft-ietf-moq-transport-20"), std::string::npos) << r.out;
}

TEST_F(ClientLoopback, AllCasesPassDraft18) {
  auto r = client("--draft 18");
  expect_all_pass(r);
  EXPECT_NE(r.out.find("draft: draft-ietf-moq-transport-18"), std::string::npos) << r.out;
}

TEST_F(ClientLoopback, AllCasesPassOverWebTransport) {
  expect_all_pass(sh(cli() + " interop-client --tls-disable-verify -r https://127.0.0.1:" +
                     std::to_string(wt_port_.load()) + "/moq"));
}

// The runner's containers configure the client by environment alone.
TEST_F(ClientLoopback, EnvironmentSelectsOneCase) {
  auto r = sh("RELAY_URL=moqt://127.0.0.1:" + std::to_string(port_.load()) +
              " TESTCASE=subscribe-error TLS_DISABLE_VERIFY=1 " + cli() + " interop-client");
  EXPECT_EQ(r.rc, 0) << r.out;
  auto tap = parse_tap(r.out);
  ASSERT_EQ(tap.points.size(), 1u) << r.out;
  EXPECT_TRUE(tap.points[0].ok);
  EXPECT_EQ(tap.points[0].name, "subscribe-error");
}

}  // namespace
