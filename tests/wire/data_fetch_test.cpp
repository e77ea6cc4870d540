#include "kinetic/wire/data_fetch.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
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

FetchObjectHead object_head(std::uint64_t g, std::uint64_t sg, std::uint64_t o, std::uint8_t prio,
                            KeyValueList props = {}) {
  FetchObjectHead h;
  h.group_id = g;
  h.subgroup_id = sg;
  h.object_id = o;
  h.publisher_priority = prio;
  h.properties = std::move(props);
  return h;
}

// A FETCH stream exercising each flag (draft-18 §11.4.4), ascending group order.
const Bytes kFetchStream = concat({
    {0x05, 0x07},  // FETCH_HEADER, Request ID 7
    // {3, sg 0, 0} prio 0x40 "ab": flags 0x1C = group delta | object delta | priority,
    // subgroup bits 00 (zero). The first object's deltas are absolute.
    {0x1C, 0x03, 0x00, 0x40, 0x02},
    text("ab"),
    // {3, sg 0, 1} same priority "c": flags 0x00 (same group, next object, subgroup zero).
    {0x00, 0x01},
    text("c"),
    // {5, sg 2, 0} properties {0x3C: 1}, empty payload: flags 0x2F = properties | group delta |
    // object delta | subgroup present. Group delta 1 (5 = 3 + 1 + 1), subgroup 2, object 0.
    {0x2F, 0x01, 0x02, 0x00, 0x02, 0x3C, 0x01, 0x00},
    // {5, sg 3, 1} prio 0x10 "z": flags 0x12 = priority | subgroup prior + 1.
    {0x12, 0x10, 0x01},
    text("z"),
    // End of Unknown Range through {7, 4}: 0x10C as a 2-byte varint, absolute group and object.
    {0x81, 0x0C, 0x07, 0x04},
    // {7, datagram, 5} "d": flags 0x40 (datagram; object follows the marker; priority as before).
    {0x40, 0x01},
    text("d"),
    // End of Non-Existent Range through {9, 0}: 0x8C as a 2-byte varint.
    {0x80, 0x8C, 0x09, 0x00},
});

TEST(DataFetch, DecodesHandCheckedStream) {
  auto d = decode_fetch_stream(SharedBytes(kFetchStream), Version::kDraft18);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->header.request_id, 7u);
  ASSERT_EQ(d->entries.size(), 7u);
  const auto& e = d->entries;
  EXPECT_EQ(e[0].object.location(), (Location{3, 0}));
  EXPECT_EQ(e[0].object.publisher_priority, std::optional<std::uint8_t>(0x40));
  EXPECT_EQ(e[0].object.payload, SharedBytes::copy("ab"));
  EXPECT_EQ(e[1].object.location(), (Location{3, 1}));
  EXPECT_EQ(e[1].object.publisher_priority, std::optional<std::uint8_t>(0x40));
  EXPECT_EQ(e[2].object.location(), (Location{5, 0}));
  EXPECT_EQ(e[2].object.subgroup_id, 2u);
  EXPECT_EQ(e[2].object.properties, (KeyValueList{KeyValuePair::varint(0x3C, 1)}));
  EXPECT_TRUE(e[2].object.payload.empty());
  EXPECT_EQ(e[3].object.location(), (Location{5, 1}));
  EXPECT_EQ(e[3].object.subgroup_id, 3u);
  EXPECT_EQ(e[3].object.publisher_priority, std::optional<std::uint8_t>(0x10));
  EXPECT_EQ(e[4].kind, FetchEntryKind::kEndOfUnknownRange);
  EXPECT_EQ(e[4].object.location(), (Location{7, 4}));
  EXPECT_EQ(e[5].object.location(), (Location{7, 5}));
  EXPECT_EQ(e[5].object.forwarding, ForwardingPreference::kDatagram);
  EXPECT_EQ(e[5].object.publisher_priority, std::optional<std::uint8_t>(0x10));
  EXPECT_EQ(e[6].kind, FetchEntryKind::kEndOfNonExistentRange);
  EXPECT_EQ(e[6].object.location(), (Location{9, 0}));
}

TEST(DataFetch, EncodesHandCheckedStream) {
  Bytes out;
  ByteWriter w(out);
  write_fetch_header(w, {7});
  FetchObjectWriter fw(Version::kDraft18);
  auto put = [&](FetchObjectHead h, std::string_view payload) {
    ASSERT_TRUE(fw.write_object(w, std::move(h),
                                {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}));
  };
  put(object_head(3, 0, 0, 0x40), "ab");
  put(object_head(3, 0, 1, 0x40), "c");
  put(object_head(5, 2, 0, 0x40, {KeyValuePair::varint(0x3C, 1)}), "");
  put(object_head(5, 3, 1, 0x10), "z");
  ASSERT_TRUE(fw.write_end_of_range(w, FetchEntryKind::kEndOfUnknownRange, {7, 4}));
  auto dg = object_head(7, 0, 5, 0x10);
  dg.forwarding = ForwardingPreference::kDatagram;
  put(dg, "d");
  ASSERT_TRUE(fw.write_end_of_range(w, FetchEntryKind::kEndOfNonExistentRange, {9, 0}));
  EXPECT_EQ(out, kFetchStream);
}

