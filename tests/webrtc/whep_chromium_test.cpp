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

}  // namespace
}  // namespace kinetic::test
