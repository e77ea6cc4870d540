// What the process tests share: the `kinetic` binary they drive, a scratch directory per test
// (kept when the test fails, so its logs can be read), a shell script run there with $K set to
// the binary, and reading back what the processes wrote. Every process a script starts must
// be bounded by `timeout`.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kinetic::test {

inline std::string kinetic_binary() { return std::string(KINETIC_BINARY_DIR) + "/apps/kinetic/kinetic"; }

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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
