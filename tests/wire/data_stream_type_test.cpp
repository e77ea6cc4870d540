#include "kinetic/wire/data_stream_type.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "kinetic/wire/byte_writer.hpp"

namespace kinetic::wire {
namespace {

// draft-18 §11.4.2: valid SUBGROUP_HEADER types are 0b0XX1XXXX without id mode 0b11.
bool draft_valid_subgroup(std::uint64_t t) {
  const bool in_range = (t >= 0x10 && t <= 0x1F) || (t >= 0x30 && t <= 0x3F) || (t >= 0x50 && t <= 0x5F) ||
                        (t >= 0x70 && t <= 0x7F);
  return in_range && ((t & 0x06) != 0x06);
}

TEST(DataStreamType, SubgroupTypesMatchTheDraftList) {
  for (Version v : kSupportedVersions) {
    int valid = 0;
    for (std::uint64_t t = 0; t < 0x200; ++t) {
      auto bits = decode_subgroup_type(t, v);
      ASSERT_EQ(bits.ok(), draft_valid_subgroup(t)) << std::hex << t;
      if (!bits) {
        EXPECT_EQ(bits.error().code, Errc::kProtocolViolation);
        continue;
      }
      ++valid;
      EXPECT_EQ(encode_subgroup_type(*bits), t) << std::hex << t;
    }
    // 4 (bits 5-6) x 2 (end of group) x 3 (id modes) x 2 (properties).
    EXPECT_EQ(valid, 48);
  }
}

TEST(DataStreamType, SubgroupBitsDecodeIndividually) {
  // 0x35 is the draft's second example: properties, explicit subgroup ID, default priority.
  auto b = decode_subgroup_type(0x35, Version::kDraft18);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->properties);
  EXPECT_EQ(b->id_mode, SubgroupIdMode::kExplicit);
  EXPECT_FALSE(b->end_of_group);
  EXPECT_TRUE(b->default_priority);
  EXPECT_FALSE(b->first_object);

  auto c = decode_subgroup_type(0x5A, Version::kDraft20);  // FIRST_OBJECT | END_OF_GROUP | id mode 0b01
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->properties);
  EXPECT_EQ(c->id_mode, SubgroupIdMode::kFirstObjectId);
  EXPECT_TRUE(c->end_of_group);
  EXPECT_FALSE(c->default_priority);
  EXPECT_TRUE(c->first_object);
}

// draft-18 §11.3.1: 0x00..0x0F and 0x20..0x2F, less STATUS with END_OF_GROUP.
bool draft_valid_datagram(std::uint64_t t) {
  const bool in_range = t <= 0x0F || (t >= 0x20 && t <= 0x2F);
  return in_range && !((t & 0x20) && (t & 0x02));
}

TEST(DataStreamType, DatagramTypesMatchTheDraftList) {
  for (Version v : kSupportedVersions) {
    int valid = 0;
    for (std::uint64_t t = 0; t < 0x200; ++t) {
      auto bits = decode_datagram_type(t, v);
      ASSERT_EQ(bits.ok(), draft_valid_datagram(t)) << std::hex << t;
      if (!bits) {
        EXPECT_EQ(bits.error().code, Errc::kProtocolViolation);
        continue;
      }
      ++valid;
      EXPECT_EQ(encode_datagram_type(*bits), t);
    }
    EXPECT_EQ(valid, 16 + 8);
  }
}

TEST(DataStreamType, ClassifiesStreams) {
  EXPECT_EQ(*classify_uni_stream(0x05), UniStreamKind::kFetch);
  EXPECT_EQ(*classify_uni_stream(0x2F00), UniStreamKind::kSetup);
  EXPECT_EQ(*classify_uni_stream(0x132B3E28), UniStreamKind::kPadding);
  EXPECT_EQ(*classify_uni_stream(0x14), UniStreamKind::kSubgroup);
  EXPECT_EQ(*classify_uni_stream(0x16), UniStreamKind::kSubgroup);  // classified; header decode rejects
  EXPECT_EQ(classify_uni_stream(0x06).error().code, Errc::kUnknownMessage);
  EXPECT_EQ(classify_uni_stream(0x94).error().code, Errc::kUnknownMessage);
}

TEST(DataStreamType, ClassifiesDatagrams) {
  for (Version v : kSupportedVersions) {
    EXPECT_EQ(*classify_datagram(0x00, v), DatagramKind::kObject);
    EXPECT_EQ(*classify_datagram(0x2D, v), DatagramKind::kObject);
    EXPECT_EQ(*classify_datagram(0x132B3E29, v), DatagramKind::kPadding);
    EXPECT_FALSE(classify_datagram(0x22, v));
    EXPECT_FALSE(classify_datagram(0x10, v));
  }
}

TEST(DataStreamType, PaddingTypesEncodeInFiveBytes) {
  // 0x132B3E28 needs 29 bits: the 5-byte form, prefix 0b11110 and 35 value bits.
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.varint(kPaddingStreamType);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0xF0, 0x13, 0x2B, 0x3E, 0x28}));
}

}  // namespace
}  // namespace kinetic::wire
