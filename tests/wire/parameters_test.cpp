#include <gtest/gtest.h>

#include "kinetic/wire/parameters.hpp"

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Result<MessageParameters> read(Version v, MessageType m, const Bytes& bytes) {
  ByteReader r(bytes);
  MessageParameters p;
  auto s = read_parameters(r, v, m, p);
  if (!s) return s.error();
  EXPECT_TRUE(r.empty());
  return p;
}

Bytes write(Version v, MessageType m, const MessageParameters& p) {
  Bytes out;
  ByteWriter w(out);
  auto s = write_parameters(w, v, m, p);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().what);
  return out;
}

Errc read_error(Version v, MessageType m, const Bytes& bytes) {
  auto r = read(v, m, bytes);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errc::kBufferTooSmall : r.error().code;
}

constexpr auto kD18 = Version::kDraft18;
constexpr auto kD20 = Version::kDraft20;

TEST(Parameters, TokenEncodingsPerAliasType) {
  EXPECT_EQ(encode_token(AuthorizationToken::remove(5)), std::string("\x00\x05", 2));
  EXPECT_EQ(encode_token(AuthorizationToken::enroll(5, 1, "v")), std::string("\x01\x05\x01v", 4));
  EXPECT_EQ(encode_token(AuthorizationToken::use_alias(5)), std::string("\x02\x05", 2));
  EXPECT_EQ(encode_token(AuthorizationToken::use_value(1, "v")), std::string("\x03\x01v", 3));
  for (const auto& t : {AuthorizationToken::remove(5), AuthorizationToken::enroll(5, 1, "v"),
                        AuthorizationToken::use_alias(5), AuthorizationToken::use_value(0, "")}) {
    const auto text = encode_token(t);
    auto back = decode_token({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(AuthorizationToken::enroll(1, 1, "abcd").cache_size(), 20u);
}

TEST(Parameters, MalformedTokensAreKeyValueFormattingErrors) {
  const Bytes bad_alias_type = {0x04, 0x01};
  const Bytes delete_with_extra = {0x00, 0x01, 0x02};
  const Bytes register_truncated = {0x01, 0x05};
  const Bytes empty = {};
  for (const auto* b : {&bad_alias_type, &delete_with_extra, &register_truncated, &empty}) {
    auto r = decode_token(*b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kKeyValueFormatting);
  }
}

TEST(Parameters, EncodingsFollowEachParameterDefinition) {
  MessageParameters p;
  p.object_delivery_timeout = 300;                      // varint
  p.largest_object = Location{1, 2};                   // Location, length-prefixed (odd type)
  p.forward = true;                                    // uint8
  p.subscriber_priority = 200;                         // uint8, a single byte even above 127
  p.track_namespace_prefix = TrackNamespace{{"a"}};    // Track Namespace, no length
  const Bytes expected = {0x04,                        // 4 parameters in a REQUEST_UPDATE
                          0x02, 0x81, 0x2c,            // OBJECT_DELIVERY_TIMEOUT = 300
                          0x0e, 0x01,                  // +0x0e = FORWARD (0x10) = 1
                          0x10, 0xc8,                  // +0x10 = SUBSCRIBER_PRIORITY (0x20) = 200
                          0x14, 0x01, 0x01, 'a'};      // +0x14 = TRACK_NAMESPACE_PREFIX (0x34) = ("a")
  p.largest_object.reset();
  EXPECT_EQ(write(kD20, MessageType::kRequestUpdate, p), expected);
  auto back = read(kD20, MessageType::kRequestUpdate, expected);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);

  // LARGEST_OBJECT and INCLUDE_PROPERTIES have odd types, so they carry a length as every odd
  // Key-Value-Pair does; @moq/net requires it (its SUBSCRIBE_OK from a live track has it).
  MessageParameters ok;
  ok.largest_object = Location{1, 2};
  const Bytes largest = {0x01, 0x09, 0x02, 0x01, 0x02};
  for (auto v : {kD18, kD20}) {
    EXPECT_EQ(write(v, MessageType::kSubscribeOk, ok), largest);
    auto back_ok = read(v, MessageType::kSubscribeOk, largest);
    ASSERT_TRUE(back_ok.ok());
    EXPECT_EQ(*back_ok, ok);
  }
  // As @moq/net 0.3.4 wrote it in a SUBSCRIBE_OK: group 2, object 1.
  auto moqnet = read(kD20, MessageType::kSubscribeOk, {0x01, 0x09, 0x02, 0x02, 0x01});
  ASSERT_TRUE(moqnet.ok());
  EXPECT_EQ(moqnet->largest_object, (Location{2, 1}));
  // The bare two-varint form, and a length that does not hold exactly one Location, are refused.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribeOk, {0x01, 0x09, 0x01, 0x02}), Errc::kProtocolViolation);
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribeOk, {0x01, 0x09, 0x03, 0x01, 0x02, 0x03}),
            Errc::kProtocolViolation);

  MessageParameters props;
  props.include_properties = false;
  const Bytes include = {0x01, 0x35, 0x01, 0x00};
  EXPECT_EQ(write(kD20, MessageType::kSubscribe, props), include);
  auto back_props = read(kD20, MessageType::kSubscribe, include);
  ASSERT_TRUE(back_props.ok());
  EXPECT_EQ(*back_props, props);
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x01, 0x35, 0x01, 0x02}), Errc::kProtocolViolation);
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x01, 0x35, 0x02, 0x00, 0x00}), Errc::kProtocolViolation);
}

