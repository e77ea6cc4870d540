// The gateway's HTTP side over a real socket on 127.0.0.1: what a client sends is what the
// handler sees, what the handler answers is what the client gets, with the CORS headers a page
// on another origin needs, and requests the gateway must never act on are refused before they
// reach the handler.
#include "kinetic/webrtc/http_server.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include "loopback_http.hpp"

namespace kinetic::webrtc {
namespace {

using test::http_exchange;
using test::HttpReply;
using test::request_text;

class HttpServerTest : public ::testing::Test {
 protected:
  // Serves `answer` on 127.0.0.1 at a port the kernel picks, keeping every request it hands over.
  ::testing::AssertionResult serve(HttpResponse answer) {
    auto server = HttpServer::listen(glib_, "127.0.0.1", 0, [this, answer](const HttpRequest& r) {
      std::lock_guard lock(mu_);
      seen_.push_back(r);
      all_on_glib_thread_ = all_on_glib_thread_ && glib_.on_thread();
      return answer;
    });
    if (!server) return ::testing::AssertionFailure() << "cannot listen: " << server.error().what;
    server_ = std::move(*server);
    if (server_->port() == 0)
      return ::testing::AssertionFailure() << "the server did not say which port it got";
    return ::testing::AssertionSuccess();
  }

  HttpReply send(std::string_view raw) { return http_exchange(server_->port(), raw); }

  std::vector<HttpRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  GlibThread glib_;  // outlives the server, whose sources run on it
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<HttpRequest> seen_;
  bool all_on_glib_thread_ = true;
};

HttpResponse created_answer() {
  return {201, "application/sdp", "v=0\r\nanswer\r\n", {{"Location", "/whip/a/42"}, {"ETag", "\"42\""}}};
}

TEST_F(HttpServerTest, ARequestReachesTheHandlerWhole) {
  ASSERT_TRUE(serve(created_answer()));
  // Bytes an SDP never has (NUL, 0xff) and line ends must come through untouched.
  const std::string body = std::string("v=0\r\nline\0two\xff\r\n", 17);
  const HttpReply reply = send(request_text(
      "POST", "/whip/live/cam",
      {{"Content-Type", "Application/SDP; charset=UTF-8"}, {"Authorization", "Bearer s3cret"}}, body));
  ASSERT_EQ(reply.status, 201) << reply.error;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/whip/live/cam");
  EXPECT_EQ(requests[0].content_type, "application/sdp") << "parameters dropped, lower case";
  EXPECT_EQ(requests[0].authorization, "Bearer s3cret");
  EXPECT_EQ(requests[0].body, body);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(all_on_glib_thread_) << "the handler must run on the GLib thread";
}

TEST_F(HttpServerTest, HeadersARequestLacksReachTheHandlerEmpty) {
  ASSERT_TRUE(serve({200, "text/plain", "gone\n", {}}));
  const HttpReply reply = send(request_text("DELETE", "/whep/a/b/0123"));
  ASSERT_EQ(reply.status, 200) << reply.error;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].path, "/whep/a/b/0123");
  EXPECT_EQ(requests[0].content_type, "");
  EXPECT_EQ(requests[0].authorization, "");
  EXPECT_EQ(requests[0].body, "");
}

TEST_F(HttpServerTest, TheQueryIsNotPartOfThePath) {
  ASSERT_TRUE(serve({200, "text/plain", "ok\n", {}}));
  const HttpReply reply = send(request_text("DELETE", "/whip/a/0123?reason=bye"));
  ASSERT_EQ(reply.status, 200) << reply.error;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/whip/a/0123");
}

TEST_F(HttpServerTest, TheHandlersAnswerComesBackWithItsHeaders) {
  ASSERT_TRUE(serve(created_answer()));
  const HttpReply reply =
      send(request_text("POST", "/whip/a", {{"Content-Type", "application/sdp"}}, "v=0\r\n"));
  ASSERT_EQ(reply.status, 201) << reply.error;
  EXPECT_EQ(reply.header("Content-Type"), "application/sdp");
  EXPECT_EQ(reply.body, "v=0\r\nanswer\r\n");
  EXPECT_EQ(reply.header("Location"), "/whip/a/42");
  EXPECT_EQ(reply.header("ETag"), "\"42\"");
}

