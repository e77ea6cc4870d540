#include "kinetic/base/byte_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kinetic {
namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t fill) {
  return std::vector<std::uint8_t>(n, fill);
}

TEST(ByteArena, ConsecutiveCopiesLieNextToEachOtherInOneBlock) {
  ByteArena arena(4096);
  const auto a = bytes(1000, 1);
  const auto b = bytes(900, 2);
  SharedBytes ca = arena.copy(a);
  SharedBytes cb = arena.copy(b);
  EXPECT_EQ(ca, SharedBytes(a));
  EXPECT_EQ(cb, SharedBytes(b));
  ASSERT_TRUE(ca.followed_by(cb));
  EXPECT_FALSE(cb.followed_by(ca));
  SharedBytes both = ca.joined(cb);
  EXPECT_EQ(both.size(), 1900u);
  EXPECT_EQ(both.data(), ca.data());
  EXPECT_EQ(arena.room(), 4096u - 1900u);
  EXPECT_EQ(ca.use_count(), 4);  // the arena, ca, cb and both share one block
}

TEST(ByteArena, AFullBlockIsLeftToItsCopiesAndTheNextIsTwiceAsLarge) {
  ByteArena arena(8192);
  SharedBytes first = arena.copy(bytes(1000, 1));
  SharedBytes second = arena.copy(bytes(1000, 2));
  SharedBytes third = arena.copy(bytes(1000, 3));
  SharedBytes fourth = arena.copy(bytes(1000, 4));
  EXPECT_EQ(arena.block_size(), 4096u);
  EXPECT_EQ(arena.room(), 96u);
  SharedBytes fifth = arena.copy(bytes(1000, 5));  // does not fit: a new block
  EXPECT_FALSE(fourth.followed_by(fifth));
  EXPECT_EQ(arena.block_size(), 8192u);
  EXPECT_EQ(arena.room(), 8192u - 1000u);
  EXPECT_EQ(first.use_count(), 4);  // the old block: only its four copies
  EXPECT_EQ(fifth.use_count(), 2);  // the arena and fifth
  EXPECT_EQ(first, SharedBytes(bytes(1000, 1)));
  EXPECT_EQ(fourth, SharedBytes(bytes(1000, 4)));
}

TEST(ByteArena, BlocksGrowToTheMaximumAndStartOverAfterRelease) {
  ByteArena arena;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 80; ++i) {
    (void)arena.copy(bytes(1400, 7));
    if (sizes.empty() || sizes.back() != arena.block_size() || arena.room() + 1400 == arena.block_size())
      sizes.push_back(arena.block_size());
  }
  ASSERT_GE(sizes.size(), 5u);
  EXPECT_EQ(std::vector<std::size_t>(sizes.begin(), sizes.begin() + 5),
            (std::vector<std::size_t>{4096, 8192, 16384, 32768, 32768}));
  arena.release();
  EXPECT_EQ(arena.block_size(), 0u);
  (void)arena.copy(bytes(1400, 7));
  EXPECT_EQ(arena.block_size(), 4096u);
}

// A sender of small, sparse objects (telemetry, one per stream) must not have each of them keep
// a whole block alive in a cache: short runs start no block.
TEST(ByteArena, ShortRunsStartNoBlockButJoinOneInUse) {
  ByteArena arena;
  SharedBytes small = arena.copy(bytes(100, 1));
  EXPECT_EQ(small.use_count(), 1);
  EXPECT_EQ(arena.block_size(), 0u);
  SharedBytes packet = arena.copy(bytes(1400, 2));
  SharedBytes tail = arena.copy(bytes(100, 3));
  EXPECT_TRUE(packet.followed_by(tail));
  arena.release();
  EXPECT_EQ(arena.copy(bytes(100, 4)).use_count(), 1);
}

// Object heads: a writer of many tiny runs asks for no minimum run and a small block.
TEST(ByteArena, WithoutAMinimumRunEvenTinyRunsShareASmallBlock) {
  ByteArena arena(512, 0);
  SharedBytes a = arena.copy(bytes(5, 1));
  SharedBytes b = arena.copy(bytes(7, 2));
  EXPECT_EQ(arena.block_size(), 512u);
  EXPECT_TRUE(a.followed_by(b));
  EXPECT_EQ(a.use_count(), 3);
  EXPECT_EQ(arena.copy(bytes(129, 3)).use_count(), 1);  // over a quarter of the block: its own
  EXPECT_EQ(arena.room(), 512u - 12u);
}

TEST(ByteArena, LargeRunsAndEmptyOnesTakeNoRoom) {
  ByteArena arena(4096);
  SharedBytes big = arena.copy(bytes(1025, 9));  // over a quarter of the largest block: its own allocation
  EXPECT_EQ(big, SharedBytes(bytes(1025, 9)));
  EXPECT_EQ(big.use_count(), 1);
  EXPECT_EQ(arena.room(), 0u);  // no block started
  EXPECT_TRUE(arena.copy({}).empty());
  EXPECT_EQ(arena.room(), 0u);
}

}  // namespace
}  // namespace kinetic
