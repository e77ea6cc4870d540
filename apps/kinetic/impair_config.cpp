#include "impair_config.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "kinetic/mock/impairment_trace.hpp"

namespace kinetic::app {
namespace {

std::optional<double> percent(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v < 0 || v > 100) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<BurstLoss> parse_burst(std::string_view text, std::string& error) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    error = fmt::format("--burst '{}': expected ENTER,LEAVE[,LOSS] in percent, e.g. 1,25,50", text);
    return std::nullopt;
  }
  std::vector<double> v;
  for (auto p : parts) {
    const auto x = percent(p);
    if (!x) {
      error = fmt::format("--burst '{}': '{}' is not a percentage from 0 to 100", text, p);
      return std::nullopt;
    }
    v.push_back(*x / 100.0);
  }
  if (v[1] == 0 && v[0] > 0) {
    error = fmt::format("--burst '{}': a burst that is never left (LEAVE 0) loses everything after it starts", text);
    return std::nullopt;
  }
  return BurstLoss{v[0], v[1], v.size() == 3 ? v[2] : 1.0};
}

std::optional<mock::PacketImpairmentConfig> make_impair_config(const ImpairSettings& s, std::string& error) {
  auto preset = mock::impairment_preset(s.preset);
  if (!preset) {
    error = fmt::format("--preset '{}': unknown (clean, wifi, lte, congested)", s.preset);
    return std::nullopt;
  }
  mock::PacketImpairmentConfig c;
  c.path = std::move(*preset);
  bool changed = false;
  if (s.delay_ms) {
    c.path.base_delay_ms = *s.delay_ms;
    changed = true;
  }
  if (s.jitter_ms) {
    c.path.jitter = *s.jitter_ms > 0 ? mock::JitterShape::kGamma : mock::JitterShape::kNone;
    c.path.gamma_shape = 2.0;
    c.path.gamma_scale_ms = *s.jitter_ms / 2.0;
    // Room for the tail of a gamma(2): 10 means is far past its 99.9th percentile.
    c.path.max_jitter_ms = std::min(60'000.0, std::max(c.path.max_jitter_ms, 10.0 * *s.jitter_ms));
    changed = true;
  }
  if (s.loss_pct) {
    c.loss = *s.loss_pct / 100.0;
    changed = true;
  }
  if (s.burst) {
    const auto b = parse_burst(*s.burst, error);
    if (!b) return std::nullopt;
    c.path.p_good_to_bad = b->p_good_to_bad;
    c.path.p_bad_to_good = b->p_bad_to_good;
    c.path.loss_good = 0;
    c.path.loss_bad = b->loss_bad;
    changed = true;
  }
  c.rate_kbps = s.rate_kbps;
  c.queue_ms = s.queue_ms;
  c.queue_bytes = s.queue_bytes;
  c.reorder = s.reorder_pct / 100.0;
  c.reorder_ms = s.reorder_ms;
  c.jitter_interval_ms = s.jitter_interval_ms;
  if (changed || s.rate_kbps > 0 || s.reorder_pct > 0) c.path.name += " (modified)";
  if (!s.trace_file.empty()) {
    std::ifstream in(s.trace_file, std::ios::binary);
    if (!in) {
      error = fmt::format("--trace-file {}: cannot open it", s.trace_file);
      return std::nullopt;
    }
    // Bounded, so pointing it at /dev/zero is an error rather than an exhausted memory.
    constexpr std::size_t kMaxTraceBytes = 16u << 20;
    std::string text(kMaxTraceBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxTraceBytes) {
      error = fmt::format("--trace-file {}: larger than 16 MiB", s.trace_file);
      return std::nullopt;
    }
    std::string why;
    auto steps = mock::parse_impairment_trace(text, why);
    if (!steps) {
      error = fmt::format("--trace-file {}: {}", s.trace_file, why);
      return std::nullopt;
    }
    c.trace = std::move(*steps);
  }
  if (auto ok = mock::validate_packet_impairment(c); !ok) {
    error = fmt::format("impairment settings: {}", ok.error().what);
    return std::nullopt;
  }
  return c;
}

}  // namespace kinetic::app
