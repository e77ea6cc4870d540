#include "kinetic/moqt/subgroup_writer.hpp"

#include <gtest/gtest.h>

#include "fake_stream.hpp"
#include "kinetic/moqt/data_reader.hpp"
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
    ASSERT_TRUE(w.write(0, bytes("zero"), {KeyValuePair::varint(0x40, 1)}));
    ASSERT_TRUE(w.write(2, bytes("two")));
    EXPECT_FALSE(w.write(1, bytes("back")));  // IDs ascend
    EXPECT_FALSE(w.write(5, bytes("x"), {}, ObjectStatus::kEndOfGroup));  // status objects carry no payload
    ASSERT_TRUE(w.write(5, {}, {}, ObjectStatus::kEndOfGroup));
    EXPECT_EQ(w.last_object_id(), std::optional<std::uint64_t>(5));
    w.finish();
    EXPECT_FALSE(w.write(6, bytes("late")));
  }
  EXPECT_TRUE(stream.fin_);
  EXPECT_FALSE(stream.reset_code);  // finished writers are not reset when dropped
  EXPECT_EQ(stream.shared_writes, 2);  // payloads go by reference

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

INSTANTIATE_TEST_SUITE_P(Drafts, SubgroupWriterTest, ::testing::Values(wire::Version::kDraft18, wire::Version::kDraft20));

}  // namespace
}  // namespace kinetic::moqt::testing
