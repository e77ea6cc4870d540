// What the gateway's process tests share: a relay and `kinetic whip` in front of it, started by
// a shell preamble that leaves $RELAY (moqt:// URL), $HTTP (http://127.0.0.1:PORT) and $WHIP_PID
// set (and $RELAY_PID); the browser drivers under tests/browser; counting what ffprobe decodes from `kinetic sub`'s
// MP4. Every process is bounded by `timeout`.
#pragma once

#include <unistd.h>

#include <string>

#include "../process_fixture.hpp"

namespace kinetic::test {

class GatewayTest : public ProcessTest {
 protected:
  void SetUp() override {
    ProcessTest::SetUp();
    if (IsSkipped()) return;
    if (std::system("curl --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  }

  // For the tests that drive Chromium and judge media with ffprobe.
  static bool browser_ready(std::string& why) {
    if (std::system("ffprobe -version >/dev/null 2>&1") != 0) why = "ffprobe not installed";
    if (std::system("test -x /usr/bin/chromium || test -n \"$CHROMIUM\"") != 0) why = "chromium not installed";
    if (!std::filesystem::exists(browser_dir() + "/node_modules/playwright-core")) why = "tests/browser/node_modules missing";
    return why.empty();
  }

  // Shell function `code NAME CURL-ARGS...`: the HTTP status goes to NAME.code, the body to NAME.body.
  static std::string curl_helper() {
    return "code() { n=$1; shift; curl -s -m 10 -o \"$n.body\" -w '%{http_code}' \"$@\" >\"$n.code\"; }\n";
  }
  [[nodiscard]] std::string status(const std::string& name) const { return read(name + ".code"); }

  static std::string browser_dir() { return std::string(KINETIC_SOURCE_DIR) + "/tests/browser"; }

  // Relay on a port of its own, then the gateway on any HTTP port with `gateway_args`.
  static std::string preamble(const std::string& gateway_args, int seconds = 50) {
    const std::string port = std::to_string(free_port());  // 0: none free, and no client reaches the relay
    const std::string t = std::to_string(seconds);
    return "RELAY=moqt://127.0.0.1:" + port + "\n"
           "timeout " + t + " \"$K\" relay --listen 127.0.0.1:" + port + " >relay.log 2>&1 & RELAY_PID=$!\n" +
           shell_wait_for("relay.log", "relay listening") + "\n"
           "timeout " + t + " \"$K\" whip \"$RELAY\" --http 127.0.0.1:0 --insecure " + gateway_args +
           " >whip.log 2>&1 & WHIP_PID=$!\n" + shell_wait_for("whip.log", "WHIP on") + "\n"
           "HTTP=$(grep -o 'http://127.0.0.1:[0-9]*' whip.log | head -1)\n"
           "B='" + browser_dir() + "'\n";
  }
};

}  // namespace kinetic::test
