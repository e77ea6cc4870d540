#include "kinetic/wire/data_subgroup.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes text(std::string_view s) { return {s.begin(), s.end()}; }
std::span<const std::uint8_t> span_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// draft-18 §11.6 "Examples", first: Type 0x14 (explicit subgroup ID, priority present),
// Track Alias 2, Group 0, Subgroup 0, Priority 0; objects 0 "abcd" and 1 "efgh".
const Bytes kExampleOne = concat({
    {0x14, 0x02, 0x00, 0x00, 0x00},  // type, alias, group, subgroup, priority
    {0x00, 0x04},                    // object ID delta 0 (ID 0), length 4
    text("abcd"),
    {0x00, 0x04},  // delta 0 after ID 0 -> ID 1
    text("efgh"),
});

// The draft's second example: Type 0x35 (properties, explicit subgroup ID, default priority).
// The draft's "Properties Length = 33" and "Length = 21" do not match its own 14-byte value;
// this vector uses the lengths the value actually needs.
const Bytes kExampleTwo = concat({
    {0x35, 0x02, 0x00, 0x00},              // type, alias 2, group 0, subgroup 0
    {0x00},                                // object ID delta 0 (ID 0)
    {0x16},                                // properties length 22
    {0x04, 0xF0, 0x82, 0x57, 0xDC, 0xD3},  // type 4, 2186796243 in the 5-byte varint form
    {0x49, 0x0E},                          // type 4 + 73 = 77 (odd), length 14
    text("traceID:123456"),
    {0x04},  // payload length 4
    text("abcd"),
    {0x00, 0x00, 0x04},  // delta 0 (ID 1), no properties, length 4
    text("efgh"),
});

TEST(DataSubgroup, DecodesDraftExampleOne) {
  auto d = decode_subgroup_stream(SharedBytes(kExampleOne), Version::kDraft18);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->header.track_alias, 2u);
  EXPECT_EQ(d->header.group_id, 0u);
  EXPECT_EQ(d->header.id_mode, SubgroupIdMode::kExplicit);
  EXPECT_EQ(d->header.publisher_priority, std::optional<std::uint8_t>(0));
  ASSERT_EQ(d->objects.size(), 2u);
  EXPECT_EQ(d->objects[0].object_id, 0u);
  EXPECT_EQ(d->objects[1].object_id, 1u);
  EXPECT_EQ(d->objects[1].payload, SharedBytes::copy("efgh"));
  EXPECT_EQ(d->objects[1].publisher_priority, std::optional<std::uint8_t>(0));
}

TEST(DataSubgroup, EncodesDraftExampleOne) {
  SubgroupHeader h{.track_alias = 2,
                   .group_id = 0,
                   .id_mode = SubgroupIdMode::kExplicit,
                   .subgroup_id = 0,
                   .publisher_priority = 0};
  Bytes out;
  ByteWriter w(out);
  write_subgroup_header(w, h);
  EXPECT_EQ(out.size(), subgroup_header_size(h));
  SubgroupObjectWriter ow(h);
  ASSERT_TRUE(ow.write_object(w, 0, {}, ObjectStatus::kNormal, span_of("abcd")));
  ASSERT_TRUE(ow.write_object(w, 1, {}, ObjectStatus::kNormal, span_of("efgh")));
  EXPECT_EQ(out, kExampleOne);
}

TEST(DataSubgroup, ExampleTwoWithPropertiesBothWays) {
  auto d = decode_subgroup_stream(SharedBytes(kExampleTwo), Version::kDraft18);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_TRUE(d->header.properties);
  EXPECT_FALSE(d->header.publisher_priority.has_value());
  ASSERT_EQ(d->objects.size(), 2u);
  const KeyValueList props = {KeyValuePair::varint(4, 2186796243ull),
                              KeyValuePair::blob(77, "traceID:123456")};
  EXPECT_EQ(d->objects[0].properties, props);
  EXPECT_TRUE(d->objects[1].properties.empty());

  Bytes out;
  ByteWriter w(out);
  write_subgroup_header(w, d->header);
  SubgroupObjectWriter ow(d->header);
  ASSERT_TRUE(ow.write_object(w, 0, props, ObjectStatus::kNormal, span_of("abcd")));
  ASSERT_TRUE(ow.write_object(w, 1, {}, ObjectStatus::kNormal, span_of("efgh")));
  EXPECT_EQ(out, kExampleTwo);
}

