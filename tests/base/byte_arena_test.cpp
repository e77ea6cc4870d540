#include "kinetic/base/byte_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kinetic {
namespace {

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t fill) { return std::vector<std::uint8_t>(n, fill); }

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

TEST(ByteArena, AFullBlockIsLeftToItsCopiesAndANewOneStarted) {
  ByteArena arena(2048);
  SharedBytes first = arena.copy(bytes(500, 1));
  SharedBytes second = arena.copy(bytes(500, 2));
  SharedBytes third = arena.copy(bytes(500, 3));
  SharedBytes fourth = arena.copy(bytes(500, 4));
  EXPECT_EQ(arena.room(), 48u);
  SharedBytes fifth = arena.copy(bytes(500, 5));  // does not fit: a new block
  EXPECT_FALSE(fourth.followed_by(fifth));
  EXPECT_EQ(arena.room(), 2048u - 500u);
  EXPECT_EQ(first.use_count(), 4);  // the old block: only its four copies
  EXPECT_EQ(fifth.use_count(), 2);  // the arena and fifth
  EXPECT_EQ(first, SharedBytes(bytes(500, 1)));
  EXPECT_EQ(fourth, SharedBytes(bytes(500, 4)));
}

TEST(ByteArena, LargeRunsAndEmptyOnesTakeNoRoom) {
  ByteArena arena(4096);
  SharedBytes big = arena.copy(bytes(1025, 9));  // over a quarter block: its own allocation
  EXPECT_EQ(big, SharedBytes(bytes(1025, 9)));
  EXPECT_EQ(big.use_count(), 1);
  EXPECT_EQ(arena.room(), 0u);  // no block started
  EXPECT_TRUE(arena.copy({}).empty());
  EXPECT_EQ(arena.room(), 0u);
}

}  // namespace
}  // namespace kinetic
