// What --web-root serves: files under the root with their content types, index.html for
// directories, 404 for what is missing, and 403 for every way of climbing out of the root.
#include "kinetic/relay/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"

namespace kinetic::relay {
namespace {

namespace fs = std::filesystem;

std::string body(const transport::webtransport::StaticResponse& r) {
  return {reinterpret_cast<const char*>(r.body.data()), r.body.size()};
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base = fs::temp_directory_path() / ("kinetic-static-" + std::to_string(getpid()));
    fs::create_directories(base / "www" / "js");
    std::ofstream(base / "www" / "index.html") << "<h1>player</h1>";
    std::ofstream(base / "www" / "js" / "app.js") << "console.log(1)";
    std::ofstream(base / "www" / "js" / "index.html") << "js index";
    std::ofstream(base / "secret.txt") << "do not serve";
    fs::create_symlink(base / "secret.txt", base / "www" / "leak.txt");
    ASSERT_EQ(StaticFiles::open((base / "www").string(), files, 1024), "");
  }
  void TearDown() override { fs::remove_all(base); }

  fs::path base;
  std::optional<StaticFiles> files;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypesAndIndexForDirectories) {
  auto root = files->get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(body(*root), "<h1>player</h1>");
  auto js = files->get("/js/app.js?v=3");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript");
  EXPECT_EQ(body(*js), "console.log(1)");
  auto dir = files->get("/js/");
  ASSERT_TRUE(dir);
  EXPECT_EQ(body(*dir), "js index");
  auto encoded = files->get("/js/app%2Ejs");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->status, 200);
}

TEST_F(StaticFilesTest, MissingFilesAre404) {
  EXPECT_FALSE(files->get("/nothing.html"));
  EXPECT_FALSE(files->get("/js/nothing/"));
}

TEST_F(StaticFilesTest, EveryWayOutOfTheRootIs403) {
  for (const char* path : {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                           "/js/..%2f..%2fsecret.txt", "/leak.txt", "/..\\secret.txt", "/%00", "/bad%zz", "/a%2",
                           "relative.txt"}) {
    auto r = files->get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 403) << path;
    EXPECT_EQ(body(*r).find("do not serve"), std::string::npos) << path;
  }
}

TEST_F(StaticFilesTest, FilesAboveTheSizeLimitAreRefused) {
  std::ofstream(base / "www" / "big.bin") << std::string(2048, 'x');
  auto r = files->get("/big.bin");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
}

// The same answers over HTTP/3 on loopback, as `kinetic relay --web-root` wires them.
TEST_F(StaticFilesTest, AnsweredOverHttp3) {
  using namespace transport;
  using namespace std::chrono_literals;
  EpollLoop loop;
  auto cert = CertificateKeyPair::generate();
  ASSERT_TRUE(cert);
  webtransport::ServerOptions options;
  options.static_content = [this](std::string_view path) { return files->get(path); };
  std::vector<std::shared_ptr<webtransport::H3Connection>> connections;
  quic::QuicServerConfig sc;
  sc.listen = *quic::SocketAddress::parse("127.0.0.1", 0);
  sc.certificate = *cert;
  auto server = quic::QuicServer::start(loop, sc, [&](SessionPtr s) {
    if (s->protocol() == "h3") connections.push_back(webtransport::H3Connection::server(std::move(s), options));
  });
  ASSERT_TRUE(server);
  auto client = webtransport::H3Connection::client();
  quic::QuicClientConfig cc;
  cc.remote = (*server)->local_address();
  cc.server_name = "localhost";
  cc.settings.alpn = {"h3"};
  cc.pinned_sha256.push_back(*cert->sha256());
  auto q = quic::QuicClient::connect(loop, cc, client.get());
  ASSERT_TRUE(q);
  client->attach(*q);
  auto get = [&](const std::string& path) {
    webtransport::FetchResult result;
    client->fetch("localhost", path, [&](webtransport::FetchResult r) { result = std::move(r); });
    EXPECT_TRUE(loop.run_until([&] { return result.status != 0; }, 10s)) << path;
    return result;
  };
  auto index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(std::string(index.body.begin(), index.body.end()), "<h1>player</h1>");
  EXPECT_EQ(get("/nothing.html").status, 404);
  auto climb = get("/%2e%2e/secret.txt");
  EXPECT_EQ(climb.status, 403);
  EXPECT_EQ(std::string(climb.body.begin(), climb.body.end()).find("do not serve"), std::string::npos);
  client->close(0x100, "test over");
  loop.run_until([] { return false; }, 50ms);
}

TEST(StaticFiles, TheRootMustBeADirectory) {
  std::optional<StaticFiles> f;
  EXPECT_NE(StaticFiles::open("/nonexistent/kinetic/www", f), "");
  EXPECT_FALSE(f);
  EXPECT_NE(StaticFiles::open("/etc/hostname", f), "");
  EXPECT_EQ(StaticFiles::content_type("x.wasm"), "application/wasm");
  EXPECT_EQ(StaticFiles::content_type("x.unknown"), "application/octet-stream");
}

}  // namespace
}  // namespace kinetic::relay
