// A real browser as the peer. Headless Chromium, driven by tests/browser/wt_echo.mjs via
// playwright-core, loads the test page from our HTTP/3 server (a plain GET over QUIC, the
// self-signed certificate trusted by its SPKI pin), then opens WebTransport sessions to
// the same server: negotiates moqt-20, echoes on bidi and uni streams and datagrams,
// resets a stream with a code, sees a server-side close with code and reason, and closes
// with a code itself. Skips when Chromium, node or tests/browser/node_modules is missing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "wt_test_peers.hpp"

extern char** environ;

namespace kinetic::transport::webtransport {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// SHA-256 of the certificate's SubjectPublicKeyInfo, base64: what Chromium's
// --ignore-certificate-errors-spki-list takes.
std::string spki_sha256_base64(const std::string& cert_pem) {
  gnutls_x509_crt_t crt = nullptr;
  gnutls_pubkey_t key = nullptr;
  std::string out;
  gnutls_datum_t pem{reinterpret_cast<unsigned char*>(const_cast<char*>(cert_pem.data())),
                     static_cast<unsigned>(cert_pem.size())};
  gnutls_datum_t der{nullptr, 0};
  if (gnutls_x509_crt_init(&crt) == 0 && gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) == 0 &&
      gnutls_pubkey_init(&key) == 0 && gnutls_pubkey_import_x509(key, crt, 0) == 0 &&
      gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, &der) == 0) {
    out = to_base64(sha256_of(der.data, der.size));
  }
  gnutls_free(der.data);
  if (key) gnutls_pubkey_deinit(key);
  if (crt) gnutls_x509_crt_deinit(crt);
  return out;
}

std::string find_node() {
  for (const char* p : {"/usr/bin/node", "/usr/local/bin/node"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

// One browser run against a fresh server. Chromium gives every WebTransport session its own
// QUIC connection. When our server closes a session (CLOSE_WEBTRANSPORT_SESSION, then FIN),
// Chromium answers with its own FIN and posts the session's close to a later task; if our ACK
// of that FIN is read before the task runs, the CONNECT stream is already destroyed, Chromium's
// network service sends OnClosed without the final stats its own interface requires, the
// renderer rejects the message and the page sees "Connection lost." instead of code 77. Only
// that case, proven by Chromium's log, is retried (fresh server, fresh browser, at most
// kAttempts runs in all); any other failure fails the test at once. On loopback, where our ACK
// comes back within microseconds, it hit 11 of 34 runs (2026-12-03, the code before and after
// that day's transport changes alike): three runs failed the whole test about once in 30, so
// it gets eight (about once in 8,000); over a real path's round trip the task runs first.
void run_echo_attempt(bool final_attempt, bool* retry) {
  const char* chromium_env = std::getenv("CHROMIUM");
  const std::string chromium = chromium_env ? chromium_env : "/usr/bin/chromium";
  const fs::path harness = fs::path(KINETIC_SOURCE_DIR) / "tests" / "browser";
  const std::string node = find_node();
  if (::access(chromium.c_str(), X_OK) != 0) GTEST_SKIP() << "no Chromium at " << chromium << " (apt-get install chromium)";
  if (node.empty()) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(harness / "node_modules" / "playwright-core"))
    GTEST_SKIP() << "run `npm install` in " << harness.string() << " first";

  EpollLoop loop;
  auto cert = CertificateKeyPair::generate();
  ASSERT_TRUE(cert);
  auto hash = cert->sha256();
  ASSERT_TRUE(hash);

  testing::EchoServer echo;
  std::vector<SessionPtr> server_sessions;
  std::vector<std::shared_ptr<H3Connection>> connections;
  ServerOptions options;
  options.on_session = [&](SessionPtr s) {
    server_sessions.push_back(s);
    s->set_handler(&echo);
  };
  // The test page itself is served by our HTTP/3 server, as a relay serves its player.
  std::ifstream page_file(harness / "wt_echo.html", std::ios::binary);
  const std::string page((std::istreambuf_iterator<char>(page_file)), std::istreambuf_iterator<char>());
  options.static_content = [&](std::string_view path) -> std::optional<StaticResponse> {
    if (path != "/wt_echo.html") return std::nullopt;
    return StaticResponse{200, "text/html; charset=utf-8", kinetic::SharedBytes::copy(std::string_view(page))};
  };
  const std::string spki = spki_sha256_base64(cert->cert_pem);
  ASSERT_FALSE(spki.empty());
  quic::QuicServerConfig config;
  config.listen = *quic::SocketAddress::parse("127.0.0.1", 0);
  config.certificate = *cert;
  auto server = quic::QuicServer::start(loop, config, [&](SessionPtr s) {
    if (s->protocol() == "h3") connections.push_back(H3Connection::server(std::move(s), options));
  });
  ASSERT_TRUE(server);
  const std::string port = std::to_string((*server)->local_address().port());

  char out_path[] = "/tmp/kinetic_chromium_XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  ASSERT_GE(out_fd, 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
  const std::string script = (harness / "wt_echo.mjs").string();
  const std::string hex = to_hex(*hash);
  std::vector<char*> argv{const_cast<char*>(node.c_str()), const_cast<char*>(script.c_str()),
                          const_cast<char*>(port.c_str()), const_cast<char*>(hex.c_str()),
                          const_cast<char*>(spki.c_str()), nullptr};
  pid_t pid = -1;
  const int spawn_rc = ::posix_spawn(&pid, node.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  ASSERT_EQ(spawn_rc, 0);

  int status = 0;
  bool exited = loop.run_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 90s);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  // Let the server see the browser's close before checking it.
  loop.run_until([&] { return echo.closed; }, 2s);

  std::ifstream in(out_path);
  std::stringstream output;
  output << in.rdbuf();
  ::unlink(out_path);
  const std::string text = output.str();
  std::cout << text;  // the browser's own account, kept in the test log
  if (!final_attempt && text.find("\"chromium_rejected_close\":true") != std::string::npos) {
    std::cout << "Chromium rejected its own close message (the chromium: lines above); retrying\n";
    *retry = true;
    return;
  }
  ASSERT_TRUE(exited) << "browser run timed out:\n" << text;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  EXPECT_NE(text.find("\"protocol\":\"moqt-20\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"page_over_h3\":true"), std::string::npos) << text;
  ASSERT_EQ(server_sessions.size(), 2u) << text;
  EXPECT_EQ(server_sessions[0]->protocol(), "moqt-20");
  EXPECT_EQ(server_sessions[0]->path(), "/moq");
  EXPECT_GE(echo.datagrams, 1);
  // The browser's reset code 9 arrives mapped back from the WebTransport error range.
  EXPECT_NE(std::find(echo.resets.begin(), echo.resets.end(), 9u), echo.resets.end()) << text;
  EXPECT_NE(text.find("\"server_close\":{\"code\":77,\"reason\":\"asked to close\"}"), std::string::npos) << text;
  EXPECT_TRUE(echo.closed);
  EXPECT_EQ(echo.close_info.code, 5u) << text;
  EXPECT_EQ(echo.close_info.reason, "browser done") << text;
}

TEST(Chromium, WebTransportEchoWithMoqt20) {
  constexpr int kAttempts = 8;
  bool retry = true;
  for (int attempt = 1; retry && attempt <= kAttempts && !::testing::Test::IsSkipped(); ++attempt) {
    retry = false;
    run_echo_attempt(attempt == kAttempts, &retry);
  }
}

}  // namespace
}  // namespace kinetic::transport::webtransport
