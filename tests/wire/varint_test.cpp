#include "kinetic/wire/varint.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace kinetic::wire {
namespace {

struct Vector {
  std::vector<std::uint8_t> bytes;
  std::uint64_t value;
};

// The "Example Integer Encodings" table of draft-18 §1.4.1.
const std::vector<Vector>& draft_examples() {
  static const std::vector<Vector> v = {
      {{0x25}, 37},
      {{0x80, 0x25}, 37},
      {{0xbb, 0xbd}, 15293},
      {{0xed, 0x7f, 0x3e, 0x7d}, 226442877},
      {{0xfa, 0xa1, 0xa0, 0xe4, 0x03, 0xd8}, 2893212287960ull},
      {{0xfc, 0x89, 0x98, 0xab, 0xc6, 0x6b, 0xc0}, 151288809941952ull},
      {{0xfe, 0xfa, 0x31, 0x8f, 0xa8, 0xe3, 0xca, 0x11}, 70423237261249041ull},
      {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 18446744073709551615ull},
  };
  return v;
}

TEST(Varint, DecodesDraftExamples) {
  for (const auto& v : draft_examples()) {
    auto r = decode_varint(v.bytes);
    ASSERT_TRUE(r) << v.value;
    EXPECT_EQ(r->value, v.value);
    EXPECT_EQ(r->length, v.bytes.size());
  }
}

TEST(Varint, EncodesDraftExamplesAtTheirLength) {
  for (const auto& v : draft_examples()) {
    std::array<std::uint8_t, kMaxVarintLength> out{};
    ASSERT_EQ(encode_varint(v.value, out, v.bytes.size()), v.bytes.size());
    EXPECT_TRUE(std::equal(v.bytes.begin(), v.bytes.end(), out.begin())) << v.value;
  }
}

TEST(Varint, MinimalEncodingAtEachBoundary) {
  for (unsigned bits = 0; bits <= 64; ++bits) {
    const std::uint64_t value = bits == 64 ? ~0ull : ((1ull << bits) - 1);
    std::array<std::uint8_t, kMaxVarintLength> out{};
    const std::size_t n = encode_varint(value, out);
    ASSERT_EQ(n, varint_size(value));
    auto r = decode_varint(std::span(out.data(), n));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->value, value);
    EXPECT_EQ(r->length, n);
  }
}

TEST(Varint, EveryTruncationNeedsMoreBytes) {
  for (const auto& v : draft_examples()) {
    for (std::size_t cut = 0; cut < v.bytes.size(); ++cut) {
      auto r = decode_varint(std::span(v.bytes.data(), cut));
      ASSERT_FALSE(r);
      EXPECT_TRUE(r.error().need_more());
    }
  }
}

TEST(Varint, RefusesLengthTooShortForValue) {
  std::array<std::uint8_t, kMaxVarintLength> out{};
  EXPECT_EQ(encode_varint(128, out, 1), 0u);
  EXPECT_EQ(encode_varint(1, std::span(out.data(), 0)), 0u);
}

}  // namespace
}  // namespace kinetic::wire
