// ffmpeg → `kinetic pub` → `kinetic relay` → 3 × `kinetic sub` over loopback QUIC processes;
// every subscriber's MP4 must hold as many frames as the source, by ffprobe's count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "../process_fixture.hpp"

namespace kinetic::test {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

using PubRelaySub = ProcessTest;

TEST_F(PubRelaySub, ThreeSubscribersThroughARelayGetEveryFrame) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg/ffprobe not installed: end-to-end test skipped";
  const int expected = video_frames_in(kClip);
  ASSERT_GT(expected, 0) << "ffprobe cannot count the source clip " << kClip;
  const int free = free_port();
  ASSERT_NE(free, 0) << "no free port for the relay";
  const std::string port = std::to_string(free);
  const std::string url = "moqt://127.0.0.1:" + port;
  // The relay starts first. The publisher announces through it (the subscribers start once the
  // relay accepted the namespace) and holds its first frame until the relay subscribes to the
  // video track (the relay aggregates, so it is one subscription however many subscribers there
  // are). The three subscribers start together, so those the relay admits after the first join
  // at its newest cached group, which is still the opening one (the clip has a keyframe every
  // second).
  sh("timeout 40 $K relay --listen 127.0.0.1:" + port + " >relay.log 2>&1 & R=$!; " +
     shell_wait_for("relay.log", "relay listening") +
     "(ffmpeg -v error -i '" + kClip + "' -c copy -f mp4 -movflags cmaf+frag_keyframe+empty_moov - | "
     "timeout 35 $K pub " + url + " --namespace e2e --input - --insecure --wait-for 1 >pub.log 2>&1) & P=$!; "
     "for i in $(seq 200); do grep -q 'announced' pub.log 2>/dev/null && break; sleep 0.1; done; S=; "
     "for n in 1 2 3; do timeout 30 $K sub " + url +
     " --namespace e2e --insecure --output out$n.mp4 >sub$n.log 2>&1 & S=\"$S $!\"; done; "
     "wait $S; kill $R 2>/dev/null; wait $P $R");
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(video_frames_in(dir / ("out" + std::to_string(n) + ".mp4")), expected)
        << read("sub" + std::to_string(n) + ".log") << read("pub.log") << read("relay.log");
  }
}

}  // namespace
}  // namespace kinetic::test
