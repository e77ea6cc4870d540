#include "kinetic/moqt/range_filters.hpp"

#include <gtest/gtest.h>

namespace kinetic::moqt {
namespace {

Object object(std::uint64_t subgroup, std::uint64_t id, std::uint8_t priority) {
  Object o;
  o.subgroup_id = subgroup;
  o.object_id = id;
  o.publisher_priority = priority;
  return o;
}

TEST(RangeFilters, NoFiltersPassEverything) { EXPECT_TRUE(passes_range_filters({}, object(3, 9, 1))); }

TEST(RangeFilters, FiltersOfOneSetMustAllPass) {
  const std::vector<RangeFilter> f{{RangeField::kSubgroup, 0, 0, {{0, 0}}},
                                   {RangeField::kObjectId, 0, 0, {{0, 1}, {5, std::nullopt}}}};
  EXPECT_TRUE(passes_range_filters(f, object(0, 1, 128)));
  EXPECT_TRUE(passes_range_filters(f, object(0, 1'000'000, 128)));  // the last range is open
  EXPECT_FALSE(passes_range_filters(f, object(0, 3, 128)));
  EXPECT_FALSE(passes_range_filters(f, object(1, 0, 128)));
}

TEST(RangeFilters, AnySetThatPassesIsEnough) {
  const std::vector<RangeFilter> f{{RangeField::kObjectId, 0, 0, {{0, 0}}},
                                   {RangeField::kPriority, 7, 0, {{200, 255}}},
                                   {RangeField::kSubgroup, 7, 0, {{2, 2}}}};
  EXPECT_TRUE(passes_range_filters(f, object(9, 0, 1)));     // set 0
  EXPECT_TRUE(passes_range_filters(f, object(2, 4, 250)));   // set 7: both of its filters
  EXPECT_FALSE(passes_range_filters(f, object(3, 4, 250)));  // set 7 half, set 0 not
  EXPECT_FALSE(passes_range_filters(f, object(2, 4, 10)));
}

TEST(RangeFilters, ObjectPropertyNeedsAVarintOfThatTypeInRange) {
  const std::vector<RangeFilter> f{{RangeField::kObjectProperty, 0, 0x10, {{100, 200}}}};
  Object o = object(0, 0, 128);
  EXPECT_FALSE(passes_range_filters(f, o));  // no such property
  o.properties = {wire::KeyValuePair::varint(0x12, 150)};
  EXPECT_FALSE(passes_range_filters(f, o));  // another type
  o.properties = {wire::KeyValuePair::varint(0x10, 150)};
  EXPECT_TRUE(passes_range_filters(f, o));
  o.properties = {wire::KeyValuePair::varint(0x10, 201)};
  EXPECT_FALSE(passes_range_filters(f, o));
}

TEST(RangeFilters, ATrackPropertyFilterChoosesTracksNotObjects) {
  const std::vector<RangeFilter> f{{RangeField::kTrackProperty, 0, 0x20, {{1, 1}}}};
  EXPECT_TRUE(passes_range_filters(f, object(0, 0, 128)));
}

}  // namespace
}  // namespace kinetic::moqt