TEST(Parameters, UnknownRepeatedOrMisplacedParametersAreProtocolViolations) {
  // Unknown type 0x05.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x01, 0x05, 0x00}), Errc::kProtocolViolation);
  // Range filters are unknown to draft-18.
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x25, 0x00}), Errc::kProtocolViolation);
  // FORWARD twice.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x02, 0x10, 0x01, 0x00, 0x01}), Errc::kProtocolViolation);
  // AUTHORIZATION TOKEN may repeat.
  auto twice = read(kD20, MessageType::kSubscribe, {0x02, 0x03, 0x02, 0x02, 0x01, 0x00, 0x02, 0x02, 0x02});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->authorization_tokens.size(), 2u);
  // FILL_TIMEOUT belongs to FETCH only.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x01, 0x0a, 0x00}), Errc::kProtocolViolation);
  EXPECT_TRUE(read(kD20, MessageType::kFetch, {0x01, 0x0a, 0x00}).ok());
  // Type delta past 2^64 - 1.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe,
                       {0x02, 0x10, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
            Errc::kProtocolViolation);
  // Count over Kinetic's bound, refused before reading.
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x81, 0x01}), Errc::kLimitExceeded);
}

TEST(Parameters, OutOfRangeValues) {
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x10, 0x02}), Errc::kProtocolViolation);  // FORWARD 2
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x22, 0x00}), Errc::kProtocolViolation);  // GROUP_ORDER 0
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x22, 0x03}), Errc::kProtocolViolation);  // GROUP_ORDER 3
  EXPECT_EQ(read_error(kD20, MessageType::kSubscribe, {0x01, 0x35, 0x01, 0x02}), Errc::kProtocolViolation);  // INCLUDE_PROPERTIES 2
}

TEST(Parameters, ScopeDiffersBetweenDrafts) {
  using M = MessageType;
  using P = ParameterType;
  // Subscriber-side parameters moved from PUBLISH_OK (18) to PUBLISH (20).
  EXPECT_TRUE(parameter_allowed(kD18, M::kPublishOk, P::kSubscriberPriority));
  EXPECT_FALSE(parameter_allowed(kD18, M::kPublish, P::kSubscriberPriority));
  EXPECT_TRUE(parameter_allowed(kD20, M::kPublish, P::kSubscriberPriority));
  EXPECT_TRUE(parameter_allowed(kD18, M::kRequestOk, P::kGroupOrder));  // PUBLISH_OK as REQUEST_OK
  EXPECT_FALSE(parameter_allowed(kD20, M::kRequestOk, P::kGroupOrder));
  EXPECT_FALSE(parameter_allowed(kD18, M::kSubscribeTracks, P::kGroupOrder));
  EXPECT_TRUE(parameter_allowed(kD20, M::kSubscribeTracks, P::kGroupOrder));
  EXPECT_FALSE(parameter_allowed(kD18, M::kFetch, P::kLocationFilter));
  EXPECT_TRUE(parameter_allowed(kD20, M::kFetch, P::kLocationFilter));
  EXPECT_FALSE(parameter_allowed(kD20, M::kSubscribe, P::kTrackPropertyFilter));
  EXPECT_TRUE(parameter_allowed(kD20, M::kSubscribeTracks, P::kTrackPropertyFilter));
  EXPECT_TRUE(parameter_allowed(kD20, M::kPublishStateNotify, P::kLargestObject));
  EXPECT_FALSE(parameter_allowed(kD20, M::kNamespace, P::kAuthorizationToken));
  // Writing a misplaced parameter is refused too.
  MessageParameters p;
  p.fill_timeout = 1;
  Bytes out;
  ByteWriter w(out);
  EXPECT_EQ(write_parameters(w, kD20, M::kSubscribe, p).error().code, Errc::kInvalidValue);
  EXPECT_TRUE(out.empty());
}

