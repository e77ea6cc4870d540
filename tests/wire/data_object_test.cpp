#include "kinetic/wire/data_object.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::string block(const KeyValueList& list) {
  Bytes out;
  ByteWriter w(out);
  write_key_values(w, list);
  return {out.begin(), out.end()};
}

TEST(DataObject, StatusValues) {
  EXPECT_EQ(*object_status_from_wire(0), ObjectStatus::kNormal);
  EXPECT_EQ(*object_status_from_wire(3), ObjectStatus::kEndOfGroup);
  EXPECT_EQ(*object_status_from_wire(4), ObjectStatus::kEndOfTrack);
  for (std::uint64_t v : {1u, 2u, 5u, 0x9Du}) {
    EXPECT_EQ(object_status_from_wire(v).error().code, Errc::kProtocolViolation) << v;
  }
  EXPECT_TRUE(status_permits_payload(ObjectStatus::kNormal));
  EXPECT_FALSE(status_permits_payload(ObjectStatus::kEndOfGroup));
  EXPECT_EQ(object_status_name(ObjectStatus::kEndOfTrack), "End of Track");
}

TEST(DataObject, StatusRules) {
  EXPECT_TRUE(check_object_status_rules(ObjectStatus::kNormal, 10, true));
  EXPECT_FALSE(check_object_status_rules(ObjectStatus::kEndOfGroup, 1, false));
  EXPECT_FALSE(check_object_status_rules(ObjectStatus::kEndOfTrack, 0, true));
  EXPECT_TRUE(check_object_status_rules(ObjectStatus::kEndOfTrack, 0, false));
}

TEST(DataObject, PropertiesFieldVector) {
  // Length 6, then {0x02: 100} as 02 64 (100 fits the 7 bits of the 1-byte form) and
  // {0x0D: "ab"} as delta 0x0B, length 02, 'a' 'b'.
  const KeyValueList props = {KeyValuePair::varint(0x02, 100), KeyValuePair::blob(0x0D, "ab")};
  Bytes out;
  ByteWriter w(out);
  write_properties_field(w, props);
  EXPECT_EQ(out, (Bytes{0x06, 0x02, 0x64, 0x0B, 0x02, 'a', 'b'}));
  EXPECT_EQ(properties_field_size(props), out.size());
  ByteReader r(out);
  KeyValueList back;
  ASSERT_TRUE(read_properties_field(r, {}, back));
  EXPECT_EQ(back, props);
  ByteReader limited(out);
  EXPECT_EQ(read_properties_field(limited, {.max_property_bytes = 5}, back).error().code,
            Errc::kLimitExceeded);
}

TEST(DataObject, MalformedTrackChecks) {
  EXPECT_TRUE(check_object_properties({KeyValuePair::varint(0x3C, 1), KeyValuePair::blob(0x3801, "x")}));
  EXPECT_FALSE(check_object_properties({KeyValuePair::varint(0x4000, 1)}));
  EXPECT_FALSE(check_object_properties({KeyValuePair::varint(0x3C, 1), KeyValuePair::varint(0x3C, 2)}));
  EXPECT_FALSE(check_object_properties({KeyValuePair::varint(0x3E, 1), KeyValuePair::varint(0x3E, 1)}));

  const std::string inner = block({KeyValuePair::varint(0x3C, 1)});
  EXPECT_TRUE(check_object_properties({KeyValuePair::blob(0x0B, inner)}));
  // The gap inside Immutable Properties counts with the mutable one.
  EXPECT_FALSE(check_object_properties({KeyValuePair::varint(0x3C, 1), KeyValuePair::blob(0x0B, inner)}));
  EXPECT_FALSE(check_object_properties({KeyValuePair::blob(0x0B, inner), KeyValuePair::blob(0x0B, inner)}));
  const std::string nested = block({KeyValuePair::blob(0x0B, inner)});
  EXPECT_FALSE(check_object_properties({KeyValuePair::blob(0x0B, nested)}));
  EXPECT_FALSE(check_object_properties({KeyValuePair::blob(0x0B, std::string("\x01\x05", 2))}));
  const std::string mandatory = block({KeyValuePair::varint(0x4002, 1)});
  EXPECT_FALSE(check_object_properties({KeyValuePair::blob(0x0B, mandatory)}));
}

TEST(DataObject, LocationOrder) {
  EXPECT_LT((Location{1, 9}), (Location{2, 0}));
  EXPECT_LT((Location{2, 0}), (Location{2, 1}));
  EXPECT_EQ((Location{2, 1}), (Location{2, 1}));
}

}  // namespace
}  // namespace kinetic::wire
