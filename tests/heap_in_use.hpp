// Bytes the allocator has handed out and not got back, for tests that bound how much state a
// long-lived object may keep per thing it has finished with (streams, sessions, requests).
// AddressSanitizer replaces malloc and keeps its own count; mallinfo2 would see nothing there.
#pragma once

#include <malloc.h>

#include <cstddef>

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

}  // namespace kinetic::testing
