#include "kinetic/relay/heap_trimmer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kinetic/transport/memory/simulated_loop.hpp"

namespace kinetic::relay {
namespace {

using namespace std::chrono_literals;

TEST(HeapTrimmerTest, TrimsOncePerInterval) {
  transport::memory::SimulatedLoop loop;
  HeapTrimmer trimmer(loop, 10s);
  loop.run_for(35s);
  EXPECT_EQ(trimmer.trims(), 3u);
}

TEST(HeapTrimmerTest, AnIntervalOfZeroNeverTrims) {
  transport::memory::SimulatedLoop loop;
  HeapTrimmer trimmer(loop, 0s);
  EXPECT_EQ(loop.pending(), 0u);
  loop.run_for(1h);
  EXPECT_EQ(trimmer.trims(), 0u);
}

TEST(HeapTrimmerTest, LeavesNothingOnTheLoopWhenDestroyed) {
  transport::memory::SimulatedLoop loop;
  { HeapTrimmer trimmer(loop, 1s); }
  EXPECT_EQ(loop.pending(), 0u);
}

// What fragments a relay's heap, in small: blocks below the mmap threshold, most freed, some
// (and the newest) kept, so that no free run reaches the arena's top and glibc keeps it all.
TEST(HeapTrimmerTest, GivesBackFreePagesBetweenLiveBlocks) {
  if (!HeapTrimmer::effective())
    GTEST_SKIP() << "no glibc heap to trim (sanitizer's allocator or another libc)";
  constexpr std::size_t kBlock = 16 << 10, kBlocks = 4096;  // 64 MiB
  std::vector<void*> blocks(kBlocks);
  for (auto& b : blocks) {
    b = std::malloc(kBlock);
    ASSERT_NE(b, nullptr);
    std::memset(b, 0x5a, kBlock);  // resident
  }
  for (std::size_t i = 0; i < kBlocks; ++i) {
    if (i % 16 != 15) {
      std::free(blocks[i]);
      blocks[i] = nullptr;
    }
  }
  const std::size_t before = HeapTrimmer::resident_bytes();
  HeapTrimmer::trim();
  const std::size_t after = HeapTrimmer::resident_bytes();
  for (void* b : blocks) std::free(b);
  // 60 of the 64 MiB are free, in 240-KiB runs between kept blocks.
  EXPECT_GT(before, after + (40u << 20))
      << "RSS " << before / 1048576 << " MB before the trim, " << after / 1048576 << " MB after";
}

}  // namespace
}  // namespace kinetic::relay