TEST(DataFetch, AnObjectPropertyOver65535BytesIsRefusedBeforeAnythingIsWritten) {
  Bytes out;
  ByteWriter w(out);
  FetchObjectWriter fw(Version::kDraft18);
  auto st = fw.write_object(
      w, object_head(3, 0, 0, 0x40, {KeyValuePair::blob(5, std::string(kMaxKeyValueBytes + 1, 'x'))}), {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(out.empty());
  // Nothing was recorded as written: the same location is still the stream's first.
  EXPECT_TRUE(fw.write_object(w, object_head(3, 0, 0, 0x40), {}));
}

TEST(DataFetch, TimedOutRangeIsDraft20Only) {
  const Bytes stream = {0x05, 0x01, 0x82, 0x0C, 0x02, 0x03};  // 0x20C through {2, 3}
  EXPECT_EQ(decode_fetch_stream(SharedBytes(stream), Version::kDraft18).error().code,
            Errc::kProtocolViolation);
  auto d = decode_fetch_stream(SharedBytes(stream), Version::kDraft20);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->entries.at(0).kind, FetchEntryKind::kEndOfTimedOutRange);

  Bytes out;
  ByteWriter w(out);
  FetchObjectWriter f18(Version::kDraft18);
  EXPECT_EQ(f18.write_end_of_range(w, FetchEntryKind::kEndOfTimedOutRange, {2, 3}).error().code,
            Errc::kVersionMismatch);
  FetchObjectWriter f20(Version::kDraft20);
  ASSERT_TRUE(f20.write_end_of_range(w, FetchEntryKind::kEndOfTimedOutRange, {2, 3}));
  EXPECT_EQ(out, (Bytes{0x82, 0x0C, 0x02, 0x03}));
}

TEST(DataFetch, DescendingGroupsSubtractTheDelta) {
  // {10, 0} then {8, 0}: flags 0x1C then 0x0C with group delta 1 (8 = 10 - 1 - 1), object 0.
  const Bytes stream = {0x05, 0x00, 0x1C, 0x0A, 0x00, 0x01, 0x00, 0x0C, 0x01, 0x00, 0x00};
  auto d = decode_fetch_stream(SharedBytes(stream), Version::kDraft18, GroupOrder::kDescending);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->entries.at(1).object.location(), (Location{8, 0}));
  // Read as ascending, the same delta means group 12.
  auto a = decode_fetch_stream(SharedBytes(stream), Version::kDraft18, GroupOrder::kAscending);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->entries.at(1).object.location(), (Location{12, 0}));
  // Below group 0 is a violation: {0, 0} then delta 0 descending.
  const Bytes under = {0x05, 0x00, 0x1C, 0x00, 0x00, 0x01, 0x00, 0x0C, 0x00, 0x00, 0x00};
  EXPECT_EQ(decode_fetch_stream(SharedBytes(under), Version::kDraft18, GroupOrder::kDescending).error().code,
            Errc::kProtocolViolation);

  Bytes out;
  ByteWriter w(out);
  FetchObjectWriter fw(Version::kDraft18, GroupOrder::kDescending);
  ASSERT_TRUE(fw.write_object_head(w, object_head(10, 0, 0, 1)));
  EXPECT_EQ(fw.write_object_head(w, object_head(11, 0, 0, 1)).error().code, Errc::kInvalidValue);
}

TEST(DataFetch, PriorReferencesWithoutAPriorAreViolations) {
  auto code = [](Bytes objects) {
    Bytes s = concat({{0x05, 0x00}, std::move(objects)});
    return decode_fetch_stream(SharedBytes(s), Version::kDraft20).error().code;
  };
  EXPECT_EQ(code({0x14, 0x00, 0x01, 0x00}), Errc::kProtocolViolation);        // no group delta
  EXPECT_EQ(code({0x18, 0x00, 0x01, 0x00}), Errc::kProtocolViolation);        // no object delta
  EXPECT_EQ(code({0x1D, 0x00, 0x00, 0x01, 0x00}), Errc::kProtocolViolation);  // prior subgroup
  EXPECT_EQ(code({0x0C, 0x00, 0x00, 0x00}), Errc::kProtocolViolation);        // prior priority
  // After an End of Range, location references work but subgroup/priority ones still fail.
  const Bytes after_marker = {0x05, 0x00, 0x80, 0x8C, 0x01, 0x01, 0x10, 0x05, 0x00};
  auto ok = decode_fetch_stream(SharedBytes(after_marker), Version::kDraft20);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->entries.at(1).object.location(), (Location{1, 2}));  // the object after {1, 1}
  EXPECT_EQ(code({0x80, 0x8C, 0x01, 0x01, 0x00, 0x00}), Errc::kProtocolViolation);
  // Unknown flags of two bytes.
  EXPECT_EQ(code({0x80, 0x80, 0x00, 0x00}), Errc::kProtocolViolation);
}

