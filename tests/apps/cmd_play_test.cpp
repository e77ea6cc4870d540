// `kinetic play --headless` as a user runs it: kinetic pub → kinetic relay → kinetic impair →
// kinetic play, over loopback QUIC. On a clean path every presented slot is the decoded source
// frame; on a lossy, jittery path with a tight budget MOCK shows conjectures; the window mode
// draws the picture and the overlay under Xvfb. Every process is bounded by `timeout`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../process_fixture.hpp"

namespace kinetic {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";
const std::string kKinetic = test::kinetic_binary();
using test::shell_wait_for;
using test::slurp;

class PlayProcess : public test::ProcessTest {
 protected:
  void SetUp() override {
    test::ProcessTest::SetUp();
    if (IsSkipped()) return;
    ports_ = test::free_ports(2);
    ASSERT_EQ(ports_.size(), 2u) << "no 2 free ports";
  }

  // Starts relay, publisher and impairment proxy, then runs `player` (a shell command line
  // that reaches the relay through $URL) and stops the rest.
  int run(const std::string& impair_args, const std::string& player) {
    const std::string k = "'" + kKinetic + "'";
    const std::string relay = std::to_string(ports_[0]), proxy = std::to_string(ports_[1]);
    std::ostringstream script;
    script << "cd '" << dir.string() << "' || exit 1; URL=moqt://127.0.0.1:" << proxy << "; "
           << "timeout 60 " << k << " relay --listen 127.0.0.1:" << relay << " >relay.log 2>&1 & R=$!; "
           << shell_wait_for("relay.log", "relay listening")
           << "timeout 60 " << k << " pub moqt://127.0.0.1:" << relay << " --namespace demo --input '" << kClip
           << "' --loop --insecure >pub.log 2>&1 & P=$!; "
           << "timeout 60 " << k << " impair --listen 127.0.0.1:" << proxy << " --to 127.0.0.1:" << relay << " "
           << impair_args << " >impair.log 2>&1 & I=$!; "
           << shell_wait_for("relay.log", "namespace 'demo' published") << shell_wait_for("impair.log", "impair listening")
           << player << "; echo $? >play.rc; "
           << "kill $I $P $R 2>/dev/null; wait";
    std::ofstream(dir / "run.sh") << script.str() << "\n";
    std::system(("bash '" + (dir / "run.sh").string() + "'").c_str());
    const std::string rc = slurp(dir / "play.rc");
    return rc.empty() ? -1 : std::atoi(rc.c_str());
  }
  std::string logs() const {
    std::string all;
    for (const char* f : {"play.err", "impair.log", "pub.log", "relay.log"}) all += std::string("--- ") + f + "\n" + slurp(dir / f);
    return all;
  }
  nlohmann::json summary() const {
    auto j = nlohmann::json::parse(slurp(dir / "summary.json"), nullptr, false);
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json{};
  }
  std::string headless(const std::string& extra) const {
    return "timeout 30 '" + kKinetic + "' play $URL --namespace demo --insecure --headless --duration 6 --log play.jsonl " +
           "--summary summary.json --reference '" + kClip + "' " + extra + " 2>play.err";
  }

  std::vector<int> ports_;  // the relay's, the proxy's
};

TEST_F(PlayProcess, CleanPathPresentsTheSourceFrames) {
  ASSERT_EQ(run("--preset clean", headless("--budget-ms 200")), 0) << logs();
  const auto s = summary();
  ASSERT_TRUE(s.is_object()) << logs();
  EXPECT_GE(s["slots"].get<int>(), 30) << logs();
  EXPECT_EQ(s["conjectured"].get<int>(), 0) << logs();
  EXPECT_EQ(s["real"].get<int>(), s["slots"].get<int>()) << logs();
  EXPECT_EQ(s["scored"].get<int>(), s["slots"].get<int>());
  EXPECT_DOUBLE_EQ(s["psnr_db"].get<double>(), 100.0) << "a presented frame differs from the decoded source";
  // Every JSON line parses: slots name what was shown, arrivals when a frame came.
  std::istringstream lines(slurp(dir / "play.jsonl"));
  std::string line;
  int slots = 0, arrivals = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    const std::string type = j.value("type", "");
    if (type == "slot") {
      ASSERT_TRUE(j.contains("shown")) << line;
      ++slots;
    } else {
      ASSERT_EQ(type, "arrival") << line;
      ASSERT_GE(j.value("arrival_us", std::int64_t{0}), j.value("capture_us", std::int64_t{0})) << line;
      ++arrivals;
    }
  }
  EXPECT_GE(slots, 30);
  EXPECT_GE(arrivals, slots);
}

