// WHIP end to end: headless Chromium publishes its fake camera and microphone through
// `kinetic whip` to a relay, and `kinetic sub` receives the broadcast; ffprobe must decode the
// H.264 and find the Opus packets, and the session must end on the client's DELETE.
#include <gtest/gtest.h>

#include "gateway_fixture.hpp"

namespace kinetic::test {
namespace {

class Chromium : public GatewayTest {};

TEST_F(Chromium, WhipPublishReachesSubscriber) {
  sh(preamble("--token s3cret") +
     "(cd \"$B\" && timeout 40 node whip_publish.mjs \"$HTTP/whip/live/cam\" s3cret 9 delete) >browser.log 2>&1 &\n"
     "BR=$!\n" + shell_wait_for("whip.log", "announced") +
     "timeout 20 \"$K\" sub \"$RELAY\" --namespace live/cam --insecure --output out.mp4 --duration 5 --stats >sub.log 2>&1\n"
     "wait $BR; sleep 0.5; kill $WHIP_PID $RELAY_PID; wait");
  const std::string logs = "--- browser\n" + read("browser.log") + "--- whip\n" + read("whip.log") + "--- sub\n" +
                           read("sub.log");
  const std::string browser = read("browser.log");
  ASSERT_NE(browser.find("\"status\":201"), std::string::npos) << logs;
  EXPECT_NE(browser.find("\"codec\":\"video/H264\""), std::string::npos) << logs;
  EXPECT_NE(browser.find("\"delete_status\":200"), std::string::npos) << logs;
  // Five seconds of a 30 fps camera; a loaded machine encodes fewer, never this few.
  EXPECT_GE(ffprobe_count((dir / "out.mp4").string(), 'v'), 30) << logs;
  EXPECT_GE(ffprobe_count((dir / "out.mp4").string(), 'a'), 100) << logs;  // 20 ms Opus packets
  EXPECT_NE(run_capture("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + (dir / "out.mp4").string() + "'")
                .find("h264"),
            std::string::npos);
  EXPECT_NE(read("whip.log").find("ended (DELETE from the client)"), std::string::npos) << logs;
}

}  // namespace
}  // namespace kinetic::test
