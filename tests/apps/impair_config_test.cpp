#include "impair_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kinetic::app {
namespace {

std::optional<mock::PacketImpairmentConfig> config(const ImpairSettings& s, std::string* error_out = nullptr) {
  std::string error;
  auto c = make_impair_config(s, error);
  if (error_out != nullptr) *error_out = error;
  return c;
}

TEST(ImpairConfig, PresetAloneIsThePreset) {
  ImpairSettings s;
  s.preset = "lte";
  const auto c = config(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path.name, "lte");
  EXPECT_EQ(c->path.base_delay_ms, 35);
  EXPECT_EQ(c->loss, 0);
  EXPECT_EQ(c->rate_kbps, 0);
  EXPECT_TRUE(c->trace.empty());
}

TEST(ImpairConfig, OverridesReplaceTheirPart) {
  ImpairSettings s;
  s.preset = "wifi";
  s.delay_ms = 40;
  s.jitter_ms = 12;
  s.loss_pct = 3;
  s.burst = "2,20,40";
  s.rate_kbps = 5000;
  s.reorder_pct = 1;
  const auto c = config(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path.name, "wifi (modified)");
  EXPECT_EQ(c->path.base_delay_ms, 40);
  EXPECT_EQ(c->path.jitter, mock::JitterShape::kGamma);
  EXPECT_DOUBLE_EQ(c->path.mean_jitter_ms(), 12);
  EXPECT_DOUBLE_EQ(c->loss, 0.03);
  EXPECT_DOUBLE_EQ(c->path.p_good_to_bad, 0.02);
  EXPECT_DOUBLE_EQ(c->path.p_bad_to_good, 0.2);
  EXPECT_DOUBLE_EQ(c->path.loss_bad, 0.4);
  EXPECT_EQ(c->path.loss_good, 0);
  EXPECT_EQ(c->rate_kbps, 5000);
  EXPECT_DOUBLE_EQ(c->reorder, 0.01);

  s.jitter_ms = 0;
  EXPECT_EQ(config(s)->path.jitter, mock::JitterShape::kNone);
}

TEST(ImpairConfig, BurstSyntax) {
  std::string error;
  const auto b = parse_burst("1,25", error);
  ASSERT_TRUE(b) << error;
  EXPECT_DOUBLE_EQ(b->p_good_to_bad, 0.01);
  EXPECT_DOUBLE_EQ(b->p_bad_to_good, 0.25);
  EXPECT_DOUBLE_EQ(b->loss_bad, 1.0);
  EXPECT_TRUE(parse_burst("0,100", error));
  for (const char* bad : {"", "1", "1,2,3,4", "1,x", "1,,2", "-1,20", "1,101", "5,0"}) {
    error.clear();
    EXPECT_FALSE(parse_burst(bad, error)) << bad;
    EXPECT_NE(error.find("--burst"), std::string::npos) << bad;
  }
}

TEST(ImpairConfig, BadInputNamesTheOption) {
  std::string error;
  ImpairSettings s;
  s.preset = "moon";
  EXPECT_FALSE(config(s, &error));
  EXPECT_EQ(error, "--preset 'moon': unknown (clean, wifi, lte, congested)");

  s = {};
  s.rate_kbps = 0.5;
  EXPECT_FALSE(config(s, &error));
  EXPECT_NE(error.find("rate"), std::string::npos) << error;

  s = {};
  s.trace_file = "/nonexistent/trace.txt";
  EXPECT_FALSE(config(s, &error));
  EXPECT_EQ(error, "--trace-file /nonexistent/trace.txt: cannot open it");
}

TEST(ImpairConfig, TraceFileIsLoadedOrItsBadLineNamed) {
  const auto path = std::filesystem::temp_directory_path() / ("kinetic-trace-" + std::to_string(getpid()) + ".txt");
  ImpairSettings s;
  s.trace_file = path.string();
  std::ofstream(path) << "# handover at 2 s\n0 20 5 0 0\n2000 120 40 5 800\n";
  const auto c = config(s);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->trace.size(), 2u);
  EXPECT_EQ(c->trace[1].rate_kbps, 800);

  std::ofstream(path) << "0 20 5 0 0\n2000 120 forty 5 800\n";
  std::string error;
  EXPECT_FALSE(config(s, &error));
  EXPECT_EQ(error, "--trace-file " + path.string() + ": line 2: jitter_ms 'forty' is not a number");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace kinetic::app
