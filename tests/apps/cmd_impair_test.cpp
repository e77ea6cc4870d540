// `kinetic impair` as a process: bad arguments end it with a message, and real QUIC runs
// through it unchanged: MoQT (a relay with `kinetic clock` publishing and subscribing through
// an LTE-like path) and WebTransport over HTTP/3 (`kinetic quic-perf --webtransport` through a
// lossy, rate-limited one). Every process is bounded by `timeout`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "../process_fixture.hpp"

namespace kinetic {
namespace {

using test::slurp;

class ImpairProcess : public test::ProcessTest {
 protected:
  // The port a process printed as "<prefix>127.0.0.1:PORT"; waits for it up to 10 s.
  static std::string wait_port(const std::string& file, const std::string& prefix) {
    return "for i in $(seq 100); do grep -q '" + prefix + "' " + file + " 2>/dev/null && break; sleep 0.1; done; " +
           "grep -o '" + prefix + "127.0.0.1:[0-9]*' " + file + " | head -1 | sed 's/.*://'";
  }
};

TEST_F(ImpairProcess, BadArgumentsEndWithAMessage) {
  std::ofstream(dir / "bad.trace") << "0 20 5 0 0\n1000 20 5 0\n";
  const std::string common = "timeout 10 $K impair --listen 127.0.0.1:0 --to 127.0.0.1:9 --duration 5 ";
  EXPECT_EQ(sh(common + "--preset moon 2>err.txt"), 2);
  EXPECT_NE(slurp(dir / "err.txt").find("--preset 'moon': unknown"), std::string::npos) << slurp(dir / "err.txt");
  EXPECT_EQ(sh(common + "--burst 1,x 2>err.txt"), 2);
  EXPECT_NE(slurp(dir / "err.txt").find("--burst '1,x'"), std::string::npos) << slurp(dir / "err.txt");
  EXPECT_EQ(sh(common + "--trace-file bad.trace 2>err.txt"), 2);
  EXPECT_NE(slurp(dir / "err.txt").find("bad.trace: line 2: expected 5 numbers"), std::string::npos)
      << slurp(dir / "err.txt");
  EXPECT_EQ(sh("timeout 10 $K impair --listen 127.0.0.1:0 --to nowhere 2>err.txt"), 2);
  EXPECT_NE(slurp(dir / "err.txt").find("bad --to"), std::string::npos) << slurp(dir / "err.txt");
  EXPECT_EQ(sh("timeout 10 $K impair --listen 127.0.0.1:0 --to 127.0.0.1:0 2>err.txt"), 1);
  EXPECT_NE(slurp(dir / "err.txt").find("upstream port must not be 0"), std::string::npos) << slurp(dir / "err.txt");
  // CLI11 refuses out-of-range numbers itself (its own non-zero code).
  EXPECT_NE(sh(common + "--loss 150 2>err.txt"), 0);
}

TEST_F(ImpairProcess, ClockThroughAnLtePathToARelay) {
  const int port = test::free_port();
  ASSERT_NE(port, 0) << "no free port for the relay";
  const std::string relay = std::to_string(port);
  std::ostringstream s;
  s << "timeout 20 $K relay --listen 127.0.0.1:" << relay << " >relay.log 2>&1 & R=$!\n"
    << "for i in $(seq 100); do grep -q 'relay listening' relay.log && break; sleep 0.1; done\n"
    << "timeout 20 $K impair --listen 127.0.0.1:0 --to 127.0.0.1:" << relay
    << " --preset lte --seed 1 --stats >impair.out 2>impair.log & I=$!\n"
    << "P=$(" << wait_port("impair.log", "impair listening on ") << ")\n"
    << "[ -n \"$P\" ] || { kill $R $I; exit 98; }\n"
    << "timeout 15 $K clock pub moqt://127.0.0.1:$P --namespace lte --insecure --seconds 10 >pub.log 2>&1 & C=$!\n"
    << "for i in $(seq 100); do grep -q \"namespace 'lte' published\" relay.log && break; sleep 0.1; done\n"
    << "timeout 12 $K clock sub moqt://127.0.0.1:$P --namespace lte --insecure --seconds 4 >sub.log 2>&1\n"
    << "echo $? >sub.rc\n"
    << "kill -INT $I; wait $I; echo $? >impair.rc\n"
    << "kill $C $R 2>/dev/null; wait\n";
  sh(s.str());
  const std::string logs = "--- sub\n" + slurp(dir / "sub.log") + "--- pub\n" + slurp(dir / "pub.log") +
                           "--- impair\n" + slurp(dir / "impair.log") + "--- relay\n" + slurp(dir / "relay.log");
  EXPECT_EQ(slurp(dir / "sub.rc"), "0\n") << "no timestamp came through the proxy\n" << logs;
  EXPECT_EQ(slurp(dir / "impair.rc"), "0\n") << logs;
  const std::string impair = slurp(dir / "impair.log");
  EXPECT_NE(impair.find("(lte: delay 35 ms"), std::string::npos) << impair;
  EXPECT_NE(impair.find("impair: stopped after"), std::string::npos) << impair;
  EXPECT_NE(impair.find("clients 2"), std::string::npos) << impair;  // --stats, with both clients on
  EXPECT_NE(slurp(dir / "sub.log").find("group "), std::string::npos) << logs;
}

TEST_F(ImpairProcess, WebTransportThroughALossyRateLimitedPath) {
  std::ostringstream s;
  s << "timeout 20 $K quic-perf server --address 127.0.0.1:0 --webtransport >server.log 2>&1 & S=$!\n"
    << "SP=$(" << wait_port("server.log", "listening on ") << ")\n"
    << "timeout 20 $K impair --listen 127.0.0.1:0 --to 127.0.0.1:$SP --preset wifi --loss 1 --reorder 2"
    << " --rate-kbps 20000 --seed 4 >impair.out 2>impair.log & I=$!\n"
    << "P=$(" << wait_port("impair.log", "impair listening on ") << ")\n"
    << "[ -n \"$SP\" ] && [ -n \"$P\" ] || { kill $S $I; exit 98; }\n"
    << "timeout 15 $K quic-perf client --address 127.0.0.1:$P --bytes 1500000 --webtransport >client.log 2>&1\n"
    << "echo $? >client.rc\n"
    << "kill -INT $I; wait $I\n"
    << "kill $S 2>/dev/null; wait\n";
  sh(s.str());
  const std::string logs = "--- client\n" + slurp(dir / "client.log") + "--- impair\n" + slurp(dir / "impair.log") +
                           "--- server\n" + slurp(dir / "server.log");
  EXPECT_EQ(slurp(dir / "client.rc"), "0\n") << logs;
  EXPECT_NE(slurp(dir / "client.log").find("bytes=1500000"), std::string::npos) << logs;
  // The path did bite: QUIC recovered real drops (about 3% of ~1500 packets to the client).
  std::smatch m;
  const std::string impair = slurp(dir / "impair.log");
  ASSERT_TRUE(std::regex_search(impair, m, std::regex("to clients: [0-9]+ in, [0-9]+ out, dropped ([0-9]+)"))) << logs;
  EXPECT_GT(std::stoi(m[1].str()), 0) << logs;
}

}  // namespace
}  // namespace kinetic
