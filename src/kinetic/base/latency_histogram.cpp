#include "kinetic/base/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic {

void LatencyHistogram::record(std::chrono::nanoseconds d) noexcept {
  const std::int64_t ns = std::max<std::int64_t>(0, d.count());
  const double ms = static_cast<double>(ns) / 1e6;
  const auto it = std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms);
  counts_[static_cast<std::size_t>(it - kBoundsMs.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void LatencyHistogram::add(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i].fetch_add(other.bucket(i), std::memory_order_relaxed);
  sum_ns_.fetch_add(other.sum_ns(), std::memory_order_relaxed);
}

void LatencyHistogram::assign(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i].store(other.bucket(i), std::memory_order_relaxed);
  sum_ns_.store(other.sum_ns(), std::memory_order_relaxed);
}

void LatencyHistogram::reset() noexcept {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  sum_ns_.store(0, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

LatencyCounts LatencyCounts::of(const LatencyHistogram& h) noexcept {
  LatencyCounts c;
  for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) c.buckets[i] = h.bucket(i);
  return c;
}

LatencyCounts LatencyCounts::since(const LatencyCounts& earlier) const noexcept {
  LatencyCounts d;
  for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
    d.buckets[i] = buckets[i] >= earlier.buckets[i] ? buckets[i] - earlier.buckets[i] : 0;
  }
  return d;
}

std::uint64_t LatencyCounts::count() const noexcept {
  std::uint64_t n = 0;
  for (auto b : buckets) n += b;
  return n;
}

double LatencyCounts::share_within(double bound_ms) const noexcept {
  const std::uint64_t total = count();
  if (total == 0) return 0;
  std::uint64_t within = 0;
  for (std::size_t i = 0;
       i < LatencyHistogram::kBoundsMs.size() && LatencyHistogram::kBoundsMs[i] <= bound_ms; ++i) {
    within += buckets[i];
  }
  return static_cast<double>(within) / static_cast<double>(total);
}

double LatencyCounts::quantile_ms(double q) const noexcept {
  const std::uint64_t total = count();
  if (total == 0) return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  double below = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
    const double in = static_cast<double>(buckets[i]);
    if (in > 0 && below + in >= rank) {
      const double lo = i == 0 ? 0.0 : LatencyHistogram::kBoundsMs[i - 1];
      if (i == LatencyHistogram::kBoundsMs.size()) return lo;
      const double hi = LatencyHistogram::kBoundsMs[i];
      return lo + (hi - lo) * std::clamp((rank - below) / in, 0.0, 1.0);
    }
    below += in;
  }
  return LatencyHistogram::kBoundsMs.back();
}

}  // namespace kinetic
