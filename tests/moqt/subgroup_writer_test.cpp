#include "kinetic/moqt/subgroup_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_stream.hpp"
#include "kinetic/moqt/data_reader.hpp"
#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/data_subgroup.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt::testing {
namespace {

SharedBytes bytes(std::string_view s) { return SharedBytes::copy(s); }

class SubgroupWriterTest : public ::testing::TestWithParam<wire::Version> {};

TEST_P(SubgroupWriterTest, WhatIsWrittenReadsBack) {
  FakeStream stream;
  {
    SubgroupWriter w(GetParam(), stream, 9, {12, 3, 40, true, true});
    EXPECT_EQ(stream.handler, &w);
    const auto zero = bytes("zero");
    const auto two = bytes("two");
    ASSERT_TRUE(w.write(0, zero, {KeyValuePair::varint(0x40, 1)}));
    ASSERT_TRUE(w.write(2, two));
    // Payloads go by reference: the stream holds the caller's memory, not a copy.
    EXPECT_NE(std::find(stream.shared_data.begin(), stream.shared_data.end(), zero.data()), stream.shared_data.end());
    EXPECT_NE(std::find(stream.shared_data.begin(), stream.shared_data.end(), two.data()), stream.shared_data.end());
    EXPECT_FALSE(w.write(1, bytes("back")));  // IDs ascend
    EXPECT_FALSE(w.write(5, bytes("x"), {}, ObjectStatus::kEndOfGroup));  // status objects carry no payload
    ASSERT_TRUE(w.write(5, {}, {}, ObjectStatus::kEndOfGroup));
    EXPECT_EQ(w.last_object_id(), std::optional<std::uint64_t>(5));
    w.finish();
    EXPECT_FALSE(w.write(6, bytes("late")));
  }
  EXPECT_TRUE(stream.fin_);
  EXPECT_FALSE(stream.reset_code);  // finished writers are not reset when dropped
  // Every piece went as SharedBytes (heads carved from the writer's block): 3 heads, 2 payloads.
  EXPECT_EQ(stream.shared_writes, 5);

  DataStreamReader r(GetParam(), 1 << 20);
  ASSERT_TRUE(r.feed(SharedBytes(stream.bytes)));
  ASSERT_TRUE(r.finish());
  EXPECT_EQ(r.kind(), DataStreamReader::Kind::kSubgroup);
  EXPECT_EQ(r.track_alias(), std::optional<std::uint64_t>(9));
  EXPECT_EQ(r.group_id(), std::optional<std::uint64_t>(12));
  EXPECT_EQ(r.subgroup_id(), std::optional<std::uint64_t>(3));
  Object o;
  ASSERT_TRUE(r.next(o));
  EXPECT_EQ(o.object_id, 0u);
  EXPECT_EQ(o.publisher_priority, 40);
  ASSERT_EQ(o.properties.size(), 1u);
  ASSERT_TRUE(r.next(o));
  EXPECT_EQ(o.object_id, 2u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(o.payload.data()), o.payload.size()), "two");
  ASSERT_TRUE(r.next(o));
  EXPECT_EQ(o.status, ObjectStatus::kEndOfGroup);
  EXPECT_FALSE(r.next(o));
}

// A relay writes a head per object per subscriber: they are carved one after another from a
// shared block, not allocated one by one.
TEST_P(SubgroupWriterTest, ObjectHeadsLieOneAfterAnotherInOneBlock) {
  FakeStream stream;
  SubgroupWriter w(GetParam(), stream, 9, {12, 0, 40, false, false});
  const auto payload = bytes("payload");
  for (std::uint64_t id = 0; id < 3; ++id) ASSERT_TRUE(w.write(id, payload));
  ASSERT_EQ(stream.shared_pieces.size(), 6u);          // head, payload, head, payload, head, payload
  const SharedBytes& first = stream.shared_pieces[0];  // the subgroup header and the first head
  const SharedBytes& second = stream.shared_pieces[2];
  const SharedBytes& third = stream.shared_pieces[4];
  EXPECT_TRUE(first.followed_by(second));
  EXPECT_TRUE(second.followed_by(third));
  EXPECT_EQ(third.use_count(), 4);  // the writer's block: its three heads and the writer
  EXPECT_EQ(stream.shared_pieces[1].data(), payload.data());
}

TEST_P(SubgroupWriterTest, PropertiesRefusedOnAStreamWithout) {
  FakeStream stream;
  SubgroupWriter w(GetParam(), stream, 1, {0, 0, 128, false, false});
  EXPECT_FALSE(w.write(0, bytes("a"), {KeyValuePair::varint(0x40, 1)}));
  EXPECT_TRUE(w.write(0, bytes("a")));
}

TEST_P(SubgroupWriterTest, DroppedUnfinishedWriterResetsItsStream) {
  FakeStream stream;
  { SubgroupWriter w(GetParam(), stream, 1, {0, 0}); }
  EXPECT_EQ(stream.reset_code, static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
}

TEST_P(SubgroupWriterTest, ClosedStreamDetachesTheWriter) {
  FakeStream stream;
  SubgroupWriter w(GetParam(), stream, 1, {0, 0});
  w.on_closed(stream);
  EXPECT_FALSE(w.open());
  EXPECT_FALSE(w.write(0, bytes("a")));
  EXPECT_EQ(w.queued_bytes(), 0u);
}

wire::SubgroupHeader header_of(const FakeStream& stream, wire::Version v) {
  wire::ByteReader r(std::span<const std::uint8_t>(stream.bytes.data(), stream.bytes.size()));
  auto h = wire::read_subgroup_header(r, v);
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : wire::SubgroupHeader{};
}

// FIRST_OBJECT: set when the stream starts at Object 0 (nothing in the subgroup can precede
// it), clear when it starts later, as a subscriber that joined partway through sees it.
TEST_P(SubgroupWriterTest, FirstObjectBitFollowsTheFirstObjectWritten) {
  FakeStream from_start;
  {
    SubgroupWriter w(GetParam(), from_start, 1, {4, 0});
    EXPECT_TRUE(from_start.bytes.empty());  // the header waits for the first object
    ASSERT_TRUE(w.write(0, bytes("a")));
    ASSERT_TRUE(w.write(1, bytes("b")));
    w.finish();
  }
  EXPECT_TRUE(header_of(from_start, GetParam()).first_object);

  FakeStream partway;
  {
    SubgroupWriter w(GetParam(), partway, 1, {4, 0});
    ASSERT_TRUE(w.write(7, bytes("h")));
    w.finish();
  }
  const auto h = header_of(partway, GetParam());
  EXPECT_FALSE(h.first_object);
  EXPECT_EQ(h.group_id, 4u);

  // Finished without an object: the header still names the group.
  FakeStream empty;
  {
    SubgroupWriter w(GetParam(), empty, 1, {9, 0});
    w.finish();
  }
  EXPECT_TRUE(empty.fin_);
  EXPECT_EQ(header_of(empty, GetParam()).group_id, 9u);
}

INSTANTIATE_TEST_SUITE_P(Drafts, SubgroupWriterTest, ::testing::Values(wire::Version::kDraft18, wire::Version::kDraft20));

}  // namespace
}  // namespace kinetic::moqt::testing
