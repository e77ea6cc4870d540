// Bytes the allocator has handed out and not got back, for tests that bound how much state a
// long-lived object may keep per thing it has finished with (streams, sessions, requests).
// AddressSanitizer replaces malloc and keeps its own count; mallinfo2 would see nothing there.
#pragma once

#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__SANITIZE_ADDRESS__)
// From the AddressSanitizer runtime (its header is not installed with GCC's libasan).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace kinetic::testing {

inline std::size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

// Runs `window(0)` and `window(1)`, two equal windows of work after a warm-up, and returns the
// smaller of the heap's growths over them: a record kept per thing finished grows the heap in
// both, a container that grows its capacity once (a step placed by the allocator's layout) in
// one only.
template <typename Window>
std::int64_t smaller_growth_of_two_windows(Window window) {
  std::int64_t grown = std::numeric_limits<std::int64_t>::max();
  for (int w = 0; w < 2; ++w) {
    const auto before = static_cast<std::int64_t>(heap_in_use());
    window(w);
    grown = std::min(grown, static_cast<std::int64_t>(heap_in_use()) - before);
  }
  return grown;
}

}  // namespace kinetic::testing
