#include "kinetic/relay/relay_cache.hpp"

#include <gtest/gtest.h>

namespace kinetic::relay {
namespace {

wire::FullTrackName track(const char* name) { return {{{"live"}}, name}; }

moqt::Object obj(std::uint64_t g, std::uint64_t o, std::size_t size) {
  moqt::Object out;
  out.group_id = g;
  out.object_id = o;
  out.payload = kinetic::SharedBytes(std::vector<std::uint8_t>(size, 0x5a));
  return out;
}

TEST(RelayCache, PerTrackBudgetEvictsWholeOldestGroups) {
  const std::size_t one = cached_object_bytes(obj(0, 0, 1000));
  RelayCache cache({.total_bytes = 100 * one, .track_bytes = 6 * one});
  for (std::uint64_t g = 0; g < 10; ++g)
    for (std::uint64_t o = 0; o < 2; ++o) ASSERT_TRUE(cache.insert(track("v"), obj(g, o, 1000)));
  const auto* v = cache.find(track("v"));
  ASSERT_NE(v, nullptr);
  EXPECT_LE(v->bytes(), 6 * one);
  EXPECT_EQ(v->group_count(), 3u);  // whole groups: 3 x 2 objects
  EXPECT_EQ(v->oldest_group(), 7u);
  EXPECT_EQ(cache.groups_evicted(), 7u);
  EXPECT_EQ(cache.bytes(), v->bytes());
}

TEST(RelayCache, GlobalBudgetEvictsTheRelaysOldestGroupAcrossTracks) {
  const std::size_t one = cached_object_bytes(obj(0, 0, 1000));
  RelayCache cache({.total_bytes = 4 * one, .track_bytes = 4 * one});
  ASSERT_TRUE(cache.insert(track("a"), obj(0, 0, 1000)));  // oldest
  ASSERT_TRUE(cache.insert(track("b"), obj(0, 0, 1000)));
  ASSERT_TRUE(cache.insert(track("a"), obj(1, 0, 1000)));
  ASSERT_TRUE(cache.insert(track("b"), obj(1, 0, 1000)));
  EXPECT_EQ(cache.bytes(), 4 * one);
  ASSERT_TRUE(cache.insert(track("c"), obj(0, 0, 1000)));
  EXPECT_EQ(cache.bytes(), 4 * one);
  EXPECT_EQ(cache.find(track("a"))->oldest_group(), 1u);  // a's group 0 went first
  EXPECT_EQ(cache.find(track("b"))->oldest_group(), 0u);
  ASSERT_TRUE(cache.insert(track("c"), obj(1, 0, 1000)));
  EXPECT_EQ(cache.find(track("b"))->oldest_group(), 1u);  // then b's group 0
  EXPECT_LE(cache.bytes(), cache.budget().total_bytes);
}

TEST(RelayCache, GroupLargerThanTheTrackBudgetIsNotCached) {
  const std::size_t one = cached_object_bytes(obj(0, 0, 1000));
  RelayCache cache({.total_bytes = 100 * one, .track_bytes = 2 * one});
  ASSERT_TRUE(cache.insert(track("v"), obj(0, 0, 1000)));
  ASSERT_TRUE(cache.insert(track("v"), obj(0, 1, 1000)));
  ASSERT_TRUE(cache.insert(track("v"), obj(0, 2, 1000)));
  EXPECT_EQ(cache.find(track("v"))->group_count(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  // The rest of that group is refused; the next group caches normally.
  EXPECT_EQ(*cache.insert(track("v"), obj(0, 3, 1000)), TrackCache::Stored::kEvictedGroup);
  EXPECT_EQ(*cache.insert(track("v"), obj(1, 0, 1000)), TrackCache::Stored::kStored);
}

TEST(RelayCache, EvictionReleasesTheSharedPayload) {
  const std::size_t one = cached_object_bytes(obj(0, 0, 1000));
  RelayCache cache({.total_bytes = 10 * one, .track_bytes = one});
  auto first = obj(0, 0, 1000);
  ASSERT_TRUE(cache.insert(track("v"), first));
  EXPECT_EQ(first.payload.use_count(), 2);
  ASSERT_TRUE(cache.insert(track("v"), obj(1, 0, 1000)));
  EXPECT_EQ(first.payload.use_count(), 1);
}

TEST(RelayCache, EraseForgetsTheTrackAndItsBytes) {
  RelayCache cache;
  ASSERT_TRUE(cache.insert(track("a"), obj(0, 0, 100)));
  ASSERT_TRUE(cache.insert(track("b"), obj(0, 0, 100)));
  cache.erase(track("a"));
  EXPECT_EQ(cache.find(track("a")), nullptr);
  EXPECT_EQ(cache.track_count(), 1u);
  EXPECT_EQ(cache.bytes(), cache.find(track("b"))->bytes());
}

TEST(RelayCache, MalformedDuplicateIsReportedAndBytesStayRight) {
  RelayCache cache;
  ASSERT_TRUE(cache.insert(track("a"), obj(0, 0, 100)));
  const auto bytes = cache.bytes();
  EXPECT_FALSE(cache.insert(track("a"), obj(0, 0, 99)));
  EXPECT_EQ(cache.bytes(), bytes);
}

}  // namespace
}  // namespace kinetic::relay