TEST(DataSubgroup, AnObjectPropertyOver65535BytesIsRefusedBeforeAnythingIsWritten) {
  SubgroupHeader h;
  h.properties = true;
  SubgroupObjectWriter ow(h);
  Bytes out;
  ByteWriter w(out);
  const KeyValueList props = {KeyValuePair::blob(77, std::string(kMaxKeyValueBytes + 1, 'x'))};
  auto st = ow.write_object(w, 0, props, ObjectStatus::kNormal, span_of("abcd"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(out.empty());
  // The stream goes on: the refused object took no ID.
  EXPECT_TRUE(ow.write_object(w, 0, {KeyValuePair::blob(77, "ok")}, ObjectStatus::kNormal, span_of("abcd")));
}

TEST(DataSubgroup, HeaderVectorPerIdMode) {
  struct Case {
    SubgroupIdMode mode;
    Bytes bytes;
  };
  const std::vector<Case> cases = {
      // 0x10: id mode 0b00, subgroup ID absent (0); alias 5, group 9, priority 0x80.
      {SubgroupIdMode::kZero, {0x10, 0x05, 0x09, 0x80}},
      // 0x12: id mode 0b01, subgroup ID absent (the first object's ID).
      {SubgroupIdMode::kFirstObjectId, {0x12, 0x05, 0x09, 0x80}},
      // 0x14: id mode 0b10, subgroup ID 300 in two bytes (0x80 | 300 >> 8, 300 & 0xff).
      {SubgroupIdMode::kExplicit, {0x14, 0x05, 0x09, 0x81, 0x2C, 0x80}},
  };
  for (const auto& c : cases) {
    SubgroupHeader h{.track_alias = 5,
                     .group_id = 9,
                     .id_mode = c.mode,
                     .subgroup_id = c.mode == SubgroupIdMode::kExplicit ? 300u : 0u,
                     .publisher_priority = 0x80};
    Bytes out;
    ByteWriter w(out);
    write_subgroup_header(w, h);
    EXPECT_EQ(out, c.bytes);
    ByteReader r(c.bytes);
    auto back = read_subgroup_header(r, Version::kDraft18);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, h);
    EXPECT_TRUE(r.empty());
  }
}

TEST(DataSubgroup, FirstObjectIdModeResolvesSubgroup) {
  // Type 0x12, alias 1, group 2, priority 3; first object ID 7 (delta 7), then ID 8.
  const Bytes stream = concat({{0x12, 0x01, 0x02, 0x03}, {0x07, 0x01, 0xAA}, {0x00, 0x01, 0xBB}});
  auto d = decode_subgroup_stream(SharedBytes(stream), Version::kDraft18);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->header.subgroup_id, 7u);
  ASSERT_EQ(d->objects.size(), 2u);
  EXPECT_EQ(d->objects[0].subgroup_id, 7u);
  EXPECT_EQ(d->objects[1].object_id, 8u);

  SubgroupHeader h{.id_mode = SubgroupIdMode::kFirstObjectId, .subgroup_id = 7};
  Bytes out;
  ByteWriter w(out);
  SubgroupObjectWriter ow(h);
  EXPECT_EQ(ow.write_object(w, 6, {}, ObjectStatus::kNormal, span_of("x")).error().code, Errc::kInvalidValue);
  EXPECT_TRUE(ow.write_object(w, 7, {}, ObjectStatus::kNormal, span_of("x")));
}

TEST(DataSubgroup, ObjectWithStatusVector) {
  // Type 0x18 (END_OF_GROUP, id mode zero, priority present), alias 1, group 4, priority 2;
  // object 0 "hi", then object 5 (delta 4) with payload length 0 and status 0x3 End of Group.
  const Bytes stream = concat({{0x18, 0x01, 0x04, 0x02}, {0x00, 0x02}, text("hi"), {0x04, 0x00, 0x03}});
  auto d = decode_subgroup_stream(SharedBytes(stream), Version::kDraft18);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_TRUE(d->header.end_of_group);
  ASSERT_EQ(d->objects.size(), 2u);
  EXPECT_EQ(d->objects[1].object_id, 5u);
  EXPECT_EQ(d->objects[1].status, ObjectStatus::kEndOfGroup);
  EXPECT_TRUE(d->objects[1].payload.empty());

  Bytes out;
  ByteWriter w(out);
  write_subgroup_header(w, d->header);
  SubgroupObjectWriter ow(d->header);
  ASSERT_TRUE(ow.write_object(w, 0, {}, ObjectStatus::kNormal, span_of("hi")));
  ASSERT_TRUE(ow.write_object(w, 5, {}, ObjectStatus::kEndOfGroup, {}));
  EXPECT_EQ(out, stream);
}

