#include "kinetic/mock/impairment_trace.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace kinetic::mock {
namespace {

constexpr std::string_view kColumns = "at_ms delay_ms jitter_ms loss_pct rate_kbps";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits on runs of blanks; more than 5 fields is reported by the caller with the count.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool parse_number(std::string_view text, double& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && std::isfinite(out);
}

}  // namespace

std::optional<std::vector<TraceStep>> parse_impairment_trace(std::string_view text, std::string& error) {
  std::vector<TraceStep> steps;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto fields = fields_of(line);
    if (fields.empty()) continue;
    auto bad = [&](const std::string& why) -> std::optional<std::vector<TraceStep>> {
      error = fmt::format("line {}: {}", line_no, why);
      return std::nullopt;
    };
    if (fields.size() != 5) {
      return bad(fmt::format("expected 5 numbers ({}), found {}", kColumns, fields.size()));
    }
    std::array<double, 5> v{};
    constexpr std::array<std::string_view, 5> kNames{"at_ms", "delay_ms", "jitter_ms", "loss_pct", "rate_kbps"};
    for (std::size_t i = 0; i < 5; ++i) {
      if (!parse_number(fields[i], v[i])) return bad(fmt::format("{} '{}' is not a number", kNames[i], fields[i]));
      if (v[i] < 0) return bad(fmt::format("{} must not be negative", kNames[i]));
    }
    // One day bounds at_ms so the conversion to microseconds cannot overflow.
    if (v[0] != std::floor(v[0]) || v[0] > 86'400'000.0) return bad("at_ms must be a whole number of ms up to one day");
    if (v[1] > 60'000 || v[2] > 60'000) return bad("delay_ms and jitter_ms must be at most 60000");
    if (v[3] > 100) return bad("loss_pct must be at most 100");
    if (v[4] != 0 && (v[4] < 1 || v[4] > 1e8)) return bad("rate_kbps must be 0 (unlimited) or 1..100000000");
    TraceStep s{static_cast<std::int64_t>(v[0]), v[1], v[2], v[3], v[4]};
    if (!steps.empty() && s.at_ms <= steps.back().at_ms) {
      return bad(fmt::format("at_ms {} does not come after the previous line's {}", s.at_ms, steps.back().at_ms));
    }
    steps.push_back(s);
  }
  if (steps.empty()) {
    error = fmt::format("no steps: expected lines of '{}'", kColumns);
    return std::nullopt;
  }
  return steps;
}

}  // namespace kinetic::mock
