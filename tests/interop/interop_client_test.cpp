// `kinetic interop-client` as the interop runner sees it: a process whose exit code and TAP 14
// stdout are the whole interface. Cases against `kinetic relay` run on 127.0.0.1 with a fresh
// certificate and are skipped, visibly, when the binary has no relay subcommand.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../test_ports.hpp"
#include "tap.hpp"

namespace {

using namespace kinetic::interop_test;

TEST(InteropClient, ListsTheSixCasesOnePerLine) {
  auto r = sh(cli() + " interop-client --list");
  EXPECT_EQ(r.rc, 0);
  std::string expected;
  for (const auto& c : kCases) expected += c + "\n";
  EXPECT_EQ(r.out, expected);
}

TEST(InteropClient, UnknownCaseExits127) {
  EXPECT_EQ(sh(cli() + " interop-client -r moqt://127.0.0.1:9 -t no-such-case").rc, 127);
  EXPECT_EQ(sh("TESTCASE=no-such-case " + cli() + " interop-client -r moqt://127.0.0.1:9").rc, 127);
}

TEST(InteropClient, BadUrlBailsOut) {
  auto r = sh(cli() + " interop-client -r ftp://127.0.0.1:9 -t setup-only");
  EXPECT_EQ(r.rc, 1);
  auto tap = parse_tap(r.out);
  EXPECT_TRUE(tap.version);
  EXPECT_TRUE(tap.bail);
}

// Nothing listens: the case fails within its 2 s timeout, as a TAP point with diagnostics.
TEST(InteropClient, SilentRelayFailsWithinTheCaseTimeout) {
  auto port = static_cast<std::uint16_t>(kinetic::test::free_port());
  ASSERT_NE(port, 0);
  auto start = std::chrono::steady_clock::now();
  auto r = sh("RELAY_URL=moqt://127.0.0.1:" + std::to_string(port) + " TESTCASE=setup-only " + cli() +
              " interop-client --tls-disable-verify");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.rc, 1);
  auto tap = parse_tap(r.out);
  EXPECT_TRUE(tap.version);
  EXPECT_EQ(tap.plan, 1);
  ASSERT_EQ(tap.points.size(), 1u);
  EXPECT_FALSE(tap.points[0].ok);
  EXPECT_EQ(tap.points[0].name, "setup-only");
  EXPECT_NE(r.out.find("  duration_ms: "), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(10));
}

// An explicit -r wins over RELAY_URL (the interface's precedence rule).
TEST(InteropClient, CommandLineOverridesEnvironment) {
  auto r = sh("RELAY_URL=moqt://127.0.0.1:9 " + cli() + " interop-client -r ftp://x -t setup-only");
  EXPECT_TRUE(parse_tap(r.out).bail) << r.out;
}

class AgainstRelay : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sh(cli() + " --help").out.find("\n  relay ") == std::string::npos) {
      GTEST_SKIP() << "this kinetic binary has no relay subcommand";
    }
    dir_ = std::filesystem::temp_directory_path() / ("kinetic-interop-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    ASSERT_EQ(sh(cli() + " cert --out " + dir_.string()).rc, 0);
    port_ = static_cast<std::uint16_t>(kinetic::test::free_port());
    ASSERT_NE(port_, 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      std::string cert = (dir_ / "cert.pem").string(), key = (dir_ / "key.pem").string();
      execl(KINETIC_CLI, KINETIC_CLI, "relay", "--listen", listen.c_str(), "--cert", cert.c_str(), "--key",
            key.c_str(), "--log-level", "warn", static_cast<char*>(nullptr));
      _exit(127);
    }
    // The relay is up once a SETUP exchange succeeds; bounded.
    for (int i = 0; i < 10 && !up_; ++i) {
      int status = 0;
      ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "kinetic relay exited";
      up_ = sh(client("moqt") + " -t setup-only").rc == 0;
      if (!up_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(up_) << "relay did not answer SETUP on 127.0.0.1:" << port_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string client(const std::string& scheme, const std::string& extra = "") const {
    std::string url = scheme + "://127.0.0.1:" + std::to_string(port_) + (scheme == "https" ? "/moq" : "");
    return cli() + " interop-client --tls-disable-verify -r " + url + " " + extra;
  }
  void expect_all_pass(const std::string& command) {
    auto r = sh(command);
    auto tap = parse_tap(r.out);
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_TRUE(tap.version);
    EXPECT_FALSE(tap.bail);
    EXPECT_EQ(tap.plan, static_cast<int>(kCases.size()));
    ASSERT_EQ(tap.points.size(), kCases.size()) << r.out;
    for (std::size_t i = 0; i < kCases.size(); ++i) {
      EXPECT_TRUE(tap.points[i].ok) << kCases[i] << "\n" << r.out;
      EXPECT_EQ(tap.points[i].number, static_cast<int>(i + 1));
      EXPECT_EQ(tap.points[i].name, kCases[i]);
    }
  }

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool up_ = false;
};

TEST_F(AgainstRelay, AllCasesPassOverRawQuicDraft20) { expect_all_pass(client("moqt", "--draft 20")); }
TEST_F(AgainstRelay, AllCasesPassOverRawQuicDraft18) { expect_all_pass(client("moqt", "--draft 18")); }
TEST_F(AgainstRelay, AllCasesPassOverWebTransport) { expect_all_pass(client("https")); }

}  // namespace
