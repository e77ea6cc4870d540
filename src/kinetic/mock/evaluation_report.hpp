// Presents a MOCK evaluation: the terminal table, the JSON document, and gnuplot plots
// (quality and latency over time, lead vs PSNR, stalls vs budget) rendered to PNG when
// gnuplot is installed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinetic/mock/evaluation.hpp"

namespace kinetic::mock {

struct EvaluationReport {
  EvaluationConfig config;
  std::vector<ClipEvaluation> clips;
  std::vector<AudioEvaluation> audio;
  std::string command_line;  // how the run was invoked, for the record
  int max_width = 0;         // 0 = clips at source size
  double seconds = 0;        // 0 = whole clips
};

nlohmann::json to_json(const EvaluationReport& report);

// One row per clip × budget × player, then the goal checks and the audio rows.
std::string format_table(const EvaluationReport& report);

// Full path of the gnuplot executable found on PATH, if any.
std::optional<std::filesystem::path> find_gnuplot();

struct PlotFiles {
  std::vector<std::filesystem::path> scripts;  // .gp (always written)
  std::vector<std::filesystem::path> pngs;     // rendered, when gnuplot ran
  bool rendered = false;
};

// Writes the plot data and scripts into `dir` and runs `gnuplot` on them when given.
// Needs the per-slot series (EvaluationConfig::keep_series).
Result<PlotFiles> write_plots(const EvaluationReport& report, const std::filesystem::path& dir,
                                    const std::optional<std::filesystem::path>& gnuplot);

}  // namespace kinetic::mock
