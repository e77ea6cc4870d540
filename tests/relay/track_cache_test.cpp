#include "kinetic/relay/track_cache.hpp"

#include <gtest/gtest.h>

namespace kinetic::relay {
namespace {

moqt::Object obj(std::uint64_t g, std::uint64_t o, std::string_view payload = "abc") {
  moqt::Object out;
  out.group_id = g;
  out.object_id = o;
  out.payload = kinetic::SharedBytes::copy(payload);
  return out;
}

std::vector<moqt::Location> locations(const std::vector<moqt::Object>& objects) {
  std::vector<moqt::Location> out;
  for (const auto& o : objects) out.push_back(o.location());
  return out;
}

TEST(TrackCache, StoresAndServesRangesInOrder) {
  TrackCache cache;
  for (std::uint64_t g = 0; g < 3; ++g)
    for (std::uint64_t o = 0; o < 3; ++o) ASSERT_EQ(*cache.insert(obj(g, o), g), TrackCache::Stored::kStored);
  EXPECT_EQ(cache.group_count(), 3u);
  EXPECT_EQ(cache.object_count(), 9u);
  EXPECT_EQ(cache.largest(), (moqt::Location{2, 2}));
  EXPECT_EQ(locations(cache.range({0, 2}, {1, 2})),
            (std::vector<moqt::Location>{{0, 2}, {1, 0}, {1, 1}}));
  // FETCH's end is "plus one", with object 0 meaning the whole group.
  EXPECT_EQ(cache.fetch_range({1, 1}, {2, 0}).size(), 5u);
  EXPECT_EQ(locations(cache.fetch_range({2, 0}, {2, 2})), (std::vector<moqt::Location>{{2, 0}, {2, 1}}));
  EXPECT_TRUE(cache.range({2, 0}, {1, 0}).empty());
}

TEST(TrackCache, ObjectsArrivingOutOfOrderAreServedInOrder) {
  TrackCache cache;
  ASSERT_TRUE(cache.insert(obj(5, 2), 0));
  ASSERT_TRUE(cache.insert(obj(5, 0), 1));
  ASSERT_TRUE(cache.insert(obj(4, 1), 2));
  EXPECT_EQ(locations(cache.range({0, 0}, {9, 0})), (std::vector<moqt::Location>{{4, 1}, {5, 0}, {5, 2}}));
  EXPECT_EQ(cache.oldest_group(), 4u);
  EXPECT_EQ(cache.latest_group(), 5u);
}

TEST(TrackCache, ServingSharesThePayloadInsteadOfCopying) {
  TrackCache cache;
  auto o = obj(0, 0, "payload bytes");
  const auto* memory = o.payload.data();
  ASSERT_TRUE(cache.insert(o, 0));
  EXPECT_EQ(o.payload.use_count(), 2);  // ours and the cache's
  auto served = cache.group(0);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].payload.data(), memory);
  EXPECT_EQ(o.payload.use_count(), 3);
}

TEST(TrackCache, IdenticalDuplicateIsIgnoredAndDifferentOneIsMalformed) {
  TrackCache cache;
  ASSERT_TRUE(cache.insert(obj(0, 0, "same"), 0));
  const auto bytes = cache.bytes();
  EXPECT_EQ(*cache.insert(obj(0, 0, "same"), 1), TrackCache::Stored::kDuplicate);
  EXPECT_EQ(cache.bytes(), bytes);
  auto differs = cache.insert(obj(0, 0, "different"), 2);
  ASSERT_FALSE(differs);
  EXPECT_EQ(differs.error().code, wire::RequestErrorCode::kMalformedTrack);
  auto moved = obj(0, 0, "same");
  moved.subgroup_id = 7;
  EXPECT_FALSE(cache.insert(moved, 3));
}

TEST(TrackCache, EvictedGroupIsNeverCachedAgain) {
  TrackCache cache;
  ASSERT_TRUE(cache.insert(obj(1, 0), 0));
  ASSERT_TRUE(cache.insert(obj(2, 0), 1));
  EXPECT_GT(cache.evict_oldest(), 0u);
  // A late object of group 1 would make a cached group that lacks its beginning.
  EXPECT_EQ(*cache.insert(obj(1, 1), 2), TrackCache::Stored::kEvictedGroup);
  EXPECT_EQ(*cache.insert(obj(0, 0), 3), TrackCache::Stored::kEvictedGroup);
  EXPECT_EQ(cache.group_count(), 1u);
  cache.evict_through(5);
  EXPECT_EQ(cache.group_count(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(*cache.insert(obj(5, 0), 4), TrackCache::Stored::kEvictedGroup);
  EXPECT_EQ(*cache.insert(obj(6, 0), 5), TrackCache::Stored::kStored);
}

TEST(TrackCache, BytesFollowInsertAndEvict) {
  TrackCache cache;
  ASSERT_TRUE(cache.insert(obj(0, 0, std::string(1000, 'x')), 0));
  ASSERT_TRUE(cache.insert(obj(1, 0, std::string(500, 'x')), 1));
  EXPECT_EQ(cache.bytes(), cached_object_bytes(obj(0, 0, std::string(1000, 'x'))) +
                               cached_object_bytes(obj(1, 0, std::string(500, 'x'))));
  EXPECT_GE(cache.bytes(), 1500u);
  cache.evict_oldest();
  EXPECT_EQ(cache.bytes(), cached_object_bytes(obj(1, 0, std::string(500, 'x'))));
  EXPECT_EQ(cache.oldest_age(), 1u);
}

}  // namespace
}  // namespace kinetic::relay
