// Percentiles of measured samples (latencies, delays), interpolated between the two nearest
// ranks, as every MOCK report states them.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace kinetic::mock {

// The q-quantile (0..1) of `v`; 0 for no samples.
inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace kinetic::mock
