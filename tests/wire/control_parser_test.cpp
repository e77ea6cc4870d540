#include <gtest/gtest.h>

#include <random>

#include "control_vectors.hpp"
#include "kinetic/wire/control_parser.hpp"

namespace kinetic::wire {
namespace {

using testing::control_vectors;
using testing::full_messages;

// Feeds `stream` in chunks of the sizes `chunk` yields and collects every message; stops at
// the first error other than need-more and reports it.
template <typename ChunkSize>
std::vector<ControlMessage> parse_all(Version v, std::span<const std::uint8_t> stream, ChunkSize chunk,
                                      std::optional<Error>* error = nullptr, bool* truncated = nullptr) {
  ControlParser parser(v);
  std::vector<ControlMessage> out;
  while (!stream.empty()) {
    const std::size_t n = std::min(stream.size(), chunk());
    std::span<const std::uint8_t> piece = stream.first(n);
    stream = stream.subspan(n);
    while (true) {
      auto r = parser.next(piece);
      if (r.ok()) {
        out.push_back(std::move(*r));
        continue;
      }
      if (r.error().need_more()) {
        EXPECT_TRUE(piece.empty());
        break;
      }
      if (error) *error = r.error();
      return out;
    }
  }
  if (truncated) {
    *truncated = parser.mid_message();
  } else {
    EXPECT_FALSE(parser.mid_message());
  }
  return out;
}

std::vector<std::uint8_t> stream_of(Version v, const std::vector<ControlMessage>& messages) {
  std::vector<std::uint8_t> out;
  for (const auto& m : messages) EXPECT_TRUE(encode_control_message(v, m, out).ok());
  return out;
}

TEST(ControlParser, ByteAtATimeEqualsWholeBufferForEveryVector) {
  for (const auto& vec : control_vectors()) {
    const auto whole = parse_all(vec.version, vec.bytes, [&] { return vec.bytes.size(); });
    const auto bytewise = parse_all(vec.version, vec.bytes, [] { return std::size_t{1}; });
    ASSERT_EQ(whole.size(), 1u) << vec.name;
    ASSERT_EQ(bytewise.size(), 1u) << vec.name;
    EXPECT_TRUE(whole[0] == vec.message) << vec.name;
    EXPECT_TRUE(bytewise[0] == vec.message) << vec.name;
  }
}

TEST(ControlParser, RandomChunksOfAStreamOfEveryMessage) {
  std::mt19937 rng(7);
  for (Version v : kSupportedVersions) {
    const auto messages = full_messages(v);
    const auto stream = stream_of(v, messages);
    for (int round = 0; round < 20; ++round) {
      std::uniform_int_distribution<std::size_t> size(1, 64);
      const auto parsed = parse_all(v, stream, [&] { return size(rng); });
      ASSERT_EQ(parsed.size(), messages.size());
      for (std::size_t i = 0; i < messages.size(); ++i) EXPECT_TRUE(parsed[i] == messages[i]) << i;
    }
    const auto bytewise = parse_all(v, stream, [] { return std::size_t{1}; });
    EXPECT_EQ(bytewise.size(), messages.size());
  }
}

TEST(ControlParser, TruncatedInputNeedsMoreBytesAndHoldsOnlyTheFrame) {
  for (const auto& vec : control_vectors()) {
    for (std::size_t n = 0; n < vec.bytes.size(); ++n) {
      ControlParser parser(vec.version);
      std::span<const std::uint8_t> piece = std::span(vec.bytes).first(n);
      auto r = parser.next(piece);
      ASSERT_FALSE(r.ok());
      EXPECT_TRUE(r.error().need_more()) << vec.name << " at " << n;
      EXPECT_TRUE(piece.empty());
      EXPECT_LE(parser.buffered(), vec.bytes.size());
      // The rest completes the same message.
      std::span<const std::uint8_t> rest = std::span(vec.bytes).subspan(n);
      auto done = parser.next(rest);
      ASSERT_TRUE(done.ok()) << vec.name << " at " << n;
      EXPECT_TRUE(*done == vec.message);
    }
  }
}

TEST(ControlParser, CorruptionGivesTheSameOutcomeWhateverTheChunking) {
  for (const auto& vec : control_vectors()) {
    for (std::size_t i = 0; i < vec.bytes.size(); i += 1) {
      auto bytes = vec.bytes;
      for (int b = 0; b < 256; ++b) {
        bytes[i] = static_cast<std::uint8_t>(b);
        std::optional<Error> e1, e2;
        bool t1 = false, t2 = false;
        const auto whole = parse_all(vec.version, bytes, [&] { return bytes.size(); }, &e1, &t1);
        const auto bytewise = parse_all(vec.version, bytes, [] { return std::size_t{1}; }, &e2, &t2);
        EXPECT_EQ(t1, t2) << vec.name << " @" << i << "=" << b;
        ASSERT_EQ(whole.size(), bytewise.size()) << vec.name << " @" << i << "=" << b;
        for (std::size_t k = 0; k < whole.size(); ++k) EXPECT_TRUE(whole[k] == bytewise[k]);
        ASSERT_EQ(e1.has_value(), e2.has_value()) << vec.name << " @" << i << "=" << b;
        if (e1) {
          EXPECT_EQ(e1->code, e2->code) << vec.name << " @" << i << "=" << b;
        }
      }
    }
  }
}

TEST(ControlParser, AnErrorIsFinal) {
  ControlParser parser(Version::kDraft20);
  const std::vector<std::uint8_t> bad = {0x01, 0x00, 0x00};  // reserved type
  std::span<const std::uint8_t> in = bad;
  auto r = parser.next(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnknownMessage);
  EXPECT_TRUE(parser.failed());
  const std::vector<std::uint8_t> good = {0x08, 0x00, 0x03, 0x01, 0x01, 'x'};
  std::span<const std::uint8_t> next = good;
  EXPECT_EQ(parser.next(next).error().code, Errc::kUnknownMessage);
}

TEST(ControlParser, UnknownTypeFailsAsSoonAsItIsRead) {
  // A two-byte type id that no draft defines fails before its length arrives.
  const std::vector<std::uint8_t> bytes = {0x80, 0x99};
  ControlParser parser(Version::kDraft18);
  std::span<const std::uint8_t> first = std::span(bytes).first(1);
  EXPECT_TRUE(parser.next(first).error().need_more());
  std::span<const std::uint8_t> second = std::span(bytes).subspan(1);
  EXPECT_EQ(parser.next(second).error().code, Errc::kUnknownMessage);
}

TEST(ControlParser, BuffersNoMoreThanTheDeclaredLength) {
  // A frame declaring 65535 bytes, fed its header and 10 body bytes.
  std::vector<std::uint8_t> bytes = {0x07, 0xff, 0xff};
  bytes.resize(bytes.size() + 10, 0);
  ControlParser parser(Version::kDraft20);
  std::span<const std::uint8_t> in = bytes;
  EXPECT_TRUE(parser.next(in).error().need_more());
  EXPECT_EQ(parser.buffered(), bytes.size());
  EXPECT_TRUE(parser.mid_message());
}

}  // namespace
}  // namespace kinetic::wire
