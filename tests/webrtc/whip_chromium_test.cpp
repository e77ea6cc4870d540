// WHIP end to end: headless Chromium publishes its fake camera and microphone through
// `kinetic whip` to a relay, and `kinetic sub` receives the broadcast; ffprobe must decode the
// H.264 and find the Opus packets, and the session must end on the client's DELETE.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "gateway_fixture.hpp"
#include "offers.hpp"

namespace kinetic::test {
namespace {

class Chromium : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (IsSkipped()) return;
    if (std::string why; !browser_ready(why)) GTEST_SKIP() << why;
  }
};

// The subscriber asks for a new group: it is the broadcast's first, so the relay has nothing cached
// and the mp4 starts at a keyframe; without the request, a join just after the browser began a
// group waited its whole 2 s and left the 5 s too little sound (93 Opus packets, 1 run in 6).
TEST_F(Chromium, WhipPublishReachesSubscriber) {
  sh(preamble("--token s3cret") +
     "(cd \"$B\" && timeout 40 node whip_publish.mjs \"$HTTP/whip/live/cam\" s3cret 9 delete) >browser.log "
     "2>&1 &\n"
     "BR=$!\n" +
     shell_wait_for("whip.log", "announced") +
     "timeout 20 \"$K\" sub \"$RELAY\" --namespace live/cam --insecure --new-group --output out.mp4 "
     "--duration 5 --stats "
     ">sub.log 2>&1\n"
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
  EXPECT_NE(output_of("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + (dir / "out.mp4").string() + "'")
                .find("h264"),
            std::string::npos);
  EXPECT_NE(read("whip.log").find("ended (DELETE from the client)"), std::string::npos) << logs;
}

// A second publisher for a live namespace is refused (409); a publisher that vanishes without
// DELETE is ended by the idle timeout, its namespace withdrawn and free again, and the gateway's
// descriptors and threads go back to what they were before it came.
TEST_F(Chromium, VanishedPublisherIsFreedAndDuplicatesRefused) {
  std::ofstream(dir / "good.sdp") << make_offer(kH264AndVp8);
  sh(preamble("--token s3cret --idle-timeout-ms 1500", 40) + curl_helper() +
     "A='Authorization: Bearer s3cret'; SDP='Content-Type: application/sdp'\n"
     "sleep 0.3; ls /proc/$WHIP_PID/fd | wc -l >fd_before.txt\n"
     "grep Threads /proc/$WHIP_PID/status >threads_before.txt\n"
     "(cd \"$B\" && timeout 40 node whip_publish.mjs \"$HTTP/whip/dup\" s3cret 3 vanish) >browser.log 2>&1 &\n"
     "BR=$!\n" + shell_wait_for("whip.log", "announced") +
     "code second -X POST -H \"$A\" -H \"$SDP\" --data-binary @good.sdp \"$HTTP/whip/dup\"\n"
     "wait $BR\n" + shell_wait_for("whip.log", "ended (no media") +
     "code again -X POST -H \"$A\" -H \"$SDP\" --data-binary @good.sdp -D again.headers \"$HTTP/whip/dup\"\n"
     "LOC=$(grep -i '^location:' again.headers | tr -d '\\r' | cut -d' ' -f2)\n"
     "code again_delete -X DELETE -H \"$A\" \"$HTTP$LOC\"\n"
     "sleep 1; ls /proc/$WHIP_PID/fd | wc -l >fd_after.txt\n"
     "grep Threads /proc/$WHIP_PID/status >threads_after.txt\n"
     "kill $WHIP_PID $RELAY_PID; wait");
  const std::string logs = "--- browser\n" + read("browser.log") + "--- whip\n" + read("whip.log");
  EXPECT_NE(read("browser.log").find("\"status\":201"), std::string::npos) << logs;
  EXPECT_EQ(status("second"), "409") << read("second.body") << logs;
  EXPECT_NE(read("whip.log").find("ended (no media for 1500 ms)"), std::string::npos) << logs;
  EXPECT_NE(read("whip.log").find("namespace dup withdrawn"), std::string::npos) << logs;
  EXPECT_EQ(status("again"), "201") << read("again.body") << logs;
  EXPECT_EQ(status("again_delete"), "200") << logs;
  EXPECT_EQ(read("fd_after.txt"), read("fd_before.txt")) << logs;
  EXPECT_EQ(read("threads_after.txt"), read("threads_before.txt")) << logs;
}

// A subscriber joining with `--new-group` asks, through the relay, for a new group: the relay
// already subscribed upstream (for the first subscriber, who did not ask), so it sends a
// REQUEST_UPDATE with NEW_GROUP_REQUEST, and the gateway asks the browser for a keyframe. With
// groups allowed to grow for a minute, that request is the only reason for a keyframe request.
TEST_F(Chromium, ASubscribersNewGroupRequestAsksTheBrowserForAKeyframe) {
  sh(preamble("--token s3cret --max-group-ms 60000 --min-group-ms 200") +
     "(cd \"$B\" && timeout 40 node whip_publish.mjs \"$HTTP/whip/live/cam\" s3cret 8 delete) >browser.log "
     "2>&1 &\n"
     "BR=$!\n" +
     shell_wait_for("whip.log", "announced") +
     "timeout 20 \"$K\" sub \"$RELAY\" --namespace live/cam --insecure --duration 6 >sub1.log 2>&1 & S1=$!\n"
     "sleep 2\n"
     "timeout 20 \"$K\" sub \"$RELAY\" --namespace live/cam --insecure --new-group --duration 3 >sub2.log "
     "2>&1\n"
     "wait $S1 $BR; sleep 0.5; kill $WHIP_PID $RELAY_PID; wait");
  const std::string whip = read("whip.log");
  const std::string logs = "--- browser\n" + read("browser.log") + "--- whip\n" + whip + "--- sub1\n" +
                           read("sub1.log") + "--- sub2\n" + read("sub2.log");
  ASSERT_NE(read("browser.log").find("\"status\":201"), std::string::npos) << logs;
  EXPECT_NE(whip.find("a subscriber asked for a new group: keyframe requested"), std::string::npos) << logs;
  // "K keyframe requests (N new-group requests from subscribers)" when the namespace is withdrawn.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(whip, m, std::regex(R"((\d+) keyframe requests \((\d+) new-group requests)")))
      << logs;
  EXPECT_GE(std::stoi(m[1].str()), 1) << logs;
  EXPECT_GE(std::stoi(m[2].str()), 1) << logs;
  // The browser answered with a keyframe: a group began after the first.
  ASSERT_TRUE(std::regex_search(whip, m, std::regex(R"((\d+) objects in (\d+) groups)"))) << logs;
  EXPECT_GE(std::stoi(m[2].str()), 2) << logs;
  EXPECT_NE(read("sub2.log").find("frames received"), std::string::npos) << logs;
}

}  // namespace
}  // namespace kinetic::test
