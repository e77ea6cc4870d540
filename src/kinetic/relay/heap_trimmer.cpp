#include "kinetic/relay/heap_trimmer.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kinetic::relay {

namespace {

constexpr bool kSanitizedHeap =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

}  // namespace

HeapTrimmer::HeapTrimmer(transport::EventLoop& loop, transport::Duration interval)
    : loop_(loop), interval_(interval) {
  arm();
}

HeapTrimmer::~HeapTrimmer() {
  if (timer_) loop_.cancel(*timer_);
}

std::size_t HeapTrimmer::resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

bool HeapTrimmer::effective() {
#if defined(__GLIBC__)
  return !kSanitizedHeap;
#else
  return false;
#endif
}

void HeapTrimmer::trim() {
#if defined(__GLIBC__)
  if (!kSanitizedHeap) ::malloc_trim(0);
#endif
}

void HeapTrimmer::arm() {
  if (interval_ <= transport::Duration::zero()) return;
  timer_ = loop_.schedule_after(interval_, [this] {
    timer_.reset();
    const bool log = spdlog::should_log(spdlog::level::debug);
    const std::size_t rss_before = log ? resident_bytes() : 0;
    const auto start = std::chrono::steady_clock::now();
    trim();
    const auto took = std::chrono::steady_clock::now() - start;
    longest_ = std::max(longest_, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
    trims_.fetch_add(1, std::memory_order_relaxed);
    if (log)
      spdlog::debug("heap trim: RSS {:.1f} -> {:.1f} MB in {:.2f} ms",
                    static_cast<double>(rss_before) / 1048576.0,
                    static_cast<double>(resident_bytes()) / 1048576.0,
                    std::chrono::duration<double, std::milli>(took).count());
    arm();
  });
}

}  // namespace kinetic::relay
