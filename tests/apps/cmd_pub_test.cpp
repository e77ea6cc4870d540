// `kinetic pub` as a process: its event loop must keep serving while its input is silent (an
// encoder that stalls), and SIGINT must end it cleanly even then. Reading on the loop thread
// failed both: a subscriber could not even finish its handshake until the pipe spoke again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../process_fixture.hpp"

namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";
const std::string kKinetic = kinetic::test::kinetic_binary();
using kinetic::test::slurp;

TEST(PubProcess, ServesSubscribersAndStopsWhileItsPipeIsSilent) {
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg not installed";
  if (!std::filesystem::exists(kKinetic)) GTEST_SKIP() << "kinetic binary not built: " << kKinetic;
  const auto dir = std::filesystem::temp_directory_path() / ("kinetic-pubsilent-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  // The writer sends the header and the first fragments, then holds the pipe open in silence
  // (exec: killing $W ends the silence). The publisher listens on a port the kernel picks.
  // Every process is bounded by `timeout`; the subscriber must finish while the pipe is silent.
  std::ostringstream script;
  script << "cd '" << d << "' || exit 1; "
         << "ffmpeg -v error -i '" << kClip << "' -c copy -f mp4 -movflags cmaf+frag_keyframe+empty_moov frag.mp4 || exit 1; "
         << "mkfifo in || exit 1; "
         << "sh -c 'head -c 350000 frag.mp4; exec sleep 30' > in & W=$!; "
         << "timeout 20 '" << kKinetic << "' pub --listen 127.0.0.1:0 --namespace silent --input - < in > pub.log 2>&1 & P=$!; "
         << "for i in $(seq 100); do grep -q 'serving' pub.log && break; sleep 0.1; done; "
         << "url=$(grep -o 'moqt://[0-9.:]*' pub.log); "
         << "sleep 3; "  // the publisher has paced out what it had and waits on the silent pipe
         << "timeout 10 '" << kKinetic << "' sub $url --namespace silent --insecure --duration 1 > sub.log 2>&1; "
         << "echo $? > sub.rc; "
         << "kill -INT $P; wait $P; echo $? > pub.rc; kill $W 2>/dev/null; wait";
  std::ofstream(dir / "run.sh") << script.str() << "\n";
  ASSERT_EQ(std::system(("bash '" + d + "/run.sh'").c_str()), 0);
  const std::string logs = slurp(dir / "pub.log") + slurp(dir / "sub.log");
  // 0: the subscriber got the current group (what the publisher holds); 3 (no frames) or 124
  // (its timeout) would mean the publisher's loop stalled on the pipe.
  EXPECT_EQ(std::atoi(slurp(dir / "sub.rc").c_str()), 0) << logs;
  // 0: SIGINT ended the publisher; 124 would be its own timeout.
  EXPECT_EQ(std::atoi(slurp(dir / "pub.rc").c_str()), 0) << logs;
  std::filesystem::remove_all(dir);
}

}  // namespace
