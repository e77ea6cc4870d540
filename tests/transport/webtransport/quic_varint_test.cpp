#include "kinetic/transport/webtransport/quic_varint.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::webtransport {
namespace {

std::vector<std::uint8_t> enc(std::uint64_t v) {
  std::vector<std::uint8_t> out;
  put_quic_varint(out, v);
  return out;
}

// RFC 9000 Appendix A.1 sample encodings.
TEST(QuicVarint, Rfc9000Examples) {
  const std::vector<std::uint8_t> eight{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c};
  auto d = decode_quic_varint(eight);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->value, 151288809941952652u);
  EXPECT_EQ(d->length, 8u);
  EXPECT_EQ(enc(151288809941952652u), eight);

  const std::vector<std::uint8_t> four{0x9d, 0x7f, 0x3e, 0x7d};
  EXPECT_EQ(decode_quic_varint(four)->value, 494878333u);
  EXPECT_EQ(enc(494878333u), four);

  const std::vector<std::uint8_t> two{0x7b, 0xbd};
  EXPECT_EQ(decode_quic_varint(two)->value, 15293u);
  EXPECT_EQ(enc(15293u), two);

  EXPECT_EQ(decode_quic_varint(std::vector<std::uint8_t>{0x25})->value, 37u);
  // A non-minimal two-byte encoding of 37 is legal to receive.
  auto nonminimal = decode_quic_varint(std::vector<std::uint8_t>{0x40, 0x25});
  EXPECT_EQ(nonminimal->value, 37u);
  EXPECT_EQ(nonminimal->length, 2u);
}

TEST(QuicVarint, BoundariesRoundTrip) {
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 63, 64, 16383, 16384, (1ull << 30) - 1, 1ull << 30, kMaxQuicVarint}) {
    auto bytes = enc(v);
    EXPECT_EQ(bytes.size(), quic_varint_size(v));
    auto d = decode_quic_varint(bytes);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->value, v);
  }
  EXPECT_EQ(enc(kMaxQuicVarint + 5), enc(kMaxQuicVarint));  // clamped, never wrapped
}

TEST(QuicVarint, TruncatedNeedsMoreBytes) {
  EXPECT_TRUE(decode_quic_varint({}).error().need_more());
  const std::vector<std::uint8_t> partial{0xc2, 0x19, 0x7c};
  EXPECT_TRUE(decode_quic_varint(partial).error().need_more());
}

TEST(QuicVarint, ReaderIsBounded) {
  const std::vector<std::uint8_t> data{0x25, 0x40, 0x25, 0x01, 0x02};
  QuicReader r(data);
  EXPECT_EQ(*r.varint(), 37u);
  EXPECT_EQ(*r.varint(), 37u);
  EXPECT_FALSE(r.bytes(3));
  EXPECT_EQ(r.bytes(2)->size(), 2u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.varint());
}

}  // namespace
}  // namespace kinetic::transport::webtransport
