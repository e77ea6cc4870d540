// WebTransport from a real browser through `kinetic impair`: @moq/net in headless Chromium runs
// interop cases against `kinetic relay` with every datagram going through the proxy, impaired
// both ways (`--preset lte --loss 1 --seed 7`). Under that seed Chromium's connection once lost
// its first datagram, half of a two-datagram Initial, and the relay closed it on
// NGTCP2_ERR_RETRY instead of answering with a Retry; the cases must pass through the proxy.
#include <gtest/gtest.h>

#include <iostream>

#include "moqnet/harness.hpp"

namespace {

using namespace kinetic::interop_test::moqnet;
using nlohmann::json;

TEST(MoqnetImpaired, CasesPassThroughTheImpairmentProxy) {
  if (auto why = missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  Relay relay;
  const auto err = relay.start();
  ASSERT_TRUE(err.empty()) << err;
  ImpairProxy proxy;
  const auto perr = proxy.start(relay, {"--preset", "lte", "--loss", "1", "--seed", "7", "--stats"});
  ASSERT_TRUE(perr.empty()) << perr;

  Child runner;
  ASSERT_TRUE(runner.start(runner_args_to(relay, proxy.webtransport_url(), "moqt-20", "setup-only,announce-subscribe")));
  const bool finished = runner.wait(75s);
  const std::string out = runner.output();
  runner.remove_output();
  std::cout << out;
  ASSERT_TRUE(finished) << "the browser run did not finish within 75 s:\n" << out << "\n" << proxy.log();
  const auto results = parse_results(out);
  for (const std::string name : {"setup-only", "announce-subscribe"}) {
    const auto it = results.find(name);
    ASSERT_NE(it, results.end()) << name << ": no RESULT line\n" << out << "\n" << proxy.log() << relay.log();
    EXPECT_TRUE(it->second.value("ok", false)) << name << " failed: " << it->second.dump() << "\n" << proxy.log();
  }
  EXPECT_TRUE(runner.succeeded()) << out;
  // The browser only knew the proxy's port, so everything it did went through the proxy.
}

}  // namespace
