#include "kinetic/mock/evaluation_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kinetic::mock {
namespace {

const std::string kVtest = std::string(KINETIC_SHARED_DIR) + "/media/vtest.avi";

class EvaluationReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto clip = load_clip(kVtest, 2.0, 160);
    ASSERT_TRUE(clip.ok());
    report_ = new EvaluationReport;
    report_->config.trace = *impairment_preset("congested");
    report_->config.seed = 3;
    report_->config.budgets_ms = {50, 200};
    report_->config.max_lead = 2;
    report_->command_line = "kinetic mock-eval --clip vtest.avi";
    auto e = evaluate_clip(*clip, report_->config, [] { return make_cpu_video_conjecturer(); });
    ASSERT_TRUE(e.ok());
    report_->clips.push_back(std::move(*e));
    media::AudioPcm pcm;
    pcm.sample_rate = 48000;
    pcm.channels = 1;
    for (int i = 0; i < 48000; ++i) pcm.samples.push_back(0.3f * static_cast<float>(std::sin(i * 0.05)));
    auto a = evaluate_audio("tone", pcm, report_->config);
    ASSERT_TRUE(a.ok());
    report_->audio.push_back(std::move(*a));
  }
  static void TearDownTestSuite() { delete report_; }
  static std::filesystem::path temp_dir(const char* name) {
    auto d = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(d);
    return d;
  }
  static inline EvaluationReport* report_ = nullptr;
};

TEST_F(EvaluationReportTest, JsonCarriesConfigTraceAndEveryRow) {
  auto j = to_json(*report_);
  EXPECT_EQ(j["config"]["seed"], 3);
  EXPECT_EQ(j["config"]["trace"]["name"], "congested");
  EXPECT_NE(j["config"]["trace"]["description"].get<std::string>().find("pareto"), std::string::npos);
  ASSERT_EQ(j["clips"].size(), 1u);
  const auto& c = j["clips"][0];
  EXPECT_EQ(c["name"], "vtest.avi");
  EXPECT_EQ(c["width"], 160);
  EXPECT_EQ(c["players"].size(), 6u);
  EXPECT_EQ(c["players"][2]["player"], "mock");
  EXPECT_EQ(c["players"][0]["series"]["kind"].size(), 20u);
  EXPECT_EQ(c["comparisons"].size(), 2u);
  EXPECT_TRUE(c["comparisons"][0].contains("psnr_goal_met"));
  EXPECT_EQ(c["lead_sweep"].size(), 3u);
  ASSERT_EQ(j["audio"].size(), 1u);
  EXPECT_EQ(j["audio"][0]["budgets"].size(), 2u);
  // The document survives a round trip through text.
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

TEST_F(EvaluationReportTest, TableHasOneRowPerPlayerPerBudgetAndTheGoals) {
  const std::string t = format_table(*report_);
  std::istringstream lines(t);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("vtest.avi", 0) == 0) ++rows;
  }
  EXPECT_EQ(rows, 6);
  EXPECT_NE(t.find("jitter-buffer"), std::string::npos);
  EXPECT_NE(t.find("freeze-frame"), std::string::npos);
  EXPECT_NE(t.find("goal >= 90%"), std::string::npos);
  EXPECT_NE(t.find("Negative latency"), std::string::npos);
  EXPECT_NE(t.find("Audio, tone"), std::string::npos);
}

TEST_F(EvaluationReportTest, WritesPlotScriptsAndRendersThemWithGnuplot) {
  const auto dir = temp_dir("kinetic_evaluation_report_test_plots");
  auto files = write_plots(*report_, dir, std::nullopt);
  ASSERT_TRUE(files.ok()) << files.error().what;
  // Two quality plots (one per budget), the lead sweep, the stalls summary.
  EXPECT_EQ(files->scripts.size(), 4u);
  EXPECT_FALSE(files->rendered);
  for (const auto& s : files->scripts) EXPECT_TRUE(std::filesystem::exists(s)) << s;
  EXPECT_TRUE(std::filesystem::exists(dir / "vtest_avi_quality_50ms.dat"));
  std::ifstream dat(dir / "stalls_vs_budget.dat");
  std::string header;
  std::getline(dat, header);
  EXPECT_NE(header.find("vtest_avi:jitter-buffer"), std::string::npos);

  const auto gnuplot = find_gnuplot();
  if (!gnuplot) GTEST_SKIP() << "gnuplot not installed: scripts written, PNG rendering not checked";
  auto rendered = write_plots(*report_, dir, gnuplot);
  ASSERT_TRUE(rendered.ok());
  EXPECT_TRUE(rendered->rendered);
  ASSERT_EQ(rendered->pngs.size(), 4u);
  for (const auto& png : rendered->pngs) {
    std::ifstream in(png, std::ios::binary);
    char magic[8] = {};
    in.read(magic, 8);
    EXPECT_EQ(std::string(magic + 1, 3), "PNG") << png;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(EvaluationReportTest, PlotsNeedTheSeries) {
  EvaluationReport bare = *report_;
  for (auto& p : bare.clips[0].players) p.series.clear();
  EXPECT_FALSE(write_plots(bare, temp_dir("kinetic_evaluation_report_test_bare"), std::nullopt).ok());
}

}  // namespace
}  // namespace kinetic::mock
