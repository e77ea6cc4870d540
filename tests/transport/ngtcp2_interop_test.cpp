// HTTP/3 against an independent peer: Debian's packaged ngtcp2 examples (gtlsclient and
// gtlsserver, nghttp3 on ngtcp2 + GnuTLS) fetch from our server and serve our client, over
// 127.0.0.1. Skipped, visibly, where the examples are not installed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../test_ports.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/transport/webtransport/h3_connection.hpp"

extern char** environ;

namespace kinetic::transport {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using webtransport::FetchResult;
using webtransport::H3Connection;
using webtransport::StaticResponse;

std::optional<std::string> find_program(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return std::nullopt;
}

// A body that is not all one byte, long enough for several packets and flow control.
std::string make_body(std::size_t size) {
  std::string body(size, '\0');
  std::uint32_t x = 0x9e3779b9u;
  for (auto& c : body) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>('a' + x % 26);
  }
  return body;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A child process whose output goes to a file; killed if still running when destroyed.
class Child {
 public:
  bool spawn(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }
  // True once the child has exited; its status is then in exit_status().
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      pid_ = -1;
      return true;
    }
    return false;
  }
  [[nodiscard]] int exit_status() const { return status_; }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

class Ngtcp2InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kinetic-interop-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto cert = CertificateKeyPair::generate();
    ASSERT_TRUE(cert);
    cert_ = *cert;
    ASSERT_TRUE(cert_.write(dir_.string()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string log_of(const std::string& name) { return read_file(dir_ / name); }

  EpollLoop loop_;
  fs::path dir_;
  CertificateKeyPair cert_;
};

TEST_F(Ngtcp2InteropTest, GtlsclientDownloadsFromOurServer) {
  auto gtlsclient = find_program("gtlsclient");
  if (!gtlsclient) GTEST_SKIP() << "gtlsclient not installed (apt-get install ngtcp2-client): interop not checked";

  const std::string body = make_body(300'000);
  quic::QuicServerConfig config;
  config.listen = *quic::SocketAddress::parse("127.0.0.1", 0);
  config.certificate = cert_;
  webtransport::ServerOptions options;
  options.static_content = [&body](std::string_view path) -> std::optional<StaticResponse> {
    if (path != "/blob.bin") return std::nullopt;
    return StaticResponse{200, "application/octet-stream", kinetic::SharedBytes::copy(std::string_view(body))};
  };
  std::vector<std::shared_ptr<H3Connection>> connections;
  auto server = quic::QuicServer::start(loop_, config, [&](SessionPtr s) {
    if (s->protocol() == "h3") connections.push_back(H3Connection::server(std::move(s), options));
  });
  ASSERT_TRUE(server);
  const std::string port = std::to_string((*server)->local_address().port());

  const fs::path download = dir_ / "download";
  fs::create_directory(download);
  Child client;
  ASSERT_TRUE(client.spawn({*gtlsclient, "-q", "--no-quic-dump", "--no-http-dump", "--exit-on-all-streams-close",
                            "--download=" + download.string(), "127.0.0.1", port,
                            "https://127.0.0.1:" + port + "/blob.bin"},
                           dir_ / "gtlsclient.log"));
  ASSERT_TRUE(loop_.run_until([&] { return client.exited(); }, 20s)) << log_of("gtlsclient.log");
  EXPECT_TRUE(WIFEXITED(client.exit_status()) && WEXITSTATUS(client.exit_status()) == 0) << log_of("gtlsclient.log");
  const std::string got = read_file(download / "blob.bin");
  EXPECT_EQ(got.size(), body.size()) << log_of("gtlsclient.log");
  EXPECT_TRUE(got == body);
}

class GtlsserverTest : public Ngtcp2InteropTest {
 protected:
  // Starts gtlsserver on a free port serving htdocs/, and our HTTP/3 client connected to it.
  void start(const std::string& gtlsserver) {
    fs::create_directory(dir_ / "htdocs");
    port_ = static_cast<std::uint16_t>(kinetic::test::free_port());
    ASSERT_NE(port_, 0);
    ASSERT_TRUE(server_.spawn({gtlsserver, "-q", "--no-quic-dump", "--no-http-dump", "-d", (dir_ / "htdocs").string(),
                               "127.0.0.1", std::to_string(port_), (dir_ / "key.pem").string(),
                               (dir_ / "cert.pem").string()},
                              dir_ / "gtlsserver.log"));
    // gtlsserver needs a moment to bind; our Initial is retransmitted if it comes early.
    loop_.run_until([] { return false; }, 200ms);

    client_ = H3Connection::client();
    quic::QuicClientConfig cc;
    cc.remote = *quic::SocketAddress::parse("127.0.0.1", port_);
    cc.server_name = "localhost";
    cc.settings.alpn = {"h3"};
    cc.pinned_sha256.push_back(*cert_.sha256());
    auto quic = quic::QuicClient::connect(loop_, cc, client_.get());
    ASSERT_TRUE(quic);
    client_->attach(*quic);
  }
  void TearDown() override {
    if (client_) {
      client_->close(0x100, "test over");
      loop_.run_until([] { return false; }, 50ms);
    }
    Ngtcp2InteropTest::TearDown();
  }

  FetchResult get(const std::string& path) {
    FetchResult result;
    bool done = false;
    client_->fetch("localhost:" + std::to_string(port_), path, [&](FetchResult r) {
      result = std::move(r);
      done = true;
    });
    EXPECT_TRUE(loop_.run_until([&] { return done; }, 15s)) << log_of("gtlsserver.log");
    return result;
  }

  std::uint16_t port_ = 0;
  Child server_;
  std::shared_ptr<H3Connection> client_;
};

TEST_F(GtlsserverTest, OurClientFetchesFromGtlsserver) {
  auto gtlsserver = find_program("gtlsserver");
  if (!gtlsserver) GTEST_SKIP() << "gtlsserver not installed (apt-get install ngtcp2-server): interop not checked";
  start(*gtlsserver);
  const std::string body = make_body(500'000);
  {
    std::ofstream out(dir_ / "htdocs" / "media.bin", std::ios::binary);
    out << body;
  }
  FetchResult result = get("/media.bin");
  ASSERT_EQ(result.status, 200) << log_of("gtlsserver.log");
  EXPECT_EQ(result.body.size(), body.size());
  EXPECT_TRUE(std::string(result.body.begin(), result.body.end()) == body);
  bool has_length = false;
  for (const auto& h : result.headers)
    if (h.first == "content-length") has_length = h.second == std::to_string(body.size());
  EXPECT_TRUE(has_length);

  // A second request on the same connection, for a file that is not there.
  FetchResult missing = get("/absent.bin");
  EXPECT_EQ(missing.status, 404);
}

}  // namespace
}  // namespace kinetic::transport
