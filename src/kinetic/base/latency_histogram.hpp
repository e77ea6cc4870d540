// Durations counted in fixed buckets, the data of a Prometheus histogram. One thread records
// (relaxed atomics: each counter is independent) while others read, so serving /metrics never
// stalls the thread that records. The bounds bracket the relay's latency goals (1 ms, 3 ms)
// exactly, so "what share took at most 1 ms" is a count, not an estimate.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kinetic {

class LatencyHistogram {
 public:
  // Upper bounds in milliseconds; a last bucket, +Inf, holds the rest.
  static constexpr std::array<double, 22> kBoundsMs = {
      0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 250, 500, 1000};
  static constexpr std::size_t kBuckets = kBoundsMs.size() + 1;

  void record(std::chrono::nanoseconds d) noexcept;
  // Adds what `other` holds now (summing the workers of a relay).
  void add(const LatencyHistogram& other) noexcept;
  // Takes `other`'s counts, bucket by bucket (a reader never sees a bucket emptied first).
  void assign(const LatencyHistogram& other) noexcept;
  void reset() noexcept;

  // Non-cumulative count of bucket i (i == kBoundsMs.size(): above the last bound).
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] std::uint64_t sum_ns() const noexcept { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Counts of a histogram at one moment, and what they say: taken twice, their difference is
// what was recorded in between.
struct LatencyCounts {
  std::array<std::uint64_t, LatencyHistogram::kBuckets> buckets{};

  static LatencyCounts of(const LatencyHistogram& h) noexcept;
  [[nodiscard]] LatencyCounts since(const LatencyCounts& earlier) const noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept;
  // Share of the recorded durations at most `bound_ms`, which must be one of kBoundsMs.
  [[nodiscard]] double share_within(double bound_ms) const noexcept;
  // The q-quantile in ms, interpolated linearly inside its bucket (the +Inf bucket answers its
  // lower bound); 0 when nothing was recorded.
  [[nodiscard]] double quantile_ms(double q) const noexcept;
};

}  // namespace kinetic
