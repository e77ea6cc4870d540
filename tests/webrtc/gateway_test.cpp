// The gateway's routing, asked over HTTP on 127.0.0.1 in one process: every request it must not
// act on gets its own HTTP error with a reason, before any pipeline or relay request exists,
// and the gateway goes on serving. The gateway has no relay session here (none is attached), so
// an offer that gets through the routing meets the "no relay" answers, which are checked too.
#include "kinetic/webrtc/gateway.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "loopback_http.hpp"
#include "offers.hpp"

namespace kinetic::webrtc {
namespace {

using test::HttpReply;
using test::kH264AndVp8;
using test::kVp8Only;
using test::make_offer;
using test::request_text;

const std::pair<std::string, std::string> kSdp{"Content-Type", "application/sdp"};

class GatewayRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const Done ready = init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  }

  // The gateway on 127.0.0.1 at a port the kernel picks, its loop on a thread of its own.
  ::testing::AssertionResult start(GatewayOptions options = {}) {
    options.http_host = "127.0.0.1";
    options.http_port = 0;
    options.ingest.ice.addresses = {"127.0.0.1"};
    auto gateway = Gateway::start(loop_, std::move(options));
    if (!gateway) return ::testing::AssertionFailure() << "gateway did not start: " << gateway.error().what;
    gateway_ = std::move(*gateway);
    loop_thread_ = std::thread([this] { loop_.run(); });
    return ::testing::AssertionSuccess();
  }

  void TearDown() override {
    if (loop_thread_.joinable()) {
      // Posted, so it cannot come before run() has begun and be forgotten.
      loop_.post([this] { loop_.stop(); });
      loop_thread_.join();
    }
    gateway_.reset();
  }

  HttpReply ask(std::string_view method, std::string_view path,
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                std::string_view body = {}) {
    return test::http_exchange(gateway_->http_port(), request_text(method, path, headers, body));
  }

  transport::EpollLoop loop_;
  std::thread loop_thread_;
  std::unique_ptr<Gateway> gateway_;
};

bool mentions(const HttpReply& r, std::string_view text) { return r.body.find(text) != std::string::npos; }

TEST_F(GatewayRouting, PathsOutsideWhipAndWhepAre404) {
  ASSERT_TRUE(start());
  for (const char* path : {"/", "/other", "/whipx/a", "/whip", "/WHIP/a"}) {
    SCOPED_TRACE(path);
    const HttpReply r = ask("POST", path, {kSdp}, make_offer(kH264AndVp8));
    EXPECT_EQ(r.status, 404) << r.error << r.body;
    EXPECT_TRUE(mentions(r, "POST /whip/<namespace>")) << r.body;
  }
}

// Trickle ICE (PATCH) and ICE restarts are not taken, and the answer says what is.
TEST_F(GatewayRouting, MethodsOtherThanPostAndDeleteAre405WithAllow) {
  ASSERT_TRUE(start());
  const HttpReply patch =
      ask("PATCH", "/whip/a/0123", {{"Content-Type", "application/trickle-ice-sdpfrag"}}, "a=x");
  EXPECT_EQ(patch.status, 405) << patch.error << patch.body;
  EXPECT_EQ(patch.header("Allow"), "POST, DELETE, OPTIONS");
  for (const char* method : {"GET", "PUT"}) {
    SCOPED_TRACE(method);
    const HttpReply r = ask(method, "/whep/a");
    EXPECT_EQ(r.status, 405) << r.error << r.body;
    EXPECT_EQ(r.header("Allow"), "POST, DELETE, OPTIONS");
  }
  EXPECT_EQ(gateway_->sessions(), 0u);
}