TEST(Parameters, SubscriptionFilterForms) {
  struct Case {
    Bytes block;
    SubscriptionFilter filter;
  } cases[] = {
      {{0x01}, {FilterType::kNextGroupStart, {}, 0}},
      {{0x02}, {FilterType::kLargestObject, {}, 0}},
      {{0x03, 0x05, 0x01}, {FilterType::kAbsoluteStart, {5, 1}, 0}},
      {{0x04, 0x05, 0x01, 0x02}, {FilterType::kAbsoluteRange, {5, 1}, 2}},
  };
  for (const auto& c : cases) {
    Bytes bytes = {0x01, 0x21, static_cast<std::uint8_t>(c.block.size())};
    bytes.insert(bytes.end(), c.block.begin(), c.block.end());
    auto p = read(kD18, MessageType::kSubscribe, bytes);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p->subscription_filter, c.filter);
    EXPECT_EQ(write(kD18, MessageType::kSubscribe, *p), bytes);
  }
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x21, 0x01, 0x05}), Errc::kProtocolViolation);
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x21, 0x02, 0x01, 0x00}), Errc::kProtocolViolation);
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, {0x01, 0x21, 0x02, 0x03, 0x05}), Errc::kProtocolViolation);
  // End group past 2^64 - 1.
  Bytes overflow = {0x01, 0x21, 0x14, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  overflow[2] = static_cast<std::uint8_t>(overflow.size() - 3);
  EXPECT_EQ(read_error(kD18, MessageType::kSubscribe, overflow), Errc::kProtocolViolation);
}

TEST(Parameters, LocationFilterForms) {
  const Bytes none = {0x01, 0x21, 0x00};
  auto p = read(kD20, MessageType::kRequestUpdate, none);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->location_filter->empty());
  auto relative = read(kD20, MessageType::kSubscribe, {0x01, 0x21, 0x01, 0x02});
  ASSERT_TRUE(relative.ok());
  EXPECT_TRUE(relative->location_filter->relative_start());
  auto next = read(kD20, MessageType::kSubscribe, {0x01, 0x21, 0x02, 0x00, 0x00});
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->location_filter->next_object());
  auto range = read(kD20, MessageType::kFetch, {0x01, 0x21, 0x04, 0x05, 0x00, 0x03, 0x09});
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->location_filter->end_group(), 8u);
  EXPECT_EQ(range->location_filter->end_object, 9u);
  EXPECT_EQ(read_error(kD20, MessageType::kFetch, {0x01, 0x21, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01}),
            Errc::kProtocolViolation);  // five fields
  EXPECT_EQ(read_error(kD20, MessageType::kFetch, {0x01, 0x21, 0x01, 0x80}), Errc::kProtocolViolation);  // cut varint
  // A field without the fields before it cannot be encoded.
  MessageParameters gap;
  gap.location_filter = LocationFilter{std::nullopt, 1, std::nullopt, std::nullopt};
  Bytes out;
  ByteWriter w(out);
  EXPECT_EQ(write_parameters(w, kD20, MessageType::kSubscribe, gap).error().code, Errc::kInvalidValue);
}

