// A network trace for the impairment proxy: the path changes at given times (a handover, a
// congested minute, a link that slows down), one line per change:
//
//   # at_ms  delay_ms  jitter_ms  loss_pct  rate_kbps
//   0        20        5          0         0
//   10000    80        30         2         1500
//
// From at_ms on (time since the proxy started), the line is the whole path: a one-way delay, a
// jitter drawn uniformly in [0, 2·jitter_ms] (so jitter_ms is its mean), independent random
// loss and a rate limit (0: unlimited). Text after '#' is a comment; blank lines are skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinetic::mock {

struct TraceStep {
  std::int64_t at_ms = 0;
  double delay_ms = 0;
  double jitter_ms = 0;
  double loss_pct = 0;
  double rate_kbps = 0;  // 0: unlimited
  friend bool operator==(const TraceStep&, const TraceStep&) = default;
};

// Steps in file order; at_ms must increase strictly from line to line. On a bad line (or an
// empty schedule) returns nothing and sets `error` to "line N: what is wrong" — a message built
// per line, which Error's static text cannot carry.
std::optional<std::vector<TraceStep>> parse_impairment_trace(std::string_view text, std::string& error);

}  // namespace kinetic::mock