TEST(DataSubgroup, EmptyNormalObjectCarriesExplicitStatus) {
  SubgroupHeader h{.id_mode = SubgroupIdMode::kZero, .publisher_priority = 1};
  Bytes out;
  ByteWriter w(out);
  SubgroupObjectWriter ow(h);
  ASSERT_TRUE(ow.write_object(w, 0, {}, ObjectStatus::kNormal, {}));
  EXPECT_EQ(out, (Bytes{0x00, 0x00, 0x00}));  // delta 0, length 0, status Normal
}

TEST(DataSubgroup, RoundTripsEveryHeaderType) {
  for (Version v : kSupportedVersions)
    for (std::uint64_t t = 0x10; t < 0x80; ++t) {
      auto bits = decode_subgroup_type(t, v);
      if (!bits) continue;
      SubgroupHeader h;
      h.track_alias = 0x1234;
      h.group_id = 1ull << 40;
      h.id_mode = bits->id_mode;
      h.subgroup_id = bits->id_mode == SubgroupIdMode::kExplicit ? 77 : 0;
      if (bits->id_mode == SubgroupIdMode::kFirstObjectId) h.subgroup_id = 3;
      if (!bits->default_priority) h.publisher_priority = 200;
      h.properties = bits->properties;
      h.end_of_group = bits->end_of_group;
      h.first_object = bits->first_object;
      ASSERT_EQ(h.type_bits(), *bits);

      Bytes out;
      ByteWriter w(out);
      write_subgroup_header(w, h);
      ASSERT_EQ(out[0], t);
      SubgroupObjectWriter ow(h);
      KeyValueList props;
      if (h.properties) props = {KeyValuePair::varint(0x3C, 1), KeyValuePair::blob(0x3801, "app")};
      ASSERT_TRUE(ow.write_object(w, 3, props, ObjectStatus::kNormal, span_of("payload")));
      ASSERT_TRUE(ow.write_object(w, 9, {}, ObjectStatus::kNormal, span_of("more")));
      ASSERT_TRUE(ow.write_object(w, 10, {}, ObjectStatus::kEndOfTrack, {}));

      auto d = decode_subgroup_stream(SharedBytes(out), v);
      ASSERT_TRUE(d) << std::hex << t << " " << d.error().what;
      EXPECT_EQ(d->header, h) << std::hex << t;
      ASSERT_EQ(d->objects.size(), 3u);
      EXPECT_EQ(d->objects[0].properties, props);
      EXPECT_EQ(d->objects[1].object_id, 9u);
      EXPECT_EQ(d->objects[2].status, ObjectStatus::kEndOfTrack);
      EXPECT_EQ(d->objects[0].publisher_priority, h.publisher_priority);
    }
}

TEST(DataSubgroup, WriterRejectsBrokenRules) {
  SubgroupHeader h{.id_mode = SubgroupIdMode::kZero};
  Bytes out;
  ByteWriter w(out);
  SubgroupObjectWriter ow(h);
  const KeyValueList props = {KeyValuePair::varint(2, 1)};
  EXPECT_EQ(ow.write_object_head(w, 0, props, ObjectStatus::kNormal, 1).error().code, Errc::kInvalidValue);
  EXPECT_EQ(ow.write_object_head(w, 0, {}, ObjectStatus::kEndOfGroup, 1).error().code, Errc::kInvalidValue);
  ASSERT_TRUE(ow.write_object_head(w, 4, {}, ObjectStatus::kNormal, 1));
  EXPECT_EQ(ow.write_object_head(w, 4, {}, ObjectStatus::kNormal, 1).error().code, Errc::kInvalidValue);
  ASSERT_TRUE(ow.write_object_head(w, 5, {}, ObjectStatus::kEndOfGroup, 0));
  EXPECT_EQ(ow.write_object_head(w, 6, {}, ObjectStatus::kNormal, 1).error().code, Errc::kInvalidValue);
  EXPECT_TRUE(out.empty() == false);

  SubgroupHeader hp{.id_mode = SubgroupIdMode::kZero, .properties = true};
  SubgroupObjectWriter owp(hp);
  EXPECT_EQ(owp.write_object_head(w, 0, props, ObjectStatus::kEndOfTrack, 0).error().code,
            Errc::kInvalidValue);
}

