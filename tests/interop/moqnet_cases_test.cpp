// The six interop cases of TEST-CASES.md with @moq/net (npm) as the client, bundled into a page
// that headless Chromium runs against `kinetic relay` over WebTransport, once per draft. The
// page offers exactly one WebTransport protocol, so each run is that draft and nothing else.
// Skips, visibly, only when Chromium, node or tests/interop/moqnet/node_modules is missing.
#include <gtest/gtest.h>

#include <iostream>

#include "moqnet/harness.hpp"

namespace {

using namespace kinetic::interop_test::moqnet;
using nlohmann::json;

const char* const kCases =
    "setup-only,announce-only,publish-namespace-done,subscribe-error,announce-subscribe,subscribe-before-announce";

std::string field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("(none)");
}

// What the page saw on one request stream: {"request","response","fin","reset"}.
std::string response_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? field(*it, "response") : std::string("(no such stream)");
}

class MoqnetCases : public ::testing::TestWithParam<const char*> {};

TEST_P(MoqnetCases, SixCasesPassWithMoqNetAsTheClient) {
  if (auto why = missing_prerequisite(); !why.empty()) GTEST_SKIP() << why;
  const std::string protocol = GetParam();
  Relay relay;
  const auto err = relay.start();
  ASSERT_TRUE(err.empty()) << err;

  Child runner;
  ASSERT_TRUE(runner.start(runner_args(relay, protocol, kCases)));
  const bool finished = runner.wait(75s);
  const std::string out = runner.output();
  runner.remove_output();
  std::cout << out;  // the page's own account, kept in the test log
  ASSERT_TRUE(finished) << "the browser run did not finish within 75 s:\n" << out;
  const auto results = parse_results(out);

  // Every case ran on the draft it offered, and its session closed without an error.
  for (const std::string name : {"setup-only", "announce-only", "publish-namespace-done", "subscribe-error",
                                 "announce-subscribe", "subscribe-before-announce"}) {
    const auto it = results.find(name);
    if (it == results.end()) {
      ADD_FAILURE() << name << ": no RESULT line from the runner\n" << out;
      continue;
    }
    const json& r = it->second;
    EXPECT_TRUE(r.value("ok", false)) << name << " failed: " << r.dump();
    EXPECT_EQ(field(r, "protocol"), protocol) << name << ": WebTransport negotiated another protocol";
    EXPECT_EQ(field(r, "version"), "moq-transport-" + protocol.substr(5)) << name << ": @moq/net's session version";
    EXPECT_FALSE(r.contains("error")) << name << ": " << r.dump();
  }
  const auto get = [&](const char* name) { return results.count(name) ? results.at(name) : json::object(); };

  // setup-only: SETUP answered, clean close.
  EXPECT_EQ(get("setup-only").value("close", json::object()).value("code", -1), 0) << get("setup-only").dump();
  // announce-only: PUBLISH_NAMESPACE answered with REQUEST_OK.
  EXPECT_EQ(response_of(get("announce-only"), "publish_namespace"), "REQUEST_OK");
  // publish-namespace-done: REQUEST_OK, then the client ends the request stream (draft-17+ has no
  // PUBLISH_NAMESPACE_DONE), and the relay has dropped the namespace while that session lives.
  const json done = get("publish-namespace-done");
  EXPECT_EQ(response_of(done, "publish_namespace"), "REQUEST_OK");
  EXPECT_TRUE(done.value("publish_namespace", json::object()).value("fin", false)) << done.dump();
  EXPECT_EQ(response_of(done, "subscribe_after_withdrawal"), "REQUEST_ERROR") << done.dump();
  // subscribe-error: REQUEST_ERROR on the SUBSCRIBE stream, and @moq/net reports it as an error.
  const json serr = get("subscribe-error");
  EXPECT_EQ(response_of(serr, "subscribe"), "REQUEST_ERROR");
  EXPECT_TRUE(serr.value("library", json::object()).contains("error")) << serr.dump();
  // announce-subscribe: the relay routes the SUBSCRIBE to the publisher, whose answer comes back.
  EXPECT_EQ(response_of(get("announce-subscribe"), "publish_namespace"), "REQUEST_OK");
  EXPECT_EQ(response_of(get("announce-subscribe"), "subscribe"), "SUBSCRIBE_OK");
  // subscribe-before-announce: either answer is graceful; which one is the relay's policy.
  const auto sba = response_of(get("subscribe-before-announce"), "subscribe");
  EXPECT_TRUE(sba == "SUBSCRIBE_OK" || sba == "REQUEST_ERROR") << sba;
  EXPECT_EQ(response_of(get("subscribe-before-announce"), "publish_namespace"), "REQUEST_OK");

  EXPECT_TRUE(runner.succeeded()) << out;
  // The relay saw no protocol violation from @moq/net in any of it.
  EXPECT_EQ(relay.log().find("PROTOCOL_VIOLATION"), std::string::npos) << relay.log();
}

INSTANTIATE_TEST_SUITE_P(Drafts, MoqnetCases, ::testing::Values("moqt-20", "moqt-18"),
                         [](const auto& param_info) { return std::string(param_info.param).substr(5) == "20" ? "Draft20" : "Draft18"; });

}  // namespace
