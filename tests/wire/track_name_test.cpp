#include <gtest/gtest.h>

#include "kinetic/wire/track_name.hpp"

namespace kinetic::wire {
namespace {

FullTrackName name(std::vector<std::string> ns, std::string n) { return {TrackNamespace{std::move(ns)}, std::move(n)}; }

TEST(TrackName, DraftExampleSerializes) {
  // draft §"Representing Namespace and Track Names": example.2enet-team2-project_x--report
  const auto n = name({"example.net", "team2", "project_x"}, "report");
  EXPECT_EQ(serialize_full_track_name(n), "example.2enet-team2-project_x--report");
  auto parsed = parse_serialized_full_track_name("example.2enet-team2-project_x--report");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, n);
}

TEST(TrackName, EveryByteRoundTripsThroughTheSerializedForm) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto n = name({all, "-", "."}, all);
  const auto text = serialize_full_track_name(n);
  for (char c : text) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    EXPECT_TRUE(safe) << int(c);
  }
  auto parsed = parse_serialized_full_track_name(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what;
  EXPECT_EQ(*parsed, n);
}

TEST(TrackName, EmptyNamespaceAndEmptyName) {
  EXPECT_EQ(serialize_full_track_name(name({}, "t")), "--t");
  EXPECT_EQ(serialize_full_track_name(name({"a"}, "")), "a--");
  EXPECT_EQ(*parse_serialized_full_track_name("--t"), name({}, "t"));
  EXPECT_EQ(*parse_serialized_full_track_name("a--"), name({"a"}, ""));
}

TEST(TrackName, ParsingIsStrictSoTheFormIsBijective) {
  const char* bad[] = {
      "a.2E--t",  // upper-case hex
      "a.61--t",  // escape of a literal byte
      "a.2--t",   // short escape
      "a--t.",    // trailing period
      "a--t.6",   // one hex digit
      "a---t",    // a '-' in the name
      "a--b--t",  // second separator lands in the name
      "-a--t",    // empty field
      "a-b",      // no separator
      "a--t/",    // byte that must be escaped
  };
  for (const char* text : bad) {
    auto r = parse_serialized_full_track_name(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_NE(r.error().code, Errc::kNeedMoreBytes) << text;
    }
  }
}

TEST(TrackName, WireLimits) {
  TrackNamespace ns;
  for (int i = 0; i < 32; ++i) ns.fields.push_back("f");
  EXPECT_TRUE(validate_namespace(ns).ok());
  ns.fields.push_back("f");
  EXPECT_EQ(validate_namespace(ns).error().code, Errc::kLimitExceeded);
  EXPECT_EQ(validate_namespace(TrackNamespace{{"a", ""}}).error().code, Errc::kProtocolViolation);
  EXPECT_TRUE(validate_full_track_name(name({std::string(4000, 'a')}, std::string(96, 'b'))).ok());
  EXPECT_EQ(validate_full_track_name(name({std::string(4000, 'a')}, std::string(97, 'b'))).error().code,
            Errc::kLimitExceeded);
  EXPECT_TRUE(validate_namespace(TrackNamespace{}).ok());  // 0 fields is allowed
}

TEST(TrackName, ReadRefusesTheCountBeforeReadingFields) {
  // Count 33 with nothing after it: refused without waiting for the fields.
  const std::vector<std::uint8_t> bytes = {0x21};
  ByteReader r(bytes);
  TrackNamespace ns;
  EXPECT_EQ(read_namespace(r, ns).error().code, Errc::kProtocolViolation);
  // A field length over 4096 is refused before its bytes arrive.
  const std::vector<std::uint8_t> long_field = {0x01, 0x90, 0x01};
  ByteReader r2(long_field);
  EXPECT_EQ(read_namespace(r2, ns).error().code, Errc::kProtocolViolation);
  // A short read is need-more.
  const std::vector<std::uint8_t> partial = {0x01, 0x03, 'a'};
  ByteReader r3(partial);
  EXPECT_TRUE(read_namespace(r3, ns).error().need_more());
}

TEST(TrackName, WriteReadRoundTrip) {
  const auto n = name({"a", std::string(1, '\0')}, "xyz");
  std::vector<std::uint8_t> buf;
  ByteWriter w(buf);
  ASSERT_TRUE(write_full_track_name(w, n).ok());
  EXPECT_EQ(buf, (std::vector<std::uint8_t>{0x02, 0x01, 'a', 0x01, 0x00, 0x03, 'x', 'y', 'z'}));
  EXPECT_EQ(namespace_wire_size(n.track_namespace), 5u);
  ByteReader r(buf);
  FullTrackName back;
  ASSERT_TRUE(read_full_track_name(r, back).ok());
  EXPECT_EQ(back, n);
  EXPECT_TRUE(r.empty());
}

TEST(TrackName, PrefixMatching) {
  const TrackNamespace full{{"example.com", "meeting=123", "participant=100"}};
  EXPECT_TRUE((TrackNamespace{{"example.com", "meeting=123"}}).is_prefix_of(full));
  EXPECT_TRUE(TrackNamespace{}.is_prefix_of(full));
  EXPECT_FALSE((TrackNamespace{{"example.com", "meeting=12"}}).is_prefix_of(full));
  EXPECT_FALSE(full.is_prefix_of(TrackNamespace{{"example.com"}}));
}

}  // namespace
}  // namespace kinetic::wire