Result<DecodedSubgroup> decode(const Bytes& b, DataLimits limits = {}) {
  return decode_subgroup_stream(SharedBytes(b), Version::kDraft20, limits);
}

TEST(DataSubgroup, ReaderRejectsProtocolViolations) {
  // Reserved id mode.
  EXPECT_EQ(decode({0x16, 0x01, 0x02, 0x03}).error().code, Errc::kProtocolViolation);
  // Unknown status 0x1.
  EXPECT_EQ(decode({0x10, 0x01, 0x02, 0x03, 0x00, 0x00, 0x01}).error().code, Errc::kProtocolViolation);
  // End of Track status with properties (type 0x11: properties present).
  EXPECT_EQ(decode({0x11, 0x01, 0x02, 0x03, 0x00, 0x02, 0x02, 0x05, 0x00, 0x04}).error().code,
            Errc::kProtocolViolation);
  // An object after End of Group.
  EXPECT_EQ(decode({0x10, 0x01, 0x02, 0x03, 0x00, 0x00, 0x03, 0x00, 0x01, 0xAA}).error().code,
            Errc::kProtocolViolation);
  // Object ID overflow: first ID 2^64-1 (9-byte varint), then delta 0.
  EXPECT_EQ(decode({0x10, 0x01, 0x02, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0xAA,
                    0x00, 0x01, 0xBB})
                .error()
                .code,
            Errc::kProtocolViolation);
  // A property pair that overruns its Properties field.
  EXPECT_EQ(decode({0x11, 0x01, 0x02, 0x03, 0x00, 0x02, 0x01, 0x05, 0x01, 0xAA}).error().code,
            Errc::kProtocolViolation);
}

TEST(DataSubgroup, LimitsAreCheckedBeforeTheBytesArrive) {
  DataLimits limits{.max_payload_bytes = 1000, .max_property_bytes = 10};
  // Payload length 0x3FFF (two-byte varint) with no payload bytes present: limit, not "need more".
  EXPECT_EQ(decode({0x10, 0x01, 0x02, 0x03, 0x00, 0xBF, 0xFF}, limits).error().code, Errc::kLimitExceeded);
  // Properties length 11 with nothing after it.
  EXPECT_EQ(decode({0x11, 0x01, 0x02, 0x03, 0x00, 0x0B}, limits).error().code, Errc::kLimitExceeded);
  // At the limit it is only short of bytes.
  EXPECT_EQ(decode({0x11, 0x01, 0x02, 0x03, 0x00, 0x0A}, limits).error().code, Errc::kNeedMoreBytes);
}

TEST(DataSubgroup, DecodedPayloadsAreSlicesOfTheInput) {
  const SharedBytes input(kExampleOne);
  auto d = decode_subgroup_stream(input, Version::kDraft18);
  ASSERT_TRUE(d);
  for (const auto& o : d->objects) {
    EXPECT_GE(o.payload.data(), input.data());
    EXPECT_LE(o.payload.data() + o.payload.size(), input.data() + input.size());
  }
  EXPECT_EQ(input.use_count(), 3);  // the input and the two payload slices share one buffer
}

TEST(DataSubgroup, HeadOnlyWritingLeavesPayloadToTheCaller) {
  SubgroupHeader h{.id_mode = SubgroupIdMode::kZero, .publisher_priority = 0};
  Bytes out;
  ByteWriter w(out);
  SubgroupObjectWriter ow(h);
  ASSERT_TRUE(ow.write_object_head(w, 0, {}, ObjectStatus::kNormal, 1200));
  EXPECT_EQ(out, (Bytes{0x00, 0x84, 0xB0}));  // delta 0, length 1200 in two bytes, no payload
}

TEST(DataSubgroup, EveryTruncationNeedsMoreBytes) {
  for (std::size_t n = 0; n < kExampleTwo.size(); ++n) {
    ByteReader r(std::span<const std::uint8_t>(kExampleTwo.data(), n));
    auto h = read_subgroup_header(r, Version::kDraft18);
    if (!h) {
      EXPECT_EQ(h.error().code, Errc::kNeedMoreBytes) << n;
      continue;
    }
    SubgroupObjectReader reader(*h);
    while (!r.empty()) {
      auto o = reader.read_object(r);
      if (!o) {
        EXPECT_EQ(o.error().code, Errc::kNeedMoreBytes) << n;
        break;
      }
    }
  }
}

}  // namespace
}  // namespace kinetic::wire
