#include <gtest/gtest.h>

#include "kinetic/wire/reason_phrase.hpp"

namespace kinetic::wire {
namespace {

TEST(ReasonPhrase, RoundTripAtTheLimit) {
  std::vector<std::uint8_t> buf;
  ByteWriter w(buf);
  const std::string phrase(kMaxReasonPhraseLength, 'z');
  ASSERT_TRUE(write_reason_phrase(w, phrase).ok());
  EXPECT_EQ(buf[0], 0x84);  // 1024 as a 2-byte varint: 0x84 0x00
  EXPECT_EQ(buf[1], 0x00);
  ByteReader r(buf);
  std::string back;
  ASSERT_TRUE(read_reason_phrase(r, back).ok());
  EXPECT_EQ(back, phrase);
}

TEST(ReasonPhrase, OverTheLimit) {
  std::vector<std::uint8_t> buf;
  ByteWriter w(buf);
  EXPECT_EQ(write_reason_phrase(w, std::string(1025, 'z')).error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(buf.empty());
  const std::vector<std::uint8_t> wire = {0x84, 0x01};  // length 1025, no bytes yet
  ByteReader r(wire);
  std::string out;
  EXPECT_EQ(read_reason_phrase(r, out).error().code, Errc::kProtocolViolation);
}

TEST(ReasonPhrase, TruncatedNeedsMore) {
  const std::vector<std::uint8_t> wire = {0x03, 'a', 'b'};
  ByteReader r(wire);
  std::string out;
  EXPECT_TRUE(read_reason_phrase(r, out).error().need_more());
}

}  // namespace
}  // namespace kinetic::wire
