// Three `kinetic relay` processes chained over loopback QUIC (origin ← regional ← edge), with
// `kinetic clock` publishing at one end and subscribing at the other, in both directions:
// a publisher at the origin reaches a subscriber at the edge, and a publisher at the edge
// reaches a subscriber at the origin. The regional relay runs `--workers auto` (one worker per CPU),
// so on a machine of several CPUs the clock crosses its workers as well. Every process is bounded
// by `timeout`.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../process_fixture.hpp"

namespace {

const std::string kKinetic = kinetic::test::kinetic_binary();
using kinetic::test::slurp;

TEST(RelayChainProcess, ClockCrossesThreeChainedRelaysBothWays) {
  if (!std::filesystem::exists(kKinetic)) GTEST_SKIP() << "kinetic binary not built: " << kKinetic;
  const auto dir = std::filesystem::temp_directory_path() / ("kinetic-relaychain-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto ports = kinetic::test::free_ports(3);
  ASSERT_EQ(ports.size(), 3u) << "no 3 free ports";
  const std::string origin = std::to_string(ports[0]), regional = std::to_string(ports[1]),
                    edge = std::to_string(ports[2]);
  const std::string k = "'" + kKinetic + "'";
  const auto wait_for = kinetic::test::shell_wait_for;
  std::ostringstream script;
  script << "cd '" << dir.string() << "' || exit 1; "
         << "timeout 30 " << k << " relay --listen 127.0.0.1:" << origin << " >origin.log 2>&1 & O=$!; "
         << wait_for("origin.log", "relay listening") << "timeout 30 " << k
         << " relay --listen 127.0.0.1:" << regional << " --upstream moqt://127.0.0.1:" << origin
         << "/moq --upstream-insecure --workers auto >regional.log 2>&1 & R=$!; "
         << "timeout 30 " << k << " relay --listen 127.0.0.1:" << edge
         << " --upstream moqt://127.0.0.1:" << regional << "/moq --upstream-insecure >edge.log 2>&1 & E=$!; "
         << wait_for("regional.log", "upstream link up")
         << wait_for("edge.log", "upstream link up")
         // Origin → edge.
         << "timeout 20 " << k << " clock pub moqt://127.0.0.1:" << origin
         << " --namespace down --insecure --seconds 15 >pub_down.log 2>&1 & P1=$!; "
         // Edge → origin: the namespace must have climbed both hops first.
         << "timeout 20 " << k << " clock pub moqt://127.0.0.1:" << edge
         << " --namespace up --insecure --seconds 15 >pub_up.log 2>&1 & P2=$!; "
         << wait_for("origin.log", "namespace 'down' published")
         << wait_for("origin.log", "namespace 'up' published") << "timeout 15 " << k
         << " clock sub moqt://127.0.0.1:" << edge
         << " --namespace down --insecure --seconds 4 >sub_down.log 2>&1; echo $? >sub_down.rc; "
         << "timeout 15 " << k << " clock sub moqt://127.0.0.1:" << origin
         << " --namespace up --insecure --seconds 4 >sub_up.log 2>&1; echo $? >sub_up.rc; "
         << "kill $P1 $P2 $E $R $O 2>/dev/null; wait";
  std::ofstream(dir / "run.sh") << script.str() << "\n";
  std::system(("bash '" + dir.string() + "/run.sh'").c_str());
  auto logs = [&] {
    std::string all;
    for (const char* f : {"sub_down.log", "sub_up.log", "pub_down.log", "pub_up.log", "origin.log", "regional.log",
                          "edge.log"}) {
      all += std::string("--- ") + f + "\n" + slurp(dir / f);
    }
    return all;
  };
  EXPECT_EQ(slurp(dir / "sub_down.rc"), "0\n") << "no timestamp from the origin reached the edge\n" << logs();
  EXPECT_EQ(slurp(dir / "sub_up.rc"), "0\n") << "no timestamp from the edge reached the origin\n" << logs();
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  ASSERT_EQ(::sched_getaffinity(0, sizeof cpus, &cpus), 0);
  if (CPU_COUNT(&cpus) > 1) {
    EXPECT_NE(slurp(dir / "regional.log").find("  " + std::to_string(CPU_COUNT(&cpus)) + " workers"),
              std::string::npos)
        << logs();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