// A browser sends its preflight without the token, so it must be answered without one.
TEST_F(GatewayRouting, PreflightNeedsNoTokenAndSaysWhatMayBePosted) {
  GatewayOptions options;
  options.token = "s3cret";
  ASSERT_TRUE(start(options));
  for (const char* path : {"/whip/a", "/whep/a"}) {
    SCOPED_TRACE(path);
    const HttpReply r =
        ask("OPTIONS", path, {{"Origin", "http://127.0.0.1:1"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(r.status, 204) << r.error << r.body;
    EXPECT_EQ(r.header("Accept-Post"), "application/sdp");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  }
}

TEST_F(GatewayRouting, WithATokenEveryRequestMustCarryIt) {
  GatewayOptions options;
  options.token = "s3cret";
  ASSERT_TRUE(start(options));
  const std::string offer = make_offer(kH264AndVp8);
  for (const char* auth : {"", "Bearer nope", "Bearer s3cretX", "Bearer s3cre", "s3cret", "Basic s3cret"}) {
    SCOPED_TRACE(auth);
    std::vector<std::pair<std::string, std::string>> headers{kSdp};
    if (*auth != '\0') headers.emplace_back("Authorization", auth);
    const HttpReply post = ask("POST", "/whip/a", headers, offer);
    EXPECT_EQ(post.status, 401) << post.error << post.body;
    EXPECT_EQ(post.header("WWW-Authenticate"), "Bearer");
    const HttpReply del = ask("DELETE", "/whep/a/0123", headers);
    EXPECT_EQ(del.status, 401) << del.error << del.body;
  }
  // With the token the request gets past the check to the next one (a wrong content type here).
  const HttpReply authorised =
      ask("POST", "/whip/a", {{"Authorization", "Bearer s3cret"}, {"Content-Type", "text/plain"}}, offer);
  EXPECT_EQ(authorised.status, 415) << authorised.error << authorised.body;
}

TEST_F(GatewayRouting, AnOfferThatIsNotSdpIs415) {
  ASSERT_TRUE(start());
  const std::string offer = make_offer(kH264AndVp8);
  for (const char* path : {"/whip/a", "/whep/a"}) {
    for (const char* type : {"text/plain", "application/json", "application/sdpx"}) {
      SCOPED_TRACE(std::string(path) + " " + type);
      const HttpReply r = ask("POST", path, {{"Content-Type", type}}, offer);
      EXPECT_EQ(r.status, 415) << r.error << r.body;
      EXPECT_TRUE(mentions(r, "application/sdp")) << r.body;
    }
    const HttpReply none = ask("POST", path, {}, offer);
    EXPECT_EQ(none.status, 415) << none.error << none.body;
  }
}

// The content type's case and parameters are not the offer's fault: such an offer is judged
// on its SDP (a malformed one here, so it goes no further).
TEST_F(GatewayRouting, SdpWithParametersOrCapitalsIsStillSdp) {
  ASSERT_TRUE(start());
  const HttpReply r =
      ask("POST", "/whip/a", {{"Content-Type", "Application/SDP; charset=utf-8"}}, "v=0 and nothing");
  EXPECT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_TRUE(mentions(r, "bad offer")) << r.body;
}

TEST_F(GatewayRouting, MalformedOffersAre400WithTheReason) {
  ASSERT_TRUE(start());
  std::string binary(4000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 131 + 7) & 0xff);
  struct Case {
    const char* name;
    const char* path;
    std::string body;
    const char* reason;  // what the answer must mention, beyond "bad offer"
  };
  const std::vector<Case> cases{
      {"prose", "/whip/a", "v=0 then nothing sensible", ""},
      {"binary", "/whip/a", binary, ""},
      {"empty", "/whip/a", "", ""},
      {"no H.264", "/whip/a", make_offer(kVp8Only), "no H.264"},
      {"publisher that only receives", "/whip/a", make_offer(kH264AndVp8, "recvonly"), ""},
      {"viewer that only sends", "/whep/a", make_offer(kH264AndVp8, "sendonly"), ""},
      {"viewer without H.264", "/whep/a", make_offer(kVp8Only, "recvonly"), "no H.264"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpReply r = ask("POST", c.path, {kSdp}, c.body);
    EXPECT_EQ(r.status, 400) << r.error << r.body;
    EXPECT_TRUE(mentions(r, "bad offer")) << r.body;
    EXPECT_TRUE(mentions(r, c.reason)) << r.body;
  }
  EXPECT_EQ(gateway_->sessions(), 0u);
  EXPECT_EQ(gateway_->viewers(), 0u);
}

TEST_F(GatewayRouting, AnOversizedOfferIs413) {
  ASSERT_TRUE(start());
  std::string offer = make_offer(kH264AndVp8);
  offer += std::string(kMaxRequestBody, 'a');
  const HttpReply r = ask("POST", "/whip/a", {kSdp}, offer);
  EXPECT_EQ(r.status, 413) << r.error << r.body;
  EXPECT_EQ(gateway_->sessions(), 0u);
}

TEST_F(GatewayRouting, ABadNamespaceIs400) {
  ASSERT_TRUE(start());
  const std::string offer = make_offer(kH264AndVp8);
  // Dot segments never get here: the URL is normalised first ("/whip/a/../b" is "/whip/b").
  const std::string too_long = "/whip/" + std::string(300, 'a');
  for (const std::string& path :
       {std::string("/whip/"), std::string("/whip/a%20b"), std::string("/whip/a//b"),
        std::string("/whip/a!b"), std::string("/whep/a:b"), std::string("/whep/"), too_long}) {
    SCOPED_TRACE(path);
    const HttpReply r = ask("POST", path, {kSdp}, offer);
    EXPECT_EQ(r.status, 400) << r.error << r.body;
    EXPECT_TRUE(mentions(r, "bad namespace")) << r.body;
  }
}

TEST_F(GatewayRouting, DeletingWhatWasNeverCreatedIs404) {
  ASSERT_TRUE(start());
  const HttpReply whip = ask("DELETE", "/whip/a/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(whip.status, 404) << whip.error << whip.body;
  EXPECT_TRUE(mentions(whip, "no such WHIP session")) << whip.body;
  const HttpReply whep = ask("DELETE", "/whep/a/b/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(whep.status, 404) << whep.error << whep.body;
  EXPECT_TRUE(mentions(whep, "no such WHEP session")) << whep.body;
  // The namespace alone is not a session's URL.
  const HttpReply bare = ask("DELETE", "/whip/a");
  EXPECT_EQ(bare.status, 404) << bare.error << bare.body;
  EXPECT_TRUE(mentions(bare, "Location")) << bare.body;
}

// Without a relay session an offer is refused as the gateway's fault, and the namespace is free
// again at once: the second try meets the same answer, not "already has a publisher".
TEST_F(GatewayRouting, APublishWithoutARelayIs502AndLeavesNothingBehind) {
  ASSERT_TRUE(start());
  for (int attempt = 0; attempt < 2; ++attempt) {
    SCOPED_TRACE(attempt);
    const HttpReply r = ask("POST", "/whip/live/a", {kSdp}, make_offer(kH264AndVp8));
    EXPECT_EQ(r.status, 502) << r.error << r.body;
    EXPECT_TRUE(mentions(r, "no relay session")) << r.body;
    EXPECT_FALSE(r.has_header("Location"));
    EXPECT_EQ(gateway_->sessions(), 0u);
  }
}

TEST_F(GatewayRouting, AViewerWithoutARelayIs404AndLeavesNothingBehind) {
  ASSERT_TRUE(start());
  const HttpReply r = ask("POST", "/whep/live/a", {kSdp}, make_offer(kH264AndVp8, "recvonly"));
  EXPECT_EQ(r.status, 404) << r.error << r.body;
  EXPECT_TRUE(mentions(r, "no playable broadcast at live/a")) << r.body;
  EXPECT_FALSE(r.has_header("Location"));
  EXPECT_EQ(gateway_->viewers(), 0u);
}

TEST_F(GatewayRouting, RefusedRequestsLeaveTheGatewayServing) {
  ASSERT_TRUE(start());
  (void)ask("POST", "/whip/a", {kSdp}, "v=0 then nothing sensible");
  (void)test::http_exchange(gateway_->http_port(), "THIS IS NOT HTTP\r\n\r\n");
  (void)ask("DELETE", "/whip/a/0123");
  (void)ask("PATCH", "/whip/a/0123", {}, "a=x");
  const HttpReply after = ask("OPTIONS", "/whip/a");
  EXPECT_EQ(after.status, 204) << after.error << after.body;
}

}  // namespace
}  // namespace kinetic::webrtc
