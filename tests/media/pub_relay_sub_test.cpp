// ffmpeg → `kinetic pub` → `kinetic relay` → 3 × `kinetic sub` over loopback QUIC processes;
// every subscriber's MP4 must hold as many frames as the source, by ffprobe's count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";
const std::string kKinetic = std::string(KINETIC_BINARY_DIR) + "/apps/kinetic/kinetic";

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  return out;
}

int frames_in(const std::string& path) {
  const std::string out = run("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
                              "-of csv=p=0 '" + path + "' 2>/dev/null");
  return out.empty() ? -1 : std::atoi(out.c_str());
}

TEST(PubRelaySub, ThreeSubscribersThroughARelayGetEveryFrame) {
  if (std::system("ffmpeg -version >/dev/null 2>&1 && ffprobe -version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "ffmpeg/ffprobe not installed: end-to-end test skipped";
  }
  if (!std::filesystem::exists(kKinetic)) GTEST_SKIP() << "kinetic binary not built: " << kKinetic;
  const int expected = frames_in(kClip);
  ASSERT_GT(expected, 0) << "ffprobe cannot count the source clip " << kClip;
  const auto dir = std::filesystem::temp_directory_path() / ("kinetic-pubrelaysub-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // A different range from pub_sub_test, so the two can run side by side.
  const std::string port = std::to_string(40000 + getpid() % 20000);
  const std::string url = "moqt://127.0.0.1:" + port;
  const std::string d = dir.string();
  // The relay starts first. The publisher announces through it (the subscribers start once the
  // relay accepted the namespace) and holds its first frame until
  // the relay subscribes to the video track (the relay aggregates, so it is one subscription
  // however many subscribers there are). The three subscribers start together, so those the
  // relay admits after the first join at its newest cached group, which is still the opening
  // one (the clip has a keyframe every second).
  // Every process is bounded by `timeout`.
  std::ostringstream script;
  script << "cd '" << d << "' || exit 1; "
         << "timeout 40 '" << kKinetic << "' relay --listen 127.0.0.1:" << port << " >relay.log 2>&1 & R=$!; "
         << "for i in $(seq 100); do grep -q 'relay listening' relay.log 2>/dev/null && break; sleep 0.1; done; "
         << "(ffmpeg -v error -i '" << kClip << "' -c copy -f mp4 -movflags cmaf+frag_keyframe+empty_moov - | "
         << "timeout 35 '" << kKinetic << "' pub " << url << " --namespace e2e --input - --insecure --wait-for 1"
         << " >pub.log 2>&1) & P=$!; "
         << "for i in $(seq 200); do grep -q 'announced' pub.log 2>/dev/null && break; sleep 0.1; done; S=; "
         << "for n in 1 2 3; do timeout 30 '" << kKinetic << "' sub " << url
         << " --namespace e2e --insecure --output out$n.mp4 >sub$n.log 2>&1 & S=\"$S $!\"; done; "
         << "wait $S; kill $R 2>/dev/null; wait $P $R";
  std::ofstream(dir / "run.sh") << script.str() << "\n";
  std::system(("bash '" + d + "/run.sh'").c_str());
  for (int n = 1; n <= 3; ++n) {
    const std::string out = d + "/out" + std::to_string(n) + ".mp4";
    EXPECT_EQ(frames_in(out), expected)
        << run("cat '" + d + "/sub" + std::to_string(n) + ".log' '" + d + "/pub.log' '" + d + "/relay.log'");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
