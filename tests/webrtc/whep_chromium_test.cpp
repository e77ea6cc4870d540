// WHEP end to end: `kinetic pub` publishes a clip (H.264 baseline + Opus) to a relay, and a plain
// <video> in headless Chromium plays it through `kinetic whip`'s /whep/<namespace>: frames
// decoded must advance second by second, audio must arrive, and DELETE must end the session.
#include <gtest/gtest.h>

#include "gateway_fixture.hpp"

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

TEST_F(Chromium, WhepPlaysAPublishedBroadcast) {
  sh("ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:duration=4 -t 4 "
     "-map 0:v -map 1:a -c:v libx264 -profile:v baseline -preset veryfast -g 25 -bf 0 -c:a libopus -b:a 48k -ac 2 "
     "-movflags cmaf+frag_keyframe+empty_moov clip.mp4 >ffmpeg.log 2>&1\n" +
     preamble("--token v13w") +
     "timeout 40 \"$K\" pub \"$RELAY\" --namespace shows/one --input clip.mp4 --loop --insecure >pub.log 2>&1 & PUB=$!\n" +
     shell_wait_for("pub.log", "announced") +
     "(cd \"$B\" && timeout 40 node whep_play.mjs \"$HTTP/whep/shows/one\" v13w 6) >browser.log 2>&1\n"
     "sleep 0.5; kill $PUB $WHIP_PID $RELAY_PID; wait");
  const std::string logs = "--- browser\n" + read("browser.log") + "--- whip\n" + read("whip.log") + "--- pub\n" +
                           read("pub.log") + "--- ffmpeg\n" + read("ffmpeg.log");
  const std::string browser = read("browser.log");
  const auto at = browser.find("RESULT ");
  ASSERT_NE(at, std::string::npos) << logs;
  const std::string result = browser.substr(at);
  ASSERT_NE(result.find("\"status\":201"), std::string::npos) << logs;
  EXPECT_NE(result.find("\"codec\":\"video/H264\""), std::string::npos) << logs;
  EXPECT_NE(result.find("\"codec\":\"audio/opus\""), std::string::npos) << logs;
  EXPECT_NE(result.find("\"width\":320,\"height\":240"), std::string::npos) << logs;
  EXPECT_NE(result.find("\"delete_status\":200"), std::string::npos) << logs;
  // Frames decoded, second by second: the last sample past the second, the second past zero.
  std::vector<long> decoded;
  for (auto p = result.find("\"framesDecoded\":"); p != std::string::npos; p = result.find("\"framesDecoded\":", p + 1)) {
    decoded.push_back(std::atol(result.c_str() + p + 16));
  }
  ASSERT_GE(decoded.size(), 4u) << logs;  // five samples plus the final stats
  EXPECT_GT(decoded[1], 0) << logs;
  EXPECT_GT(decoded[decoded.size() - 2], decoded[1] + 25) << logs;  // 25 fps for several seconds
  EXPECT_NE(read("whip.log").find("ended (DELETE from the client)"), std::string::npos) << logs;
}

// A viewer that vanishes without DELETE is ended when its RTCP stops; a viewer whose broadcast
// ends is ended with it; afterwards the gateway holds no more descriptors or threads than before.
TEST_F(Chromium, WhepViewersEndWithSilenceOrTheBroadcast) {
  sh("ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:duration=4 -t 4 "
     "-map 0:v -map 1:a -c:v libx264 -profile:v baseline -preset veryfast -g 25 -bf 0 -c:a libopus -b:a 48k -ac 2 "
     "-movflags cmaf+frag_keyframe+empty_moov clip.mp4 >ffmpeg.log 2>&1\n" +
     preamble("--idle-timeout-ms 1500") +
     "sleep 0.3; ls /proc/$WHIP_PID/fd | wc -l >fd_before.txt; grep Threads /proc/$WHIP_PID/status >threads_before.txt\n"
     "timeout 40 \"$K\" pub \"$RELAY\" --namespace live --input clip.mp4 --loop --insecure >pub.log 2>&1 & PUB=$!\n" +
     shell_wait_for("pub.log", "announced") +
     "(cd \"$B\" && timeout 40 node whep_play.mjs \"$HTTP/whep/live\" - 3 vanish) >vanish.log 2>&1\n" +
     shell_wait_for("whip.log", "ended (no RTCP") +
     "(cd \"$B\" && timeout 40 node whep_play.mjs \"$HTTP/whep/live\" - 6 delete) >viewer.log 2>&1 & V=$!\n" +
     "for i in $(seq 100); do [ \"$(grep -c 'watches live' whip.log)\" -ge 2 ] && break; sleep 0.1; done\n"
     "sleep 3; kill $PUB\n" + shell_wait_for("whip.log", "ended (the broadcast ended") +
     "wait $V; sleep 1; ls /proc/$WHIP_PID/fd | wc -l >fd_after.txt; grep Threads /proc/$WHIP_PID/status >threads_after.txt\n"
     "kill $WHIP_PID $RELAY_PID; wait");
  const std::string logs = "--- vanish\n" + read("vanish.log") + "--- viewer\n" + read("viewer.log") + "--- whip\n" +
                           read("whip.log") + "--- pub\n" + read("pub.log");
  EXPECT_NE(read("vanish.log").find("\"status\":201"), std::string::npos) << logs;
  EXPECT_NE(read("whip.log").find("ended (no RTCP from the viewer for 1500 ms)"), std::string::npos) << logs;
  EXPECT_NE(read("viewer.log").find("\"status\":201"), std::string::npos) << logs;
  EXPECT_NE(read("whip.log").find("ended (the broadcast ended"), std::string::npos) << logs;
  // Its DELETE came after the gateway had ended the session.
  EXPECT_NE(read("viewer.log").find("\"delete_status\":404"), std::string::npos) << logs;
  EXPECT_EQ(read("fd_after.txt"), read("fd_before.txt")) << logs;
  EXPECT_EQ(read("threads_after.txt"), read("threads_before.txt")) << logs;
}

}  // namespace
}  // namespace kinetic::test