TEST_F(HttpServerTest, AnEmptyAnswerHasNoBodyAndNoContentType) {
  ASSERT_TRUE(serve({204, "text/plain", "", {}}));
  const HttpReply reply = send(request_text("DELETE", "/whip/a/1"));
  ASSERT_EQ(reply.status, 204) << reply.error;
  EXPECT_EQ(reply.body, "");
  EXPECT_FALSE(reply.has_header("Content-Type")) << reply.header("Content-Type");
}

// A page on another origin reads the status, the error text and Location only when the answer
// allows it, errors included.
TEST_F(HttpServerTest, EveryAnswerCarriesTheCorsHeadersABrowserNeeds) {
  for (const unsigned status : {201u, 404u, 500u}) {
    SCOPED_TRACE(status);
    server_.reset();
    ASSERT_TRUE(serve({status, "text/plain", "text\n", {}}));
    const HttpReply reply = send(request_text("POST", "/whip/a", {{"Origin", "http://127.0.0.1:1"}}, "x"));
    ASSERT_EQ(reply.status, static_cast<int>(status)) << reply.error;
    EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), "*");
    const std::string exposed = reply.header("Access-Control-Expose-Headers");
    EXPECT_NE(exposed.find("Location"), std::string::npos) << exposed;
    EXPECT_NE(exposed.find("ETag"), std::string::npos) << exposed;
  }
}

// What a browser asks before POSTing an offer with a token from another origin.
TEST_F(HttpServerTest, PreflightAnswersWithTheAllowedMethodsAndHeaders) {
  ASSERT_TRUE(serve({204, "text/plain", "", {{"Accept-Post", "application/sdp"}}}));
  const HttpReply reply =
      send(request_text("OPTIONS", "/whip/a",
                        {{"Origin", "http://127.0.0.1:1"},
                         {"Access-Control-Request-Method", "POST"},
                         {"Access-Control-Request-Headers", "authorization, content-type"}}));
  ASSERT_EQ(reply.status, 204) << reply.error;
  EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), "*");
  const std::string methods = reply.header("Access-Control-Allow-Methods");
  for (const char* m : {"POST", "DELETE", "OPTIONS"})
    EXPECT_NE(methods.find(m), std::string::npos) << m << " in " << methods;
  const std::string headers = reply.header("Access-Control-Allow-Headers");
  for (const char* h : {"Authorization", "Content-Type"}) {
    EXPECT_NE(headers.find(h), std::string::npos) << h << " in " << headers;
  }
  EXPECT_EQ(reply.header("Accept-Post"), "application/sdp");
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "OPTIONS");
}

TEST_F(HttpServerTest, ABodyAtTheLimitReachesTheHandler) {
  ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
  const std::string body(kMaxRequestBody, 'v');
  const HttpReply reply = send(request_text("POST", "/whip/a", {{"Content-Type", "application/sdp"}}, body));
  ASSERT_EQ(reply.status, 201) << reply.error;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body.size(), kMaxRequestBody);
}

// A client that asks before sending (Expect: 100-continue) hears the refusal from its headers
// alone and sends none of the body it announced.
TEST_F(HttpServerTest, AnAnnouncedOversizedBodyIsRefusedBeforeItIsSent) {
  ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
  const HttpReply reply = send(
      "POST /whip/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Content-Type: application/sdp\r\nExpect: 100-continue\r\nContent-Length: " +
      std::to_string(kMaxRequestBody + 1) + "\r\n\r\n");
  ASSERT_EQ(reply.status, 413) << reply.error;
  EXPECT_NE(reply.body.find("too large"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(seen().empty()) << "the handler got a request it should never see";
}

// Chunked bodies announce no length, so the limit holds on what arrives: one byte over it.
TEST_F(HttpServerTest, AChunkedBodyOneByteOverTheLimitIsRefused) {
  ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
  std::string raw =
      "POST /whip/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::size_t chunk = 4096;
  static_assert(kMaxRequestBody % chunk == 0);
  for (std::size_t sent = 0; sent < kMaxRequestBody; sent += chunk) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk);
    raw += size + std::string(chunk, 'v') + "\r\n";
  }
  raw += "1\r\nv\r\n0\r\n\r\n";
  const HttpReply reply = send(raw);
  ASSERT_EQ(reply.status, 413) << reply.error;
  EXPECT_NE(reply.body.find("too large"), std::string::npos) << reply.body;
  EXPECT_TRUE(seen().empty()) << "the handler got a request it should never see";
}

