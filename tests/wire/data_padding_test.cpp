#include "kinetic/wire/data_padding.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kinetic/wire/data_parser.hpp"

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(DataPadding, StreamVector) {
  // draft-18 §11.5.1: type 0x132B3E28 (5-byte varint F0 13 2B 3E 28), then zero bytes.
  Bytes out;
  ByteWriter w(out);
  write_padding_stream_type(w);
  write_padding_bytes(w, 3);
  EXPECT_EQ(out, (Bytes{0xF0, 0x13, 0x2B, 0x3E, 0x28, 0x00, 0x00, 0x00}));
  EXPECT_EQ(*peek_uni_stream_kind(out), UniStreamKind::kPadding);
  EXPECT_EQ(peek_uni_stream_kind(std::span<const std::uint8_t>(out.data(), 4)).error().code,
            Errc::kNeedMoreBytes);

  PaddingStreamReader reader;
  ASSERT_TRUE(reader.feed(std::span<const std::uint8_t>(out).subspan(5, 2)));
  ASSERT_TRUE(reader.feed(std::span<const std::uint8_t>(out).subspan(7)));
  EXPECT_EQ(reader.discarded(), 3u);
  const Bytes bad = {0x00, 0x01};
  EXPECT_EQ(reader.feed(bad).error().code, Errc::kProtocolViolation);
}

TEST(DataPadding, DatagramVector) {
  // draft-18 §11.5.2: type 0x132B3E29, then zero bytes; a 9-byte datagram has 4 of them.
  Bytes out;
  ByteWriter w(out);
  ASSERT_TRUE(write_padding_datagram(w, 9));
  EXPECT_EQ(out, (Bytes{0xF0, 0x13, 0x2B, 0x3E, 0x29, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(*read_padding_datagram(out), 4u);
  EXPECT_EQ(*classify_datagram(0x132B3E29, Version::kDraft18), DatagramKind::kPadding);
  EXPECT_FALSE(write_padding_datagram(w, 4));

  Bytes nonzero = out;
  nonzero.back() = 0x01;
  EXPECT_EQ(read_padding_datagram(nonzero).error().code, Errc::kProtocolViolation);
  EXPECT_EQ(read_padding_datagram(Bytes{0xF0, 0x13}).error().code, Errc::kProtocolViolation);
  EXPECT_EQ(read_padding_datagram(Bytes{0x00, 0x00}).error().code, Errc::kProtocolViolation);
}

}  // namespace
}  // namespace kinetic::wire
