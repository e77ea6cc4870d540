#include "kinetic/moqt/data_reader.hpp"

#include <gtest/gtest.h>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt::testing {
namespace {

class DataReaderTest : public ::testing::TestWithParam<wire::Version> {};

TEST_P(DataReaderTest, DatagramRoundTrip) {
  Object o;
  o.group_id = 7;
  o.object_id = 3;
  o.publisher_priority = 9;
  o.properties.push_back(KeyValuePair::varint(0x40, 5));
  o.payload = SharedBytes::copy(std::string_view("audio"));
  auto bytes = encode_datagram(GetParam(), 42, o);
  ASSERT_TRUE(bytes);
  std::uint64_t code = 0;
  auto d = decode_datagram(GetParam(), SharedBytes(*bytes), code);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->track_alias, 42u);
  EXPECT_TRUE(d->object.datagram);
  EXPECT_EQ(d->object.location(), (Location{7, 3}));
  EXPECT_EQ(d->object.publisher_priority, 9);
  EXPECT_EQ(d->object.payload, o.payload);
  EXPECT_EQ(d->object.properties, o.properties);
}

TEST_P(DataReaderTest, MalformedDatagramGivesTheCloseCode) {
  const std::uint8_t junk[] = {0x10, 0x01};  // reserved type bit
  std::uint64_t code = 0;
  EXPECT_FALSE(decode_datagram(GetParam(), SharedBytes::copy(junk), code));
  EXPECT_EQ(code, static_cast<std::uint64_t>(wire::SessionError::kProtocolViolation));
}

TEST_P(DataReaderTest, UnknownStreamTypeFails) {
  DataStreamReader r(GetParam(), 1024);
  const std::uint8_t junk[] = {0x3F, 0x00};
  EXPECT_FALSE(r.feed(SharedBytes::copy(junk)));
  EXPECT_NE(std::string(r.error_what()), "");
  EXPECT_FALSE(r.feed(SharedBytes::copy(junk)));  // sticky
}

TEST_P(DataReaderTest, StreamEndingInsideItsHeaderFails) {
  DataStreamReader r(GetParam(), 1024);
  const std::uint8_t partial[] = {0x10};  // SUBGROUP_HEADER type, nothing else
  EXPECT_TRUE(r.feed(SharedBytes::copy(partial)));
  EXPECT_FALSE(r.finish());
  EXPECT_EQ(r.error_code(), static_cast<std::uint64_t>(wire::SessionError::kProtocolViolation));
}

INSTANTIATE_TEST_SUITE_P(Drafts, DataReaderTest, ::testing::Values(wire::Version::kDraft18, wire::Version::kDraft20));

}  // namespace
}  // namespace kinetic::moqt::testing