// Peak resident memory of this process in KiB (VmHWM), -1 when unknown.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// A client may send a body of any size, announced or in chunks: what is refused is dropped as
// it comes, or a few such requests would take all the gateway's memory. Each case is a test of
// its own, so that under CTest each has a process, and a peak, of its own.
class RefusedBody : public HttpServerTest {
 protected:
  void send_64_mib_and_expect_413_without_holding_it(bool chunked) {
    ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
    constexpr std::size_t kChunks = 64;
    const std::string chunk(std::size_t{1} << 20, 'v');
    char size_line[16];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    const std::string framed = size_line + chunk + "\r\n";
    const long before = peak_rss_kib();
    ASSERT_GT(before, 0) << "no VmHWM in /proc/self/status";
    const int fd = test::connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    const std::string head =
        "POST /whip/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/sdp\r\n" +
        (chunked ? std::string("Transfer-Encoding: chunked\r\n\r\n")
                 : "Content-Length: " + std::to_string(kChunks * chunk.size()) + "\r\n\r\n");
    bool sending = test::send_all(fd, head);
    for (std::size_t i = 0; i < kChunks && sending; ++i)
      sending = test::send_all(fd, chunked ? framed : chunk);
    if (chunked && sending) sending = test::send_all(fd, "0\r\n\r\n");
    const HttpReply reply = test::read_reply(fd);
    ::close(fd);
    EXPECT_EQ(reply.status, 413) << reply.error;
    EXPECT_NE(reply.body.find("too large"), std::string::npos) << reply.body;
    const long growth = peak_rss_kib() - before;
    EXPECT_LT(growth, 16 * 1024) << "the server held " << growth << " KiB of a 64 MiB body it refused";
    EXPECT_TRUE(seen().empty()) << "the handler got a request it should never see";
  }
};

TEST_F(RefusedBody, WithContentLengthIsNotHeldInMemory) {
  send_64_mib_and_expect_413_without_holding_it(false);
}

TEST_F(RefusedBody, InChunksIsNotHeldInMemory) { send_64_mib_and_expect_413_without_holding_it(true); }

TEST_F(HttpServerTest, AChunkedBodyUnderTheLimitReachesTheHandlerWhole) {
  ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
  const HttpReply reply = send(
      "POST /whip/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nv=0\n\r\n6\r\nsecond\r\n0\r\n\r\n");
  ASSERT_EQ(reply.status, 201) << reply.error;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "v=0\nsecond");
}

TEST_F(HttpServerTest, TextThatIsNotHttpGets400WithoutReachingTheHandler) {
  ASSERT_TRUE(serve({201, "text/plain", "ok\n", {}}));
  const HttpReply garbage = send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(garbage.status, 400) << garbage.error;
  const HttpReply bad_length = send(
      "POST /whip/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: many\r\n\r\nv=0");
  EXPECT_GE(bad_length.status, 400) << bad_length.error;
  EXPECT_LT(bad_length.status, 500) << bad_length.error;
  EXPECT_TRUE(seen().empty()) << "the handler got a request it should never see";
  // The server is still there for the next client.
  const HttpReply after = send(request_text("DELETE", "/whip/a/1"));
  EXPECT_EQ(after.status, 201) << after.error;
}

TEST(HttpServer, AHostThatIsNotAnAddressIsRefused) {
  GlibThread glib;
  auto server = HttpServer::listen(glib, "localhost", 0, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(server) << "listening on a name must be refused, not resolved";
  EXPECT_NE(server.error().what.find("not an IP address: localhost"), std::string::npos)
      << server.error().what;
}

TEST(HttpServer, APortInUseIsRefused) {
  GlibThread glib;
  auto first = HttpServer::listen(glib, "127.0.0.1", 0, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(first) << first.error().what;
  auto second = HttpServer::listen(glib, "127.0.0.1", (*first)->port(),
                                   [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second) << "two servers on 127.0.0.1:" << (*first)->port();
  EXPECT_FALSE(second.error().what.empty());
}

TEST(HttpServer, DestroyingTheServerClosesItsPort) {
  GlibThread glib;
  auto server = HttpServer::listen(glib, "127.0.0.1", 0, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(server) << server.error().what;
  const std::uint16_t port = (*server)->port();
  const HttpReply before = http_exchange(port, request_text("DELETE", "/x"));
  ASSERT_EQ(before.status, 200) << before.error;
  server->reset();
  const int fd = test::connect_loopback(port);
  EXPECT_LT(fd, 0) << "127.0.0.1:" << port << " still accepts connections";
  if (fd >= 0) ::close(fd);
}

}  // namespace
}  // namespace kinetic::webrtc
