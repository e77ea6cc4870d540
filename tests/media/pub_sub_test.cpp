// ffmpeg → `kinetic pub` → 3 × `kinetic sub` over loopback QUIC processes; every subscriber's
// MP4 must hold as many frames as the source, by ffprobe's count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "../process_fixture.hpp"

namespace kinetic::test {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

using PubSub = ProcessTest;

TEST_F(PubSub, ThreeSubscribersGetEveryFrameFromAPipe) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg/ffprobe not installed: end-to-end test skipped";
  const int free = free_port();
  ASSERT_NE(free, 0) << "no free port for the publisher";
  const std::string port = std::to_string(free);
  // The publisher serves subscribers itself and waits for three before it starts.
  sh("(ffmpeg -v error -i '" + kClip + "' -c copy -f mp4 -movflags cmaf+frag_keyframe+empty_moov - | "
     "timeout 40 $K pub --namespace e2e --listen 127.0.0.1:" + port + " --wait-for 3 --input - >pub.log 2>&1 &) ; " +
     shell_wait_for("pub.log", "serving") +
     "for n in 1 2 3; do timeout 40 $K sub moqt://127.0.0.1:" + port +
     " --namespace e2e --insecure --output out$n.mp4 >sub$n.log 2>&1 & done; wait");
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(video_frames_in(dir / ("out" + std::to_string(n) + ".mp4")), 100)
        << read("sub" + std::to_string(n) + ".log") << read("pub.log");
  }
}

}  // namespace
}  // namespace kinetic::test
