#include "kinetic/wire/data_datagram.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Vector {
  const char* what;
  Bytes bytes;
  ObjectDatagramHead head;
  Bytes payload;
};

// One vector per type bit of OBJECT_DATAGRAM (draft-18 §11.3.1), Track Alias 1, Group 2.
std::vector<Vector> vectors() {
  const KeyValueList gap = {KeyValuePair::varint(0x3C, 1)};
  return {
      {"0x00: object ID 3, priority 0x80, payload",
       {0x00, 0x01, 0x02, 0x03, 0x80, 'h', 'i'},
       {.track_alias = 1, .group_id = 2, .object_id = 3, .publisher_priority = 0x80},
       {'h', 'i'}},
      {"0x01: properties {0x3C: 1} (length 2)",
       {0x01, 0x01, 0x02, 0x03, 0x80, 0x02, 0x3C, 0x01, 'h', 'i'},
       {.track_alias = 1, .group_id = 2, .object_id = 3, .publisher_priority = 0x80, .properties = gap},
       {'h', 'i'}},
      {"0x02: end of group",
       {0x02, 0x01, 0x02, 0x03, 0x80, 'h', 'i'},
       {.track_alias = 1, .group_id = 2, .object_id = 3, .publisher_priority = 0x80, .end_of_group = true},
       {'h', 'i'}},
      {"0x04: object ID omitted (0)",
       {0x04, 0x01, 0x02, 0x80, 'h', 'i'},
       {.track_alias = 1, .group_id = 2, .object_id = 0, .publisher_priority = 0x80},
       {'h', 'i'}},
      {"0x08: priority omitted",
       {0x08, 0x01, 0x02, 0x03, 'h', 'i'},
       {.track_alias = 1, .group_id = 2, .object_id = 3},
       {'h', 'i'}},
      {"0x20: status End of Track, no payload",
       {0x20, 0x01, 0x02, 0x03, 0x80, 0x04},
       {.track_alias = 1,
        .group_id = 2,
        .object_id = 3,
        .publisher_priority = 0x80,
        .status = ObjectStatus::kEndOfTrack},
       {}},
      {"0x2D: status Normal with properties, object 0, default priority",
       {0x2D, 0x01, 0x02, 0x02, 0x3C, 0x01, 0x00},
       {.track_alias = 1, .group_id = 2, .object_id = 0, .properties = gap, .status = ObjectStatus::kNormal},
       {}},
  };
}

TEST(DataDatagram, HandCheckedVectors) {
  for (const auto& v : vectors()) {
    auto got = read_object_datagram(v.bytes, Version::kDraft18);
    ASSERT_TRUE(got) << v.what << ": " << got.error().what;
    EXPECT_EQ(got->head, v.head) << v.what;
    EXPECT_EQ(Bytes(got->payload.begin(), got->payload.end()), v.payload) << v.what;

    Bytes out;
    ByteWriter w(out);
    ASSERT_TRUE(write_object_datagram(w, v.head, v.payload)) << v.what;
    EXPECT_EQ(out, v.bytes) << v.what;
    EXPECT_EQ(object_datagram_head_size(v.head), v.bytes.size() - v.payload.size()) << v.what;
  }
}

TEST(DataDatagram, RoundTripsEveryValidType) {
  for (Version v : kSupportedVersions) {
    int count = 0;
    for (std::uint64_t t = 0; t < 0x40; ++t) {
      auto bits = decode_datagram_type(t, v);
      if (!bits) continue;
      ++count;
      ObjectDatagramHead h;
      h.track_alias = 300;
      h.group_id = 1ull << 33;
      h.object_id = bits->zero_object_id ? 0 : 17;
      if (!bits->default_priority) h.publisher_priority = 7;
      h.end_of_group = bits->end_of_group;
      if (bits->properties) h.properties = {KeyValuePair::blob(0x0D, "cfg")};
      if (bits->status) h.status = bits->properties ? ObjectStatus::kNormal : ObjectStatus::kEndOfGroup;
      const Bytes payload = bits->status ? Bytes{} : Bytes(100, 0xAB);
      ASSERT_EQ(h.type_bits(), *bits);

      Bytes out;
      ByteWriter w(out);
      ASSERT_TRUE(write_object_datagram(w, h, payload));
      ASSERT_EQ(out[0], t);
      const SharedBytes wire(out);
      auto d = decode_object_datagram(wire, v);
      ASSERT_TRUE(d) << std::hex << t << d.error().what;
      EXPECT_EQ(d->track_alias, 300u);
      EXPECT_EQ(d->end_of_group, h.end_of_group);
      EXPECT_EQ(d->object.group_id, h.group_id);
      EXPECT_EQ(d->object.object_id, h.object_id);
      EXPECT_EQ(d->object.publisher_priority, h.publisher_priority);
      EXPECT_EQ(d->object.properties, h.properties);
      EXPECT_EQ(d->object.status, h.status.value_or(ObjectStatus::kNormal));
      EXPECT_EQ(d->object.forwarding, ForwardingPreference::kDatagram);
      EXPECT_EQ(d->object.payload.size(), payload.size());
      if (!payload.empty()) {
        EXPECT_EQ(d->object.payload.data(), wire.data() + (out.size() - payload.size()));
      }
    }
    EXPECT_EQ(count, 24);
  }
}

