#include "kinetic/mock/evaluation_report.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "kinetic/mock/quality.hpp"

extern char** environ;

namespace kinetic::mock {
namespace {

using nlohmann::json;

constexpr PlayerKind kPlayers[] = {PlayerKind::kJitterBuffer, PlayerKind::kFreezeFrame, PlayerKind::kMock};
// Identical frames score kPsnrCapDb; the quality plot draws them at this height so the range
// where stand-ins actually differ stays readable.
constexpr double kPlotPsnrTop = 60.0;

std::string_view jitter_name(JitterShape s) {
  switch (s) {
    case JitterShape::kNone: return "none";
    case JitterShape::kGamma: return "gamma";
    case JitterShape::kPareto: return "pareto";
  }
  return "?";
}

json trace_json(const ImpairmentParams& p) {
  return json{{"name", p.name},
              {"description", p.describe()},
              {"base_delay_ms", p.base_delay_ms},
              {"jitter", jitter_name(p.jitter)},
              {"gamma_shape", p.gamma_shape},
              {"gamma_scale_ms", p.gamma_scale_ms},
              {"pareto_alpha", p.pareto_alpha},
              {"pareto_scale_ms", p.pareto_scale_ms},
              {"max_jitter_ms", p.max_jitter_ms},
              {"p_good_to_bad", p.p_good_to_bad},
              {"p_bad_to_good", p.p_bad_to_good},
              {"loss_good", p.loss_good},
              {"loss_bad", p.loss_bad},
              {"stationary_loss", p.stationary_loss()},
              {"rto_ms", p.rto_ms},
              {"max_retransmissions", p.max_retransmissions}};
}

json summary_json(const TraceSummary& s) {
  return json{{"objects", s.objects},           {"retransmitted", s.retransmitted},
              {"never_arrived", s.never_arrived}, {"head_of_line", s.head_of_line},
              {"delay_p50_ms", s.delay_p50_ms}, {"delay_p95_ms", s.delay_p95_ms},
              {"delay_max_ms", s.delay_max_ms}};
}

json player_json(const PlayerResult& r) {
  json j{{"player", player_name(r.player)},
         {"budget_ms", r.budget_ms},
         {"slots", r.slots},
         {"real", r.real},
         {"repeated", r.repeated},
         {"conjectured", r.conjectured},
         {"blank", r.blank},
         {"stalls", r.stalls},
         {"stall_ms", r.stall_ms},
         {"latency_p50_ms", r.latency_p50_ms},
         {"latency_p95_ms", r.latency_p95_ms},
         {"mean_psnr_db", r.mean_psnr_db},
         {"mean_ssim", r.mean_ssim},
         {"substituted", r.substituted},
         {"substituted_psnr_db", r.substituted_psnr_db},
         {"substituted_ssim", r.substituted_ssim},
         {"predictions", r.predictions},
         {"engine_fallbacks", r.engine_fallbacks},
         {"predict_wall_ms", r.predict_wall_ms},
         {"predict_cpu_ms", r.predict_cpu_ms},
         {"push_wall_ms", r.push_wall_ms},
         {"reconciled", r.reconciled},
         {"reconciled_psnr_db", r.reconciled_psnr_db}};
  if (!r.series.empty()) {
    // Column arrays keep the document compact and easy to load into a plotting tool.
    json kind = json::array();
    json psnr = json::array();
    json ssim = json::array();
    json latency = json::array();
    json shown = json::array();
    for (const auto& s : r.series) {
      kind.push_back(shown_name(s.kind));
      psnr.push_back(s.psnr_db);
      ssim.push_back(s.ssim);
      latency.push_back(static_cast<double>(s.latency_us) / 1000.0);
      shown.push_back(s.real_index);
    }
    j["series"] = json{{"kind", kind}, {"psnr_db", psnr}, {"ssim", ssim}, {"latency_ms", latency}, {"real_index", shown}};
  }
  return j;
}

std::string safe_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "clip" : out;
}

// gnuplot string literal in double quotes.
std::string gp_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const PlayerResult* find(const ClipEvaluation& c, PlayerKind kind, int budget) {
  for (const auto& p : c.players) {
    if (p.player == kind && p.budget_ms == budget) return &p;
  }
  return nullptr;
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error{Errc::kInvalidValue, "cannot write plot file"};
  return ok_status();
}

bool run_gnuplot(const std::filesystem::path& gnuplot, const std::filesystem::path& script) {
  // No shell: the paths go to gnuplot as they are.
  const std::string exe = gnuplot.string();
  const std::string arg = script.string();
  char* argv[] = {const_cast<char*>(exe.c_str()), const_cast<char*>(arg.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string terminal_line() {
  return "set terminal pngcairo size 1200,800 font 'sans,11'\n";
}

}  // namespace

json to_json(const EvaluationReport& report) {
  const auto& cfg = report.config;
  json doc;
  doc["command"] = report.command_line;
  doc["config"] = json{{"budgets_ms", cfg.budgets_ms},
                       {"seed", cfg.seed},
                       {"trace", trace_json(cfg.trace)},
                       {"group_seconds", cfg.group_seconds},
                       {"max_lead", cfg.max_lead},
                       {"sweep_stride", cfg.sweep_stride},
                       {"max_width", report.max_width},
                       {"seconds", report.seconds},
                       {"jitter_buffer_give_up_ms", static_cast<double>(cfg.player.give_up_us) / 1000.0},
                       {"mock_max_conjecture_k", cfg.player.max_conjecture_k},
                       {"psnr_cap_db", kPsnrCapDb},
                       {"psnr", "from the luma-weighted MSE (6Y+U+V)/8, capped"},
                       {"ssim", "luma, 8x8 windows every 4 px"}};
  json clips = json::array();
  for (const auto& c : report.clips) {
    json players = json::array();
    for (const auto& p : c.players) players.push_back(player_json(p));
    json comparisons = json::array();
    for (const auto& b : c.comparisons) {
      comparisons.push_back(json{{"budget_ms", b.budget_ms},
                                 {"jitter_stalls", b.jitter_stalls},
                                 {"mock_stalls", b.mock_stalls},
                                 {"stall_reduction", b.stall_reduction},
                                 {"stall_goal_met", b.stall_reduction >= 0.9},
                                 {"conjectured_slots", b.conjectured_slots},
                                 {"engine_fallbacks", b.engine_fallbacks},
                                 {"mock_psnr_db", b.mock_psnr_db},
                                 {"freeze_psnr_db", b.freeze_psnr_db},
                                 {"psnr_gain_db", b.psnr_gain_db},
                                 {"psnr_goal_met", b.conjectured_slots > 0 && b.psnr_gain_db >= 2.0},
                                 {"mock_ssim", b.mock_ssim},
                                 {"freeze_ssim", b.freeze_ssim}});
    }
    json sweep = json::array();
    for (const auto& l : c.lead_sweep) {
      sweep.push_back(json{{"lead", l.lead},
                           {"lead_ms", c.fps > 0 ? 1000.0 * l.lead / c.fps : 0.0},
                           {"samples", l.samples},
                           {"conjecture_psnr_db", l.conjecture_psnr_db},
                           {"freeze_psnr_db", l.freeze_psnr_db},
                           {"conjecture_ssim", l.conjecture_ssim},
                           {"freeze_ssim", l.freeze_ssim}});
    }
    clips.push_back(json{{"name", c.name},
                         {"path", c.path},
                         {"width", c.width},
                         {"height", c.height},
                         {"source_width", c.source_width},
                         {"source_height", c.source_height},
                         {"fps", c.fps},
                         {"frames", c.frames},
                         {"group_size", c.group_size},
                         {"backend", c.backend},
                         {"trace", summary_json(c.trace)},
                         {"players", players},
                         {"comparisons", comparisons},
                         {"lead_sweep", sweep}});
  }
  doc["clips"] = clips;
  json audio = json::array();
  for (const auto& a : report.audio) {
    json budgets = json::array();
    for (const auto& b : a.budgets) {
      budgets.push_back(json{{"budget_ms", b.budget_ms},
                             {"packets", b.packets},
                             {"concealed", b.concealed},
                             {"fec", b.fec},
                             {"plc", b.plc},
                             {"raw_fec", b.raw_fec},
                             {"mean_plc_gain", b.mean_plc_gain},
                             {"conceal_snr_db", b.conceal_snr_db},
                             {"raw_conceal_snr_db", b.raw_conceal_snr_db},
                             {"silence_snr_db", b.silence_snr_db},
                             {"fec_snr_db", b.fec_snr_db},
                             {"conceal_total_snr_db", b.conceal_total_snr_db},
                             {"silence_total_snr_db", b.silence_total_snr_db},
                             {"conceal_fwsnrseg_db", b.conceal_fwsnr_db},
                             {"raw_conceal_fwsnrseg_db", b.raw_conceal_fwsnr_db},
                             {"silence_fwsnrseg_db", b.silence_fwsnr_db},
                             {"conceal_total_fwsnrseg_db", b.conceal_total_fwsnr_db},
                             {"silence_total_fwsnrseg_db", b.silence_total_fwsnr_db},
                             {"beats_silence", b.concealed == 0 || (b.conceal_snr_db > b.silence_snr_db &&
                                                                    b.conceal_fwsnr_db > b.silence_fwsnr_db)}});
    }
    audio.push_back(json{{"name", a.name},
                         {"seconds", a.seconds},
                         {"bitrate", a.bitrate},
                         {"frame_ms", a.frame_ms},
                         {"trace", summary_json(a.trace)},
                         {"budgets", budgets}});
  }
  doc["audio"] = audio;
  return doc;
}

std::string format_table(const EvaluationReport& report) {
  std::string out;
  if (!report.clips.empty())
    out += fmt::format("{:<14} {:>6} {:<14} {:>6} {:>9} {:>8} {:>8} {:>8} {:>6} {:>6} {:>5} {:>10} {:>11} {:>10}\n",
                     "clip", "budget", "player", "stalls", "stall ms", "lat p50", "lat p95", "PSNR dB", "SSIM", "subst",
                     "conj", "subst PSNR", "conj ms/fr", "conj CPU");
  for (const auto& c : report.clips) {
    for (const auto& p : c.players) {
      const bool conj = p.predictions > 0;
      const std::string wall = conj ? fmt::format("{:.2f}", p.predict_wall_ms) : "-";
      const std::string cpu = conj ? fmt::format("{:.2f}", p.predict_cpu_ms) : "-";
      const std::string sub = p.substituted > 0 ? fmt::format("{:.2f}", p.substituted_psnr_db) : "-";
      out += fmt::format(
          "{:<14} {:>6} {:<14} {:>6} {:>9.0f} {:>8.1f} {:>8.1f} {:>8.2f} {:>6.4f} {:>6} {:>5} {:>10} {:>11} {:>10}\n",
          c.name.substr(0, 14), p.budget_ms, player_name(p.player), p.stalls, p.stall_ms, p.latency_p50_ms,
          p.latency_p95_ms, p.mean_psnr_db, p.mean_ssim, p.substituted, p.conjectured, sub, wall, cpu);
    }
  }
  out += "(PSNR: from the luma-weighted MSE (6Y+U+V)/8 against the source frame of each slot, identical = 100; subst: slots not "
         "showing their own frame; conj: of those, MOCK conjectures; ms per conjecture, wall and process CPU)\n";
  out += "\nGoals (MOCK vs the jitter buffer's stalls, and vs freeze-frame over the slots MOCK conjectured):\n";
  for (const auto& c : report.clips) {
    for (const auto& b : c.comparisons) {
      if (b.conjectured_slots == 0) {
        out += fmt::format("  {:<14} {:>4} ms: stalls {} -> {}; no slot needed a conjecture\n", c.name.substr(0, 14),
                           b.budget_ms, b.jitter_stalls, b.mock_stalls);
        continue;
      }
      out += fmt::format(
          "  {:<14} {:>4} ms: stalls {} -> {} ({:.0f}% removed, goal >= 90%: {}); {} conjectured slots ({} engine "
          "fallbacks): MOCK {:.2f} dB vs freeze {:.2f} dB, gain {:+.2f} dB (goal >= 2 dB: {}); SSIM {:.4f} vs {:.4f}\n",
          c.name.substr(0, 14), b.budget_ms, b.jitter_stalls, b.mock_stalls, 100.0 * b.stall_reduction,
          b.stall_reduction >= 0.9 ? "met" : "NOT met", b.conjectured_slots, b.engine_fallbacks, b.mock_psnr_db,
          b.freeze_psnr_db,
          b.psnr_gain_db,
          b.conjectured_slots == 0 ? "n/a" : (b.psnr_gain_db >= 2.0 ? "met" : "NOT met"), b.mock_ssim,
          b.freeze_ssim);
    }
  }
  for (const auto& c : report.clips) {
    if (c.lead_sweep.size() < 2) continue;
    out += fmt::format("\nNegative latency, {} (conjecture of t+lead from frames up to t, vs showing frame t):\n",
                       c.name);
    out += "  lead  ms     samples  conj PSNR  freeze PSNR  conj SSIM  freeze SSIM\n";
    for (const auto& l : c.lead_sweep) {
      out += fmt::format("  {:>4} {:>5.0f} {:>9} {:>10.2f} {:>12.2f} {:>10.4f} {:>12.4f}\n", l.lead,
                         c.fps > 0 ? 1000.0 * l.lead / c.fps : 0.0, l.samples, l.conjecture_psnr_db,
                         l.freeze_psnr_db, l.conjecture_ssim, l.freeze_ssim);
    }
  }
  for (const auto& a : report.audio) {
    out += fmt::format(
        "\nAudio, {} ({:.1f} s, Opus {} kb/s, {} ms packets, FEC on; against the clean decode; MOCK = verified FEC + "
        "PLC at its learned gain, raw = libopus PLC/FEC as it comes):\n",
        a.name, a.seconds, a.bitrate / 1000, a.frame_ms);
    out += "                                          gap SNR dB             gap fwSNRseg dB         track SNR dB    track fwSNRseg   FEC\n";
    out += "  budget  conceal  fec  plc  gain     MOCK    raw silence     MOCK    raw silence     MOCK silence     MOCK silence  SNR dB  beats silence\n";
    for (const auto& b : a.budgets) {
      const bool beats = b.concealed == 0 || (b.conceal_snr_db > b.silence_snr_db && b.conceal_fwsnr_db > b.silence_fwsnr_db);
      out += fmt::format(
          "  {:>6} {:>8} {:>4} {:>4} {:>5.2f} {:>8.2f} {:>6.2f} {:>7.2f} {:>8.2f} {:>6.2f} {:>7.2f} {:>8.2f} {:>7.2f} {:>8.2f} {:>7.2f} "
          "{:>7} {}\n",
          b.budget_ms, b.concealed, b.fec, b.plc, b.mean_plc_gain, b.conceal_snr_db, b.raw_conceal_snr_db,
          b.silence_snr_db, b.conceal_fwsnr_db, b.raw_conceal_fwsnr_db, b.silence_fwsnr_db, b.conceal_total_snr_db,
          b.silence_total_snr_db, b.conceal_total_fwsnr_db, b.silence_total_fwsnr_db,
          b.fec > 0 ? fmt::format("{:.2f}", b.fec_snr_db) : std::string("-"), beats ? "yes" : "NO");
    }
  }
  return out;
}

std::optional<std::filesystem::path> find_gnuplot() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / "gnuplot";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Result<PlotFiles> write_plots(const EvaluationReport& report, const std::filesystem::path& dir,
                                    const std::optional<std::filesystem::path>& gnuplot) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{Errc::kInvalidValue, "cannot create the output directory"};
  const auto abs = std::filesystem::absolute(dir, ec);
  if (ec) return Error{Errc::kInvalidValue, "bad output directory"};
  PlotFiles files;
  std::vector<std::filesystem::path> outputs;

  for (const auto& c : report.clips) {
    const std::string base = safe_name(c.name);
    for (int budget : report.config.budgets_ms) {
      const PlayerResult* rows[3] = {find(c, kPlayers[0], budget), find(c, kPlayers[1], budget),
                                     find(c, kPlayers[2], budget)};
      if (rows[0] == nullptr || rows[1] == nullptr || rows[2] == nullptr || rows[2]->series.empty()) {
        return Error{Errc::kInvalidValue, "plots need the per-slot series"};
      }
      // slot time, then PSNR and latency per player, then the MOCK slot kind (1 = conjecture).
      std::string dat = "# t_s psnr_jitter psnr_freeze psnr_mock lat_jitter lat_freeze lat_mock mock_conjecture\n";
      for (std::size_t i = 0; i < rows[2]->series.size(); ++i) {
        const double t = c.fps > 0 ? static_cast<double>(i) / c.fps : static_cast<double>(i);
        dat += fmt::format("{:.4f}", t);
        for (const auto* r : rows) dat += fmt::format(" {:.3f}", std::min(r->series[i].psnr_db, kPlotPsnrTop));
        for (const auto* r : rows) dat += fmt::format(" {:.1f}", static_cast<double>(r->series[i].latency_us) / 1000.0);
        dat += rows[2]->series[i].kind == ShownKind::kConjecture ? " 1\n" : " 0\n";
      }
      const std::string stem = fmt::format("{}_quality_{}ms", base, budget);
      KINETIC_CHECK(write_file(abs / (stem + ".dat"), dat));
      const std::string png = stem + ".png";
      std::string gp = terminal_line();
      gp += fmt::format("cd {}\nset output {}\nset multiplot layout 2,1 title {}\n", gp_quote(abs.string()),
                        gp_quote(png),
                        gp_quote(fmt::format("{} - {} trace, budget {} ms, seed {}", c.name, report.config.trace.name,
                                             budget, report.config.seed)));
      gp += fmt::format(
          "set ylabel 'PSNR vs source (dB)'\nset yrange [0:{}]\nset grid\nset key bottom right\n"
          "set label 1 'identical frames drawn at {} dB' at graph 0.01, graph 0.95\n",
          kPlotPsnrTop + 2, kPlotPsnrTop);
      gp += fmt::format(
          "plot {0} using 1:3 with lines lw 1.5 title 'freeze-frame', {0} using 1:4 with lines lw 1.5 title 'MOCK', "
          "{0} using 1:($8 > 0 ? $4 : 1/0) with points pt 7 ps 0.5 title 'MOCK conjectured slot'\n",
          gp_quote(stem + ".dat"));
      gp += "unset label 1\nset xlabel 'media time (s)'\nset ylabel 'display latency (ms)'\nset yrange [0:*]\n";
      gp += fmt::format(
          "plot {0} using 1:5 with steps lw 2 title 'jitter buffer', {0} using 1:6 with steps lw 1.5 title "
          "'freeze-frame', {0} using 1:7 with steps lw 1.5 dt 2 title 'MOCK'\nunset multiplot\n",
          gp_quote(stem + ".dat"));
      KINETIC_CHECK(write_file(abs / (stem + ".gp"), gp));
      files.scripts.push_back(abs / (stem + ".gp"));
      outputs.push_back(abs / png);
    }

    if (c.lead_sweep.size() > 1) {
      std::string dat = "# lead lead_ms conj_psnr freeze_psnr conj_ssim freeze_ssim samples\n";
      for (const auto& l : c.lead_sweep) {
        if (l.lead == 0) continue;  // the cap, not a measurement
        dat += fmt::format("{} {:.1f} {:.3f} {:.3f} {:.4f} {:.4f} {}\n", l.lead,
                           c.fps > 0 ? 1000.0 * l.lead / c.fps : 0.0, l.conjecture_psnr_db, l.freeze_psnr_db,
                           l.conjecture_ssim, l.freeze_ssim, l.samples);
      }
      const std::string stem = base + "_lead";
      KINETIC_CHECK(write_file(abs / (stem + ".dat"), dat));
      std::string gp = terminal_line();
      gp += fmt::format("cd {}\nset output {}\n", gp_quote(abs.string()), gp_quote(stem + ".png"));
      gp += fmt::format(
          "set title {}\nset xlabel 'lead (frames ahead of the newest real frame)'\nset ylabel 'mean PSNR vs the "
          "frame at t+lead (dB)'\nset grid\nset xtics 1\n",
          gp_quote(fmt::format("{} - negative latency: the price of showing t+lead", c.name)));
      gp += fmt::format(
          "plot {0} using 1:3 with linespoints lw 2 pt 7 title 'MOCK conjecture', {0} using 1:4 with linespoints lw 2 "
          "pt 5 title 'freeze (frame t shown)'\n",
          gp_quote(stem + ".dat"));
      KINETIC_CHECK(write_file(abs / (stem + ".gp"), gp));
      files.scripts.push_back(abs / (stem + ".gp"));
      outputs.push_back(abs / (stem + ".png"));
    }
  }

  if (!report.clips.empty()) {
    // Per clip and player: stall count, total stall time, and slots not showing their own
    // frame, so the waiting and the never-waiting players can be read off one figure.
    std::string dat = "# budget_ms, then per clip and player: stalls stall_ms substituted";
    for (const auto& c : report.clips) {
      for (auto k : kPlayers) dat += fmt::format(" {}:{}", safe_name(c.name), player_name(k));
    }
    dat += "\n";
    for (int budget : report.config.budgets_ms) {
      dat += fmt::format("{}", budget);
      for (const auto& c : report.clips) {
        for (auto k : kPlayers) {
          const PlayerResult* r = find(c, k, budget);
          if (r == nullptr) return Error{Errc::kInvalidValue, "a budget has no result"};
          dat += fmt::format(" {} {:.1f} {}", r->stalls, r->stall_ms, r->substituted);
        }
      }
      dat += "\n";
    }
    KINETIC_CHECK(write_file(abs / "stalls_vs_budget.dat", dat));
    std::string gp = terminal_line();
    gp += fmt::format("cd {}\nset output 'stalls_vs_budget.png'\n", gp_quote(abs.string()));
    gp += fmt::format("set multiplot layout 3,1 title {}\nset grid\nset key outside right\nset xtics (",
                      gp_quote(fmt::format("stalls vs latency budget - {} trace, seed {}", report.config.trace.name,
                                           report.config.seed)));
    for (std::size_t i = 0; i < report.config.budgets_ms.size(); ++i) {
      gp += fmt::format("{}{}", i == 0 ? "" : ", ", report.config.budgets_ms[i]);
    }
    gp += ")\n";
    // Padding keeps a single budget from being an empty x range.
    const auto [lo, hi] = std::minmax_element(report.config.budgets_ms.begin(), report.config.budgets_ms.end());
    const double pad = 0.05 * (*hi - *lo) + 5.0;
    gp += fmt::format("set xrange [{:.1f}:{:.1f}]\n", *lo - pad, *hi + pad);
    const struct {
      int offset;
      const char* label;
      bool last;
    } panels[] = {{0, "stalls (slots that waited)", false},
                  {1, "total stall time (ms)", false},
                  {2, "slots not showing their own frame", true}};
    for (const auto& panel : panels) {
      gp += fmt::format("set ylabel '{}'\n{}plot ", panel.label,
                        panel.last ? "set xlabel 'display latency budget (ms)'\n" : "unset xlabel\n");
      int column = 2 + panel.offset;
      bool first = true;
      for (const auto& c : report.clips) {
        for (auto k : kPlayers) {
          gp += fmt::format("{}'stalls_vs_budget.dat' using 1:{} with linespoints lw 2 title {}", first ? "" : ", ",
                            column, gp_quote(fmt::format("{} {}", c.name, player_name(k))));
          column += 3;
          first = false;
        }
      }
      gp += "\n";
    }
    gp += "unset multiplot\n";
    KINETIC_CHECK(write_file(abs / "stalls_vs_budget.gp", gp));
    files.scripts.push_back(abs / "stalls_vs_budget.gp");
    outputs.push_back(abs / "stalls_vs_budget.png");
  }

  if (gnuplot) {
    bool all = true;
    for (const auto& s : files.scripts) all = run_gnuplot(*gnuplot, s) && all;
    for (const auto& png : outputs) {
      if (std::filesystem::exists(png)) files.pngs.push_back(png);
    }
    files.rendered = all && files.pngs.size() == outputs.size();
  }
  return files;
}

}  // namespace kinetic::mock