TEST(DataFetch, PriorSubgroupAfterADatagramIsAViolation) {
  // {1, sg 4, 0} then a datagram {1, 1}, then "prior subgroup" {1, 2}.
  const Bytes s = {0x05, 0x00, 0x1F, 0x01, 0x04, 0x00, 0x00, 0x00, 0x40, 0x00, 0x01, 0x00};
  EXPECT_EQ(decode_fetch_stream(SharedBytes(s), Version::kDraft18).error().code, Errc::kProtocolViolation);
}

TEST(DataFetch, RandomSequencesRoundTrip) {
  std::mt19937_64 rng(12345);
  for (Version v : {Version::kDraft18, Version::kDraft20}) {
    for (GroupOrder order : {GroupOrder::kAscending, GroupOrder::kDescending}) {
      Bytes out;
      ByteWriter w(out);
      write_fetch_header(w, {99});
      FetchObjectWriter fw(v, order);
      std::vector<FetchEntry> expected;
      std::uint64_t group = order == GroupOrder::kAscending ? 0 : 100000;
      std::uint64_t object = 0;
      for (int i = 0; i < 400; ++i) {
        const auto r = rng();
        if (r % 5 == 0) {
          group = order == GroupOrder::kAscending ? group + 1 + (r >> 8) % 3 : group - 1 - (r >> 8) % 3;
          object = (r >> 16) % 4;
        } else {
          object += 1 + ((r >> 8) % 4 == 0 ? (r >> 12) % 50 : 0);
        }
        if (r % 17 == 0) {
          const auto kind = (r >> 20) % 2 == 0 ? FetchEntryKind::kEndOfNonExistentRange
                                               : FetchEntryKind::kEndOfUnknownRange;
          ASSERT_TRUE(fw.write_end_of_range(w, kind, {group, object}));
          FetchEntry e;
          e.kind = kind;
          e.object.group_id = group;
          e.object.object_id = object;
          expected.push_back(e);
          continue;
        }
        FetchObjectHead h =
            object_head(group, (r >> 24) % 4, object, static_cast<std::uint8_t>((r >> 30) % 3));
        if ((r >> 40) % 7 == 0) h.forwarding = ForwardingPreference::kDatagram;
        if ((r >> 44) % 5 == 0) h.properties = {KeyValuePair::varint(0x3E, 1)};
        const Bytes payload((r >> 48) % 20, static_cast<std::uint8_t>(i));
        ASSERT_TRUE(fw.write_object(w, h, payload));
        FetchEntry e;
        h.payload_length = payload.size();
        e.object = FetchObjectReader::to_object(h, SharedBytes(payload));
        if (h.forwarding == ForwardingPreference::kDatagram) e.object.subgroup_id = h.subgroup_id;
        expected.push_back(e);
      }
      auto d = decode_fetch_stream(SharedBytes(out), v, order);
      ASSERT_TRUE(d) << d.error().what;
      ASSERT_EQ(d->entries.size(), expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        auto got = d->entries[i];
        if (got.object.forwarding == ForwardingPreference::kDatagram)
          got.object.subgroup_id = expected[i].object.subgroup_id;
        EXPECT_EQ(got, expected[i]) << i;
      }
    }
  }
}

TEST(DataFetch, EveryTruncationNeedsMoreBytes) {
  for (std::size_t n = 0; n < kFetchStream.size(); ++n) {
    ByteReader r(std::span<const std::uint8_t>(kFetchStream.data(), n));
    auto h = read_fetch_header(r);
    if (!h) {
      EXPECT_EQ(h.error().code, Errc::kNeedMoreBytes);
      continue;
    }
    FetchObjectReader reader(Version::kDraft18);
    while (!r.empty()) {
      auto o = reader.read_object(r);
      if (!o) {
        EXPECT_EQ(o.error().code, Errc::kNeedMoreBytes) << n;
        break;
      }
    }
  }
}

TEST(DataFetch, HeadForACachedObject) {
  Object o;
  o.group_id = 6;
  o.subgroup_id = 2;
  o.object_id = 1;
  o.properties = {KeyValuePair::varint(0x3E, 1)};
  o.payload = SharedBytes::copy("xyz");
  Bytes out;
  ByteWriter w(out);
  write_fetch_header(w, {0});
  FetchObjectWriter fw(Version::kDraft20);
  ASSERT_TRUE(fw.write_object(w, fetch_head_for(o), o.payload));
  auto d = decode_fetch_stream(SharedBytes(out), Version::kDraft20);
  ASSERT_TRUE(d);
  o.publisher_priority = kDefaultPublisherPriority;
  EXPECT_EQ(d->entries.at(0).object, o);
}

TEST(DataFetch, PayloadLimitIsCheckedFirst) {
  const Bytes s = {0x05, 0x00, 0x1C, 0x00, 0x00, 0x00, 0xBF, 0xFF};  // length 16383, no bytes
  EXPECT_EQ(decode_fetch_stream(SharedBytes(s), Version::kDraft18, GroupOrder::kAscending,
                                {.max_payload_bytes = 100})
                .error()
                .code,
            Errc::kLimitExceeded);
}

}  // namespace
}  // namespace kinetic::wire
