// `kinetic token` and `kinetic relay --auth-key` as processes over loopback QUIC: a key made with
// `token keygen`, tokens minted with `token sign` and carried in the URL (?jwt=), a publisher and
// subscribers allowed or refused by their grants, an edge relay reaching the origin with its own
// --upstream-token, and a relay that will not listen beyond loopback without auth or --public.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../process_fixture.hpp"

namespace {

const std::string kKinetic = kinetic::test::kinetic_binary();
using kinetic::test::slurp;

TEST(RelayAuthProcess, TokensFromTheCliGateARelayAndItsChild) {
  if (!std::filesystem::exists(kKinetic)) GTEST_SKIP() << "kinetic binary not built: " << kKinetic;
  const auto dir = std::filesystem::temp_directory_path() / ("kinetic-relayauth-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // Ports of their own, apart from the ranges the other process tests use.
  const int base = 39000 + static_cast<int>(getpid() % 3000) * 2;
  const std::string origin = std::to_string(base), edge = std::to_string(base + 1);
  const std::string k = "'" + kKinetic + "'";
  const auto wait_for = kinetic::test::shell_wait_for;
  std::ostringstream script;
  script << "cd '" << dir.string() << "' || exit 1; "
         << k << " token keygen --alg ES256 --kid origin-1 --out key.jwk --public-out pub.jwk >keygen.log 2>&1; "
         << "TP=$(" << k << " token sign --key key.jwk --root demo --publish alice); "
         << "TS=$(" << k << " token sign --key key.jwk --root demo --subscribe alice); "
         << "TB=$(" << k << " token sign --key key.jwk --root demo --subscribe bob); "
         << k << " token sign --key key.jwk --root '' --publish '' --subscribe '' >cluster.jwt; "
         << "timeout 30 " << k << " relay --listen 127.0.0.1:" << origin
         << " --auth-key pub.jwk --log-level debug >origin.log 2>&1 & O=$!; " << wait_for("origin.log", "relay listening")
         << "timeout 30 " << k << " relay --listen 127.0.0.1:" << edge << " --upstream moqt://127.0.0.1:" << origin
         << "/moq --upstream-insecure --upstream-token @cluster.jwt >edge.log 2>&1 & E=$!; "
         << wait_for("edge.log", "upstream link up")
         << "timeout 20 " << k << " clock pub \"moqt://127.0.0.1:" << origin
         << "/moq?jwt=$TP\" --namespace demo/alice --insecure --seconds 15 >pub.log 2>&1 & P=$!; "
         << wait_for("origin.log", "namespace 'demo/alice' published")
         << "timeout 10 " << k << " clock sub \"moqt://127.0.0.1:" << origin
         << "/moq?jwt=$TS\" --namespace demo/alice --insecure --seconds 2 >sub_ok.log 2>&1; echo $? >sub_ok.rc; "
         << "timeout 10 " << k << " clock sub \"moqt://127.0.0.1:" << origin
         << "/moq?jwt=$TB\" --namespace demo/alice --insecure --seconds 2 >sub_sibling.log 2>&1; echo $? >sub_sibling.rc; "
         << "timeout 10 " << k << " clock sub moqt://127.0.0.1:" << origin
         << "/moq --namespace demo/alice --insecure --seconds 2 >sub_none.log 2>&1; echo $? >sub_none.rc; "
         << "timeout 10 " << k << " clock sub moqt://127.0.0.1:" << edge
         << "/moq --namespace demo/alice --insecure --seconds 2 >sub_edge.log 2>&1; echo $? >sub_edge.rc; "
         << "timeout 5 " << k << " relay --listen 0.0.0.0:" << edge << " >open.log 2>&1; echo $? >open.rc; "
         << "kill $P $E $O 2>/dev/null; wait";
  std::ofstream(dir / "run.sh") << script.str() << "\n";
  std::system(("bash '" + dir.string() + "/run.sh'").c_str());
  auto logs = [&] {
    std::string all;
    for (const char* f : {"keygen.log", "sub_ok.log", "sub_sibling.log", "sub_none.log", "sub_edge.log", "pub.log",
                          "origin.log", "edge.log", "open.log"}) {
      all += std::string("--- ") + f + "\n" + slurp(dir / f);
    }
    return all;
  };
  EXPECT_EQ(slurp(dir / "sub_ok.rc"), "0\n") << "the subscriber's token should reach demo/alice\n" << logs();
  EXPECT_EQ(slurp(dir / "sub_sibling.rc"), "1\n") << "a token for demo/bob must not reach demo/alice\n" << logs();
  EXPECT_EQ(slurp(dir / "sub_none.rc"), "1\n") << "no token, no subscription\n" << logs();
  EXPECT_EQ(slurp(dir / "sub_edge.rc"), "0\n") << "the edge's own token should reach the origin\n" << logs();
  EXPECT_NE(slurp(dir / "sub_sibling.log").find("refused"), std::string::npos) << logs();
  EXPECT_EQ(slurp(dir / "open.rc"), "2\n") << logs();
  EXPECT_NE(slurp(dir / "open.log").find("--public"), std::string::npos) << logs();
  EXPECT_NE(slurp(dir / "origin.log").find("auth: tokens required"), std::string::npos) << logs();
  std::filesystem::remove_all(dir);
}

}  // namespace
