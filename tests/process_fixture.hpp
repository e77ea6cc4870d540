// What the process tests share: the `kinetic` binary they drive, a scratch directory per test
// (kept when the test fails, so its logs can be read), a shell script run there with $K set to
// the binary, and reading back what the processes wrote. Every process a script starts must
// be bounded by `timeout`. Ports for the processes to listen on come from test_ports.hpp.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_ports.hpp"

namespace kinetic::test {

inline std::string kinetic_binary() { return std::string(KINETIC_BINARY_DIR) + "/apps/kinetic/kinetic"; }

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What a shell command prints on stdout.
inline std::string output_of(const std::string& command) {
  std::string out;
  FILE* f = popen(command.c_str(), "r");
  if (f == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  return out;
}

inline bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1 && ffprobe -version >/dev/null 2>&1") == 0; }

// Frames (video, kind 'v') or packets (audio, 'a') of the first stream of that kind ffprobe
// reads from a media file; -1 when it cannot be read.
inline int ffprobe_count(const std::filesystem::path& file, char kind) {
  const std::string entry = kind == 'v' ? "nb_read_frames" : "nb_read_packets";
  const std::string count = kind == 'v' ? "-count_frames" : "-count_packets";
  const std::string out = output_of("ffprobe -v error " + count + " -select_streams " + std::string(1, kind) +
                                    ":0 -show_entries stream=" + entry + " -of csv=p=0 '" + file.string() +
                                    "' 2>/dev/null");
  return out.empty() ? -1 : std::atoi(out.c_str());
}

inline int video_frames_in(const std::filesystem::path& file) { return ffprobe_count(file, 'v'); }

// Shell: waits up to 10 s for `text` to appear in `file`.
inline std::string shell_wait_for(const std::string& file, const std::string& text) {
  return "for i in $(seq 100); do grep -q \"" + text + "\" " + file + " 2>/dev/null && break; sleep 0.1; done; ";
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kinetic_binary())) GTEST_SKIP() << "kinetic binary not built: " << kinetic_binary();
    dir = std::filesystem::temp_directory_path() /
          ("kinetic-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    if (!dir.empty() && !HasFailure()) std::filesystem::remove_all(dir);
  }
  // Runs `body` in `dir` with $K set to the binary; returns the shell's exit status.
  int sh(const std::string& body) {
    std::ofstream(dir / "run.sh") << "cd '" << dir.string() << "' || exit 99\nK='" << kinetic_binary() << "'\n"
                                  << body << "\n";
    const int status = std::system(("bash '" + (dir / "run.sh").string() + "'").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  [[nodiscard]] std::string read(const std::string& name) const { return slurp(dir / name); }

  std::filesystem::path dir;
};

}  // namespace kinetic::test