TEST(Parameters, RangeFiltersFollowTheDraftExample) {
  // "to express ranges 3-5 and 10-15: ... 3, 2, 5, 5"
  auto f = RangeFilter::make(ParameterType::kObjectIdFilter, 0, {{3, 5}, {10, 15}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->deltas, (std::vector<std::uint64_t>{3, 2, 5, 5}));
  auto ranges = f->ranges();
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ(*ranges, (std::vector<Range>{{3, 5}, {10, 15}}));
  // An open last range.
  auto open = RangeFilter::make(ParameterType::kPriorityFilter, 1, {{0, 10}, {200, std::nullopt}});
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->range_count(), 2u);
  EXPECT_FALSE(RangeFilter::make(ParameterType::kSubgroupFilter, 0, {{5, std::nullopt}, {9, 10}}).ok());
  EXPECT_FALSE(RangeFilter::make(ParameterType::kSubgroupFilter, 0, {{5, 6}, {4, 10}}).ok());

  MessageParameters p;
  p.range_filters = {*f, *open, RangeFilter::make(ParameterType::kObjectPropertyFilter, 0, {{1, 1}}, 0x0e).value(),
                     RangeFilter{ParameterType::kSubgroupFilter, true, 0, 0, {}}};
  const auto bytes = write(kD20, MessageType::kSubscribe, p);
  auto back = read(kD20, MessageType::kSubscribe, bytes);
  ASSERT_TRUE(back.ok());
  // Written in type order: SUBGROUP (0x25), OBJECTID (0x26), PRIORITY (0x27), OBJECT_PROPERTY (0x28).
  ASSERT_EQ(back->range_filters.size(), 4u);
  EXPECT_TRUE(back->range_filters[0].clear);
  EXPECT_EQ(back->range_filters[1], *f);
  EXPECT_EQ(back->range_filters[2], *open);
  EXPECT_EQ(back->range_filters[3].property_type, 0x0eu);
}

TEST(Parameters, RangeFilterRequestChecks) {
  auto subgroup = RangeFilter::make(ParameterType::kSubgroupFilter, 0, {{1, 2}}).value();
  EXPECT_TRUE(check_range_filters({subgroup}, 1).ok());
  EXPECT_EQ(check_range_filters({subgroup}, 0).error().code, Errc::kInvalidValue);           // MAX_FILTER_RANGES
  EXPECT_EQ(check_range_filters({subgroup, subgroup}, 8).error().code, Errc::kInvalidValue);  // repeated
  auto odd = RangeFilter::make(ParameterType::kTrackPropertyFilter, 0, {{1, 2}}, 0x0d).value();
  EXPECT_EQ(check_range_filters({odd}, 8).error().code, Errc::kInvalidValue);
  auto priority = RangeFilter::make(ParameterType::kPriorityFilter, 0, {{1, 256}}).value();
  EXPECT_EQ(check_range_filters({priority}, 8).error().code, Errc::kInvalidValue);
  RangeFilter overflow{ParameterType::kObjectIdFilter, false, 0, 0, {~0ull, 1}};
  EXPECT_EQ(overflow.ranges().error().code, Errc::kInvalidValue);
  EXPECT_EQ(check_range_filters({overflow}, 8).error().code, Errc::kInvalidValue);
}

TEST(Parameters, Defaults) {
  const MessageParameters p;
  EXPECT_EQ(p.subscriber_priority_or_default(), 128);
  EXPECT_TRUE(p.forward_or_default());
  EXPECT_TRUE(p.include_properties_or_default());
  EXPECT_EQ(p.count(), 0u);
}

TEST(SetupOptions, RepeatsAndUnknowns) {
  // PATH twice.
  const Bytes two_paths = {0x01, 0x01, 'a', 0x00, 0x01, 'b'};
  SetupOptions o;
  EXPECT_EQ(read_setup_options(two_paths, kD20, o).error().code, Errc::kProtocolViolation);
  // Unknown options may repeat and are kept.
  const Bytes grease = {0x80, 0x9d, 0x00, 0x00, 0x00};
  ASSERT_TRUE(read_setup_options(grease, kD20, o).ok());
  EXPECT_EQ(o.unknown, (KeyValueList{KeyValuePair::blob(0x9d, ""), KeyValuePair::blob(0x9d, "")}));
  // DELETE token in SETUP.
  const Bytes delete_token = {0x03, 0x02, 0x00, 0x01};
  EXPECT_EQ(read_setup_options(delete_token, kD18, o).error().code, Errc::kProtocolViolation);
  // A known option cannot hide among the unknown ones.
  SetupOptions w_opts;
  w_opts.unknown = {KeyValuePair::blob(0x01, "/x")};
  Bytes out;
  ByteWriter w(out);
  EXPECT_EQ(write_setup_options(w, kD18, w_opts).error().code, Errc::kInvalidValue);
  // ... but 0x08 is unknown to draft-18, so there it may.
  w_opts.unknown = {KeyValuePair::varint(0x08, 1)};
  EXPECT_TRUE(write_setup_options(w, kD18, w_opts).ok());
}

}  // namespace
}  // namespace kinetic::wire
