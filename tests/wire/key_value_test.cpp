#include "kinetic/wire/key_value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

Bytes encode(const KeyValueList& list) {
  Bytes out;
  ByteWriter w(out);
  write_key_values(w, list);
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An odd-type pair of `len` bytes with type delta `delta`, encoded by hand so that lengths
// the writer would never produce can be fed to the readers.
Bytes blob_pair(std::uint8_t delta, std::size_t len) {
  Bytes out;
  ByteWriter w(out);
  w.varint(delta);
  w.varint(len);
  out.resize(out.size() + len, 'z');
  return out;
}

TEST(KeyValueList, OddTypeCarriesBytesAndEvenTypeAVarint) {
  const KeyValueList list = {KeyValuePair::varint(0x02, 100), KeyValuePair::blob(0x05, "ab")};
  EXPECT_TRUE(list[0].is_varint());
  EXPECT_FALSE(list[1].is_varint());
  // Type 2 as delta 2 then value 100; type 5 as delta 3, length 2, 'a' 'b'.
  const Bytes expected = {0x02, 0x64, 0x03, 0x02, 'a', 'b'};
  EXPECT_EQ(encode(list), expected);
  EXPECT_EQ(key_values_size(list), expected.size());

  ByteReader r(expected);
  KeyValueList back;
  ASSERT_TRUE(read_key_values(r, 2, back));
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(back, list);
}

TEST(KeyValueList, EvenTypeIgnoresBytesAndOddTypeIgnoresValue) {
  // Only the field the type's parity selects reaches the wire.
  const KeyValueList list = {{0x02, 7, "unused"}, {0x03, 9, "b"}};
  const Bytes expected = {0x02, 0x07, 0x01, 0x01, 'b'};
  EXPECT_EQ(encode(list), expected);
  EXPECT_EQ(key_values_size(list), expected.size());
}

TEST(KeyValueList, WriterSortsByTypeKeepingRepeatsInTheirOrder) {
  const KeyValueList list = {KeyValuePair::blob(0x0d, "x"), KeyValuePair::varint(0x04, 2),
                             KeyValuePair::varint(0x02, 1), KeyValuePair::varint(0x04, 3)};
  // 0x02=1, 0x04=2, 0x04=3 (delta 0), 0x0d="x" (delta 9).
  const Bytes expected = {0x02, 0x01, 0x02, 0x02, 0x00, 0x03, 0x09, 0x01, 'x'};
  EXPECT_EQ(encode(list), expected);
  EXPECT_EQ(key_values_size(list), expected.size());

  KeyValueList back;
  ASSERT_TRUE(read_key_values_block(expected, back));
  const KeyValueList sorted = {list[2], list[1], list[3], list[0]};
  EXPECT_EQ(back, sorted);
}

TEST(KeyValueList, ExtremeTypesAndValuesRoundTrip) {
  const KeyValueList list = {KeyValuePair::varint(0, 0), KeyValuePair::varint(0x4000, kMaxU64),
                             KeyValuePair::blob(kMaxU64, std::string(300, '\0'))};
  const Bytes bytes = encode(list);
  EXPECT_EQ(key_values_size(list), bytes.size());
  KeyValueList back;
  ASSERT_TRUE(read_key_values_block(bytes, back));
  EXPECT_EQ(back, list);
}

TEST(KeyValueList, SizeMatchesEncodingAcrossVarintLengthBoundaries) {
  const std::vector<std::uint64_t> values = {0,          127,    128, 16383, 16384, (1ull << 56) - 1,
                                             1ull << 56, kMaxU64};
  for (const std::uint64_t v : values) {
    const KeyValueList list = {KeyValuePair::varint(v & ~1ull, v), KeyValuePair::blob(kMaxU64, "q")};
    EXPECT_EQ(key_values_size(list), encode(list).size()) << v;
  }
  const KeyValueList longest = {KeyValuePair::blob(1, std::string(kMaxKeyValueBytes, 'a'))};
  EXPECT_EQ(key_values_size(longest), encode(longest).size());
  EXPECT_EQ(key_values_size({}), 0u);
  EXPECT_TRUE(encode({}).empty());
}

TEST(KeyValueList, CountedReadStopsAfterCountAndLeavesTheRest) {
  const Bytes bytes = concat(encode({KeyValuePair::varint(2, 1), KeyValuePair::varint(4, 2)}), {0xAA});
  ByteReader r(bytes);
  KeyValueList back;
  ASSERT_TRUE(read_key_values(r, 1, back));
  EXPECT_EQ(back, (KeyValueList{KeyValuePair::varint(2, 1)}));
  EXPECT_EQ(r.position(), 2u);

  // The delta base is per list: a second read starts again from type 0.
  ASSERT_TRUE(read_key_values(r, 1, back));
  EXPECT_EQ(back, (KeyValueList{KeyValuePair::varint(2, 2)}));
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(KeyValueList, ReadsReplaceWhatTheOutputHeld) {
  KeyValueList out = {KeyValuePair::blob(9, "stale")};
  const Bytes bytes = encode({KeyValuePair::varint(6, 6)});
  ByteReader r(bytes);
  ASSERT_TRUE(read_key_values(r, 1, out));
  EXPECT_EQ(out, (KeyValueList{KeyValuePair::varint(6, 6)}));

  out = {KeyValuePair::blob(9, "stale")};
  ASSERT_TRUE(read_key_values_block(bytes, out));
  EXPECT_EQ(out, (KeyValueList{KeyValuePair::varint(6, 6)}));

  out = {KeyValuePair::blob(9, "stale")};
  ASSERT_TRUE(read_key_values_block({}, out));
  EXPECT_TRUE(out.empty());

  out = {KeyValuePair::blob(9, "stale")};
  ByteReader none(bytes);
  ASSERT_TRUE(read_key_values(none, 0, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(none.position(), 0u);
}

TEST(KeyValueList, CountOverTheBoundIsRefusedBeforeReading) {
  const Bytes bytes =
      encode({KeyValuePair::varint(2, 1), KeyValuePair::varint(4, 1), KeyValuePair::varint(6, 1)});
  ByteReader r(bytes);
  KeyValueList out;
  auto s = read_key_values(r, 3, out, 2);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(r.position(), 0u);

  ByteReader huge(bytes);
  s = read_key_values(huge, kMaxU64, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);

  ByteReader at_bound(bytes);
  EXPECT_TRUE(read_key_values(at_bound, 3, out, 3));
  EXPECT_EQ(out.size(), 3u);
}

TEST(KeyValueList, BlockWithMorePairsThanTheBoundIsRefused) {
  KeyValueList list;
  for (std::uint64_t t = 0; t < kDefaultMaxKeyValues + 1; ++t) list.push_back(KeyValuePair::varint(2 * t, t));
  const Bytes bytes = encode(list);
  KeyValueList out;
  auto s = read_key_values_block(bytes, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);

  EXPECT_TRUE(read_key_values_block(bytes, out, kDefaultMaxKeyValues + 1));
  EXPECT_EQ(out, list);

  const Bytes two = encode({KeyValuePair::varint(2, 1), KeyValuePair::varint(4, 1)});
  EXPECT_TRUE(read_key_values_block(two, out, 2));
  s = read_key_values_block(two, out, 1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);
}

TEST(KeyValueList, OddValueLongerThan65535IsAProtocolViolation) {
  KeyValueList out;
  EXPECT_TRUE(read_key_values_block(blob_pair(1, kMaxKeyValueBytes), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), kMaxKeyValueBytes);

  const Bytes over = blob_pair(1, kMaxKeyValueBytes + 1);
  auto s = read_key_values_block(over, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kProtocolViolation);

  ByteReader r(over);
  s = read_key_values(r, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kProtocolViolation);

  // A huge claimed length is refused from the length alone, without its bytes present.
  const Bytes claim = {0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  s = read_key_values_block(claim, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kProtocolViolation);
}

TEST(KeyValueList, WritersRefuseAnOddValueNoPeerWouldRead) {
  const KeyValueList fits = {KeyValuePair::blob(1, std::string(kMaxKeyValueBytes, 'a')),
                             KeyValuePair::varint(2, ~0ull)};
  EXPECT_TRUE(check_value_lengths(fits, "option over 65535 bytes"));
  const KeyValueList over = {KeyValuePair::varint(2, 1),
                             KeyValuePair::blob(3, std::string(kMaxKeyValueBytes + 1, 'a'))};
  auto st = check_value_lengths(over, "option over 65535 bytes");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kLimitExceeded);
  EXPECT_STREQ(st.error().what, "option over 65535 bytes");
  // What the check refuses is exactly what the reader refuses.
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  write_key_values(w, over);
  KeyValueList back;
  EXPECT_FALSE(read_key_values_block(out, back));
}

TEST(KeyValueList, TypeDeltaPastTheLargestTypeIsAProtocolViolation) {
  // Delta 2^64-1 reaches the largest (odd) type with an empty value; any further delta,
  // even 1, would wrap around to a small type.
  const Bytes largest = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  KeyValueList out;
  ASSERT_TRUE(read_key_values_block(largest, out));
  EXPECT_EQ(out, (KeyValueList{KeyValuePair::blob(kMaxU64, "")}));

  const Bytes repeated = concat(largest, {0x00, 0x00});
  ASSERT_TRUE(read_key_values_block(repeated, out));
  EXPECT_EQ(out.size(), 2u);

  for (const Bytes& wrap : {concat(largest, {0x01, 0x00}), concat(largest, largest)}) {
    auto s = read_key_values_block(wrap, out);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::kProtocolViolation);
    ByteReader r(wrap);
    s = read_key_values(r, 2, out);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::kProtocolViolation);
  }
}

TEST(KeyValueList, CutOffPairNeedsMoreBytesInCountedFormButViolatesABlock) {
  const Bytes whole = encode({KeyValuePair::varint(0x02, 300), KeyValuePair::blob(0x4001, "abc")});
  // Every proper prefix ends inside some field; a block must be complete, a counted list may
  // still be arriving.
  for (std::size_t n = 1; n < whole.size(); ++n) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    ByteReader r(cut);
    KeyValueList out;
    auto counted = read_key_values(r, 2, out);
    ASSERT_FALSE(counted) << n;
    EXPECT_EQ(counted.error().code, Errc::kNeedMoreBytes) << n;

    auto block = read_key_values_block(cut, out);
    // A prefix that ends exactly after the first pair is a valid block of one.
    if (n == key_values_size({KeyValuePair::varint(0x02, 300)})) {
      EXPECT_TRUE(block) << n;
      continue;
    }
    ASSERT_FALSE(block) << n;
    EXPECT_EQ(block.error().code, Errc::kProtocolViolation) << n;
  }
  ByteReader empty(std::span<const std::uint8_t>{});
  KeyValueList out;
  auto s = read_key_values(empty, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().need_more());
}

TEST(KeyValueList, FindReturnsTheFirstPairOfAType) {
  const KeyValueList list = {KeyValuePair::varint(4, 1), KeyValuePair::blob(3, "a"),
                             KeyValuePair::varint(4, 2)};
  const KeyValuePair* found = find_key_value(list, 4);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, &list[0]);
  EXPECT_EQ(find_key_value(list, 3), &list[1]);
  EXPECT_EQ(find_key_value(list, 2), nullptr);
  EXPECT_EQ(find_key_value({}, 0), nullptr);
}

}  // namespace
}  // namespace kinetic::wire
