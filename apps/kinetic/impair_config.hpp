// `kinetic impair`'s command line turned into a path model: a named preset (the same ones as
// mock-eval), the options that override parts of it, and a trace file. Kept apart from the
// command so bad input can be tested as messages rather than exit codes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kinetic/mock/packet_impairment.hpp"

namespace kinetic::app {

struct ImpairSettings {
  std::string preset = "clean";
  std::optional<double> delay_ms;    // replaces the preset's base delay
  std::optional<double> jitter_ms;   // replaces its jitter: gamma (shape 2) with this mean; 0 = none
  std::optional<double> loss_pct;    // independent random loss on top of the chain
  std::optional<std::string> burst;  // "ENTER,LEAVE[,LOSS]" in percent: replaces the chain
  double rate_kbps = 0;              // 0 = unlimited
  double queue_ms = 100;
  std::size_t queue_bytes = 0;
  double reorder_pct = 0;
  double reorder_ms = 10;
  double jitter_interval_ms = 33;
  std::string trace_file;            // empty: none
};

struct BurstLoss {
  double p_good_to_bad = 0;
  double p_bad_to_good = 1;
  double loss_bad = 1;
};

// "1,25" or "1,25,50": per packet, a 1% chance to enter a burst, 25% to leave it (mean length
// four packets), 50% loss inside it (100% when left out). Percentages, as netem's gemodel.
std::optional<BurstLoss> parse_burst(std::string_view text, std::string& error);

// The model for each direction; on bad input nothing, and `error` says which option and why.
std::optional<mock::PacketImpairmentConfig> make_impair_config(const ImpairSettings& settings, std::string& error);

}  // namespace kinetic::app