TEST_F(PlayProcess, LossAndJitterBringConjectures) {
  // 60 ms ± bursts of loss against a 60 ms budget: many frames miss their slot.
  ASSERT_EQ(run("--preset lte --seed 3", headless("--budget-ms 60")), 0) << logs();
  const auto s = summary();
  ASSERT_TRUE(s.is_object()) << logs();
  EXPECT_GT(s["conjectured"].get<int>(), 0) << logs();
  EXPECT_GT(s["real"].get<int>(), 0) << logs();
  EXPECT_GT(s["reconciled"].get<int>(), 0) << "late real frames must be reconciled with their conjectures\n" << logs();
  EXPECT_EQ(s["stall_events"].get<int>() > 0 && s["slots"].get<int>() == 0, false);
}

TEST_F(PlayProcess, UnknownNamespaceIsAClearError) {
  const int rc = run("--preset clean", "timeout 20 '" + kKinetic +
                                           "' play $URL --namespace nothing-here --insecure --headless --duration 4 2>play.err");
  EXPECT_EQ(rc, 1) << logs();
  EXPECT_NE(slurp(dir / "play.err").find("no catalog"), std::string::npos) << logs();
}

TEST_F(PlayProcess, WindowShowsThePictureAndTheOverlay) {
  if (std::system("command -v xvfb-run >/dev/null && command -v ffmpeg >/dev/null") != 0) {
    GTEST_SKIP() << "xvfb-run or ffmpeg missing";
  }
  // SDL draws into Xvfb; FFmpeg's x11grab takes the screen after a few seconds.
  const std::string player =
      "SDL_AUDIODRIVER=dummy timeout 40 xvfb-run -a -s '-screen 0 1024x768x24' sh -c \"'" + kKinetic +
      "' play $URL --namespace demo --insecure --budget-ms 200 --duration 6 2>play.err & "
      "sleep 4; ffmpeg -v error -y -f x11grab -video_size 1024x768 -i \\$DISPLAY -frames:v 1 screen.png; wait\"";
  ASSERT_EQ(run("--preset clean", player), 0) << logs();
  ASSERT_EQ(std::system(("cd '" + dir.string() + "' && ffmpeg -v error -i screen.png -vf crop=360:60:144:108,format=gray -f rawvideo overlay.gray && " +
                         "ffmpeg -v error -i screen.png -vf crop=300:150:428:396,format=gray -f rawvideo picture.gray")
                            .c_str()),
            0);
  // The 768x576 window sits centred on the 1024x768 screen, at (128, 96). The overlay's corner
  // holds bright text on a dark box; the picture below it is not blank.
  auto stats = [](const std::string& raw) {
    double sum = 0, sq = 0;
    for (unsigned char c : raw) {
      sum += c;
      sq += static_cast<double>(c) * c;
    }
    const double n = static_cast<double>(raw.size());
    const double mean = n > 0 ? sum / n : 0;
    return std::pair<double, double>{mean, n > 0 ? sq / n - mean * mean : 0};
  };
  const auto overlay = stats(slurp(dir / "overlay.gray"));
  const auto picture = stats(slurp(dir / "picture.gray"));
  EXPECT_GT(overlay.second, 500.0) << "no text in the overlay box";
  EXPECT_GT(picture.first, 20.0) << "the picture is black";
  EXPECT_GT(picture.second, 100.0) << "the picture is flat";
}

}  // namespace
}  // namespace kinetic
