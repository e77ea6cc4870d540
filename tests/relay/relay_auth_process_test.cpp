// `kinetic token` and `kinetic relay --auth-key` as processes over loopback QUIC: a key made with
// `token keygen`, tokens minted with `token sign` and carried in the URL (?jwt=), a publisher and
// subscribers allowed or refused by their grants, an edge relay reaching the origin with its own
// --upstream-token, and a relay that will not listen beyond loopback without auth or --public.
// The same with the edge serving from two workers (--workers 2): each worker checks its own
// clients' tokens, and the hub alone subscribes at the parent, once per track.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
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
  const auto ports = kinetic::test::free_ports(2);
  ASSERT_EQ(ports.size(), 2u) << "no 2 free ports";
  const std::string origin = std::to_string(ports[0]), edge = std::to_string(ports[1]);
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

// --auth-issuer and --auth-audience: a relay takes only tokens its issuer minted for it, JWT and
// CAT alike, in the URL or in CLIENT_SETUP (--token), and `kinetic token verify` with the same
// flags says the same of each.
TEST(RelayAuthProcess, IssuerAndAudienceNarrowWhoseTokensARelayTakes) {
  if (!std::filesystem::exists(kKinetic)) GTEST_SKIP() << "kinetic binary not built: " << kKinetic;
  const auto dir = std::filesystem::temp_directory_path() / ("kinetic-relayaud-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto ports = kinetic::test::free_ports(1);
  ASSERT_EQ(ports.size(), 1u) << "no free port";
  const std::string relay = std::to_string(ports[0]);
  const std::string k = "'" + kKinetic + "'";
  const auto wait_for = kinetic::test::shell_wait_for;
  const std::string url = "moqt://127.0.0.1:" + relay + "/moq?jwt=";
  auto sub = [&](const std::string& name, const std::string& token_var) {
    return "timeout 10 " + k + " clock sub \"" + url + "$" + token_var +
           "\" --namespace demo/alice --insecure --seconds 2 >" + name + ".log 2>&1; echo $? >" + name +
           ".rc; ";
  };
  std::ostringstream script;
  script
      << "cd '" << dir.string() << "' || exit 1; " << k
      << " token keygen --alg ES256 --kid origin-1 --out key.jwk --public-out pub.jwk >keygen.log 2>&1; "
      << "sign() { " << k << " token sign --key key.jwk --root demo \"$@\"; }; "
      << "TP=$(sign --publish alice --issuer kinetic-demo --audience relay-eu); "
      << "sign --format cat --subscribe alice --issuer kinetic-demo --audience relay-us --audience relay-eu "
         ">ts.cat; TS=$(cat ts.cat); "
      << "TUS=$(sign --format cat --subscribe alice --issuer kinetic-demo --audience relay-us); "
      << "TNOAUD=$(sign --subscribe alice --issuer kinetic-demo); "
      << "TISS=$(sign --subscribe alice --issuer someone-else --audience relay-eu); " << k
      << " token verify --key pub.jwk --issuer kinetic-demo --audience relay-eu \"$TS\" >verify_ok.log 2>&1; "
      << "echo $? >verify_ok.rc; " << k
      << " token verify --key pub.jwk \"$TS\" >verify_noaud.log 2>&1; echo $? >verify_noaud.rc; "
      << "timeout 30 " << k << " relay --listen 127.0.0.1:" << relay
      << " --auth-key pub.jwk --auth-issuer kinetic-demo --auth-audience relay-eu --log-level debug "
         ">relay.log 2>&1 & R=$!; "
      << wait_for("relay.log", "relay listening") << "timeout 20 " << k << " clock pub \"" << url
      << "$TP\" --namespace demo/alice --insecure --seconds 15 >pub.log 2>&1 & P=$!; "
      << wait_for("relay.log", "namespace 'demo/alice' published")
      // --token: the token in CLIENT_SETUP rather than in the URL.
      << "timeout 10 " << k << " clock sub moqt://127.0.0.1:" << relay
      << "/moq --token @ts.cat --namespace demo/alice --insecure --seconds 2 >sub_ok.log 2>&1; echo $? "
         ">sub_ok.rc; "
      << sub("sub_us", "TUS") << sub("sub_noaud", "TNOAUD") << sub("sub_iss", "TISS")
      << "kill $P $R 2>/dev/null; wait";
  std::ofstream(dir / "run.sh") << script.str() << "\n";
  std::system(("bash '" + dir.string() + "/run.sh'").c_str());
  auto logs = [&] {
    std::string all;
    for (const char* f : {"keygen.log", "verify_ok.log", "verify_noaud.log", "pub.log", "sub_ok.log",
                          "sub_us.log", "sub_noaud.log", "sub_iss.log", "relay.log"}) {
      all += std::string("--- ") + f + "\n" + slurp(dir / f);
    }
    return all;
  };
  EXPECT_EQ(slurp(dir / "verify_ok.rc"), "0\n") << logs();
  EXPECT_NE(slurp(dir / "verify_ok.log").find("audience 'relay-us', 'relay-eu'"), std::string::npos)
      << logs();
  EXPECT_EQ(slurp(dir / "verify_noaud.rc"), "1\n") << logs();
  EXPECT_NE(slurp(dir / "verify_noaud.log").find("wrong audience"), std::string::npos) << logs();
  EXPECT_NE(slurp(dir / "relay.log").find("issuers kinetic-demo; audience relay-eu"), std::string::npos)
      << logs();
  EXPECT_EQ(slurp(dir / "sub_ok.rc"), "0\n") << "a CAT for relay-eu from kinetic-demo should subscribe\n"
                                             << logs();
  EXPECT_EQ(slurp(dir / "sub_us.rc"), "1\n") << "a token for another relay must be refused\n" << logs();
  EXPECT_EQ(slurp(dir / "sub_noaud.rc"), "1\n") << "a relay with an audience refuses tokens without aud\n"
                                                << logs();
  EXPECT_EQ(slurp(dir / "sub_iss.rc"), "1\n") << "another issuer's token must be refused\n" << logs();
  const std::string relay_log = slurp(dir / "relay.log");
  EXPECT_NE(relay_log.find("token is for 'relay-us', not this one"), std::string::npos) << logs();
  EXPECT_NE(relay_log.find("token has no aud"), std::string::npos) << logs();
  EXPECT_NE(relay_log.find("issuer 'someone-else' is not accepted"), std::string::npos) << logs();
  std::filesystem::remove_all(dir);
}

// A prometheus sample's value in a /metrics page; -1 when absent.
long long metric(const std::string& page, const std::string& name) {
  const auto at = page.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atoll(page.c_str() + at + name.size() + 2);
}

class RelayAuthWorkersProcess : public kinetic::test::ProcessTest {};

// A parent relay with a clock publisher, and below it a relay of two workers, both wanting
// tokens. Subscribers reach the edge four at a time (the kernel's hash spreads them over the
// workers) until each worker has admitted one; while a round is subscribed, both relays'
// /metrics are read. Then subscribers without a valid token: none, one for another namespace,
// and one signed by a key the relays do not hold.
TEST_F(RelayAuthWorkersProcess, TwoWorkersBelowAParentCheckTokensAndShareOneRoute) {
  const auto ports = kinetic::test::free_ports(4);
  ASSERT_EQ(ports.size(), 4u) << "no 4 free ports";
  const int status = sh("PARENT=" + std::to_string(ports[0]) + " EDGE=" + std::to_string(ports[1]) +
                        " PM=" + std::to_string(ports[2]) + " EM=" + std::to_string(ports[3]) + R"(
stop() { kill $PU $ED $PA 2>/dev/null; wait; }
# Waits up to 10 s until every FILE holds a line matching REGEX.
wait_all() {  # wait_all REGEX FILE...
  local re="$1"; shift
  for t in $(seq 100); do
    local all=1
    for f in "$@"; do grep -q "$re" "$f" 2>/dev/null || all=0; done
    [ $all = 1 ] && return 0
    sleep 0.1
  done
  return 1
}
$K token keygen --alg ES256 --kid origin-1 --out key.jwk --public-out pub.jwk >keygen.log 2>&1
# The same kid with another key: a signature the relays cannot verify.
$K token keygen --alg ES256 --kid origin-1 --out forged.jwk --public-out forged.pub.jwk >>keygen.log 2>&1
TP=$($K token sign --key key.jwk --root demo --publish alice)
TS=$($K token sign --key key.jwk --root demo --subscribe alice)
TB=$($K token sign --key key.jwk --root demo --subscribe bob)
TF=$($K token sign --key forged.jwk --root demo --subscribe alice)
$K token sign --key key.jwk --root '' --publish '' --subscribe '' >cluster.jwt
timeout 40 $K relay --listen 127.0.0.1:$PARENT --auth-key pub.jwk --relay-id parent \
  --metrics-listen 127.0.0.1:$PM >parent.log 2>&1 & PA=$!
wait_all "relay listening" parent.log || { stop; exit 11; }
timeout 40 $K relay --listen 127.0.0.1:$EDGE --workers 2 --auth-key pub.jwk --relay-id edge \
  --upstream moqt://127.0.0.1:$PARENT/moq --upstream-insecure --upstream-token @cluster.jwt \
  --metrics-listen 127.0.0.1:$EM --log-level debug >edge.log 2>&1 & ED=$!
wait_all "upstream link up (moqt" edge.log || { stop; exit 12; }
timeout 40 $K clock pub "moqt://127.0.0.1:$PARENT/moq?jwt=$TP" --namespace demo/alice --insecure \
  --interval-ms 100 >pub.log 2>&1 & PU=$!
wait_all "namespace 'demo/alice' published" parent.log || { stop; exit 13; }
# sub URL-SUFFIX SECONDS: a subscriber at the edge; exec, so that $! is its own (bounded) pid.
sub() { exec timeout 15 $K clock sub "moqt://127.0.0.1:$EDGE/moq$1" --namespace demo/alice --insecure --seconds "$2"; }
for round in 1 2 3 4; do
  PIDS=""
  for i in 1 2 3 4; do
    sub "?jwt=$TS" 12 >sub_${round}_$i.log 2>&1 & PIDS="$PIDS $!"
  done
  wait_all "^group " sub_${round}_1.log sub_${round}_2.log sub_${round}_3.log sub_${round}_4.log
  # The edge sums its workers' counters once a second: read until the four are in the sum.
  for t in $(seq 30); do
    curl -s --max-time 1 http://127.0.0.1:$EM/metrics >edge_metrics_$round.txt
    grep -q "^kinetic_relay_subscriptions 4$" edge_metrics_$round.txt && break
    sleep 0.1
  done
  curl -s --max-time 1 http://127.0.0.1:$PM/metrics >parent_metrics_$round.txt
  i=1
  for p in $PIDS; do kill -TERM $p; wait $p; echo $? >sub_${round}_$i.rc; i=$((i + 1)); done
  grep -q "session w0/[0-9]* admitted" edge.log && grep -q "session w1/[0-9]* admitted" edge.log && break
done
PIDS=""
for i in 1 2; do
  sub "" 5 >none_$i.log 2>&1 & PIDS="$PIDS $!"
  sub "?jwt=$TB" 5 >sibling_$i.log 2>&1 & PIDS="$PIDS $!"
  sub "?jwt=$TF" 5 >forged_$i.log 2>&1 & PIDS="$PIDS $!"
done
for p in $PIDS; do wait $p; done
stop
)");
  auto logs = [&] {
    std::string all;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".log" || e.path().extension() == ".txt" || e.path().extension() == ".rc") {
        all += "--- " + e.path().filename().string() + "\n" + read(e.path().filename().string());
      }
    }
    return all;
  };
  // 11, 12, 13: the parent, the edge's link to it or the publisher did not come up.
  ASSERT_EQ(status, 0) << logs();
  const std::string edge_log = read("edge.log");
  // (a) Every subscriber with a valid token received the parent's clock, and both workers
  // admitted some of them.
  int rounds = 0;
  while (rounds < 4 && std::filesystem::exists(dir / ("sub_" + std::to_string(rounds + 1) + "_1.log"))) ++rounds;
  ASSERT_GT(rounds, 0) << logs();
  for (int r = 1; r <= rounds; ++r) {
    for (int i = 1; i <= 4; ++i) {
      const std::string name = "sub_" + std::to_string(r) + "_" + std::to_string(i);
      EXPECT_EQ(read(name + ".rc"), "0\n") << name << "\n" << logs();
      EXPECT_NE(read(name + ".log").find("group "), std::string::npos) << name << "\n" << logs();
    }
    // (c) Four subscribers on the edge, and its route to the parent is one subscription: the
    // hub's, whichever worker each subscriber is on.
    const std::string pm = read("parent_metrics_" + std::to_string(r) + ".txt");
    const std::string em = read("edge_metrics_" + std::to_string(r) + ".txt");
    EXPECT_EQ(metric(pm, "kinetic_relay_subscriptions"), 1) << "round " << r << "\n" << pm;
    EXPECT_EQ(metric(em, "kinetic_relay_subscriptions"), 4) << "round " << r << "\n" << em;
    EXPECT_EQ(metric(em, "kinetic_relay_upstream_subscriptions"), 1) << "round " << r << "\n" << em;
  }
  for (const char* worker : {"w0", "w1"}) {
    EXPECT_TRUE(std::regex_search(edge_log, std::regex(std::string("session ") + worker + "/[0-9]+ admitted")))
        << "no subscriber admitted on worker " << worker << "\n" << logs();
  }
  // (b) Refusals, with the protocol's codes: REQUEST_ERROR UNAUTHORIZED (0x1) for no token and
  // for a token without the grant, the session closed UNAUTHORIZED (0x2) for a bad signature.
  for (int i = 1; i <= 2; ++i) {
    const std::string n = std::to_string(i);
    EXPECT_NE(read("none_" + n + ".log").find("subscription refused (1:"), std::string::npos) << logs();
    EXPECT_NE(read("sibling_" + n + ".log").find("subscription refused (1:"), std::string::npos) << logs();
    EXPECT_NE(read("forged_" + n + ".log").find("session closed (2:"), std::string::npos) << logs();
    for (const char* kind : {"none_", "sibling_", "forged_"}) {
      EXPECT_EQ(read(kind + n + ".log").find("group "), std::string::npos) << kind << n << "\n" << logs();
    }
  }
}

}  // namespace
