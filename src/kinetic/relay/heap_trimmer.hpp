// Hands the heap's free pages back to the kernel every so often. A relay frees and reallocates
// buffers all day, and glibc returns only the free top of each arena on its own: the free
// chunks between live ones stay resident, so with the heap in use flat the process's RSS still
// creeps up as the arenas fragment (0.19 MB/min over the hour-long soak, BENCHMARKS.md).
// malloc_trim(0) gives back every whole free page of every arena; one used again costs a page
// fault. Elsewhere than glibc, and under a sanitizer's allocator, a trim is a no-op.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "kinetic/transport/event_loop.hpp"

namespace kinetic::relay {

class HeapTrimmer {
 public:
  // Trims every `interval` on `loop` (the loop outlives this); an interval of zero never does.
  HeapTrimmer(transport::EventLoop& loop, transport::Duration interval);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  [[nodiscard]] std::uint64_t trims() const { return trims_.load(std::memory_order_relaxed); }  // any thread
  // The longest a trim took (read it on the loop's thread): other threads' allocations wait on
  // each arena's lock meanwhile.
  [[nodiscard]] std::chrono::nanoseconds longest() const { return longest_; }
  // Whether a trim can give anything back here (glibc's allocator, no sanitizer's in its place).
  [[nodiscard]] static bool effective();
  // One trim now, on the calling thread: what the timer runs.
  static void trim();
  // This process's resident set (/proc/self/statm), in bytes; 0 where it cannot be read.
  [[nodiscard]] static std::size_t resident_bytes();

 private:
  void arm();

  transport::EventLoop& loop_;
  transport::Duration interval_;
  std::optional<transport::TimerId> timer_;
  std::atomic<std::uint64_t> trims_{0};
  std::chrono::nanoseconds longest_{0};
};

}  // namespace kinetic::relay