TEST(DataDatagram, RejectsWhatTheDraftForbids) {
  auto code = [](Bytes b) { return read_object_datagram(b, Version::kDraft20).error().code; };
  EXPECT_EQ(code({0x22, 0x01, 0x02, 0x03, 0x80, 0x03}), Errc::kProtocolViolation);  // STATUS | END_OF_GROUP
  EXPECT_EQ(code({0x10, 0x01, 0x02, 0x03, 0x80}), Errc::kProtocolViolation);        // reserved bit 4
  EXPECT_EQ(code({0x40, 0x01, 0x02, 0x03, 0x80}), Errc::kProtocolViolation);        // unspecified bit
  EXPECT_EQ(code({0x01, 0x01, 0x02, 0x03, 0x80, 0x00, 'x'}), Errc::kProtocolViolation);  // empty properties
  EXPECT_EQ(code({0x21, 0x01, 0x02, 0x03, 0x80, 0x02, 0x3C, 0x01, 0x03}),
            Errc::kProtocolViolation);                                              // EoG + props
  EXPECT_EQ(code({0x20, 0x01, 0x02, 0x03, 0x80, 0x05}), Errc::kProtocolViolation);  // unknown status
  EXPECT_EQ(code({0x20, 0x01, 0x02, 0x03, 0x80, 0x04, 0x00}),
            Errc::kProtocolViolation);                            // bytes after status
  EXPECT_EQ(code({0x00, 0x01, 0x02}), Errc::kProtocolViolation);  // ends inside a field
  EXPECT_EQ(read_object_datagram(Bytes{0x08, 0x01, 0x02, 0x03, 1, 2, 3}, Version::kDraft18,
                                 {.max_payload_bytes = 2})
                .error()
                .code,
            Errc::kLimitExceeded);
}

TEST(DataDatagram, AnObjectPropertyOver65535BytesIsRefusedBeforeAnythingIsWritten) {
  Bytes out;
  ByteWriter w(out);
  ObjectDatagramHead head{.properties = {KeyValuePair::blob(5, std::string(kMaxKeyValueBytes + 1, 'x'))}};
  auto st = write_object_datagram(w, head, {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(out.empty());
}

TEST(DataDatagram, WriterRejectsForbiddenCombinations) {
  Bytes out;
  ByteWriter w(out);
  ObjectDatagramHead eog_status{.end_of_group = true, .status = ObjectStatus::kEndOfTrack};
  EXPECT_EQ(write_object_datagram(w, eog_status, {}).error().code, Errc::kInvalidValue);
  ObjectDatagramHead props_status{.properties = {KeyValuePair::varint(2, 1)},
                                  .status = ObjectStatus::kEndOfGroup};
  EXPECT_EQ(write_object_datagram(w, props_status, {}).error().code, Errc::kInvalidValue);
  const Bytes payload = {1};
  ObjectDatagramHead status_payload{.status = ObjectStatus::kNormal};
  EXPECT_EQ(write_object_datagram(w, status_payload, payload).error().code, Errc::kInvalidValue);
  EXPECT_TRUE(out.empty());
}

TEST(DataDatagram, HeadForAnObject) {
  Object o;
  o.group_id = 4;
  o.object_id = 2;
  o.publisher_priority = 9;
  o.payload = SharedBytes::copy("frame");
  auto h = datagram_head_for(77, o, true);
  EXPECT_FALSE(h.status.has_value());
  Bytes out;
  ByteWriter w(out);
  ASSERT_TRUE(write_object_datagram(w, h, o.payload));
  auto d = decode_object_datagram(SharedBytes(out), Version::kDraft20);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->track_alias, 77u);
  EXPECT_TRUE(d->end_of_group);
  o.forwarding = ForwardingPreference::kDatagram;
  EXPECT_EQ(d->object, o);

  Object end;
  end.group_id = 4;
  end.object_id = 3;
  end.status = ObjectStatus::kEndOfTrack;
  auto s = datagram_head_for(77, end);
  EXPECT_EQ(s.status, std::optional<ObjectStatus>(ObjectStatus::kEndOfTrack));
}

TEST(DataDatagram, EveryTruncationIsAnErrorNotACrash) {
  for (const auto& v : vectors()) {
    for (std::size_t n = 0; n < v.bytes.size(); ++n) {
      auto got = read_object_datagram(std::span<const std::uint8_t>(v.bytes.data(), n), Version::kDraft18);
      if (got) continue;  // a payload-form prefix is a shorter valid datagram
      EXPECT_NE(got.error().code, Errc::kNeedMoreBytes);
    }
  }
}

}  // namespace
}  // namespace kinetic::wire
