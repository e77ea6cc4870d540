// Hand-checked control message encodings, written byte by byte from the draft text
// (draft-ietf-moq-transport-18 and the draft-20 editor's copy), each field annotated. One
// departure, decided by interop with @moq/net: LARGEST_OBJECT (0x09) and INCLUDE_PROPERTIES
// (0x35) carry a length, as every odd-typed Key-Value-Pair does, though their sections give
// the bare Location / uint8.
// Shared by the codec and parser tests and by the fuzz corpus writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::wire::testing {

struct ControlVector {
  std::string name;
  Version version;
  std::vector<std::uint8_t> bytes;  // the whole frame
  ControlMessage message;
};

inline FullTrackName track(std::vector<std::string> ns, std::string name) {
  return FullTrackName{TrackNamespace{std::move(ns)}, std::move(name)};
}

inline std::vector<ControlVector> control_vectors() {
  using V = Version;
  std::vector<ControlVector> out;

  // ---------------------------------------------------------------- SETUP
  {
    Setup m;
    m.options.path = "/moq";
    m.options.max_auth_token_cache_size = 1024;
    m.options.authority = "a.b";
    m.options.moqt_implementation = "kin";
    out.push_back({"setup", V::kDraft18,
                   {0xaf, 0x00,                          // type 0x2F00 (2-byte varint)
                    0x00, 0x13,                          // length 19
                    0x01, 0x04, '/', 'm', 'o', 'q',      // PATH (0x01), 4 bytes
                    0x03, 0x84, 0x00,                    // +3 = MAX_AUTH_TOKEN_CACHE_SIZE (0x04) = 1024
                    0x01, 0x03, 'a', '.', 'b',           // +1 = AUTHORITY (0x05), 3 bytes
                    0x02, 0x03, 'k', 'i', 'n'},          // +2 = MOQT_IMPLEMENTATION (0x07), 3 bytes
                   m});
  }
  {
    Setup m;
    m.options.path = "/moq";
    m.options.authorization_tokens = {AuthorizationToken::use_value(1, "t")};
    m.options.max_auth_token_cache_size = 1024;
    m.options.authority = "a.b";
    m.options.max_filter_ranges = 8;
    m.options.moqt_implementation = "kin";
    m.options.max_request_updates = 4;
    out.push_back({"setup", V::kDraft20,
                   {0xaf, 0x00,                          // type 0x2F00
                    0x00, 0x1c,                          // length 28
                    0x01, 0x04, '/', 'm', 'o', 'q',      // PATH (0x01)
                    0x02, 0x03, 0x03, 0x01, 't',         // +2 = AUTHORIZATION TOKEN (0x03): USE_VALUE, type 1, "t"
                    0x01, 0x84, 0x00,                    // +1 = MAX_AUTH_TOKEN_CACHE_SIZE (0x04) = 1024
                    0x01, 0x03, 'a', '.', 'b',           // +1 = AUTHORITY (0x05)
                    0x01, 0x08,                          // +1 = MAX_FILTER_RANGES (0x06) = 8
                    0x01, 0x03, 'k', 'i', 'n',           // +1 = MOQT_IMPLEMENTATION (0x07)
                    0x01, 0x04},                         // +1 = MAX_REQUEST_UPDATES (0x08) = 4
                   m});
  }

  // ---------------------------------------------------------------- GOAWAY
  out.push_back({"goaway_control_stream", V::kDraft18,
                 {0x10, 0x00, 0x03,                      // type 0x10, length 3
                  0x00,                                  // New Session URI Length 0
                  0x64,                                  // Timeout 100 ms
                  0x04},                                 // Request ID 4 (draft-18, control stream)
                 Goaway{"", 100, 4}});
  out.push_back({"goaway_request_stream", V::kDraft18,
                 {0x10, 0x00, 0x02, 0x00, 0x64},         // no Request ID on a request stream
                 Goaway{"", 100, std::nullopt}});
  out.push_back({"goaway", V::kDraft20,
                 {0x10, 0x00, 0x0a,                      // type 0x10, length 10
                  0x08, 'm', 'o', 'q', 't', ':', '/', '/', 'x',  // New Session URI "moqt://x"
                  0x00},                                 // Timeout 0; no Request ID in draft-20
                 Goaway{"moqt://x", 0, std::nullopt}});

  // ---------------------------------------------------------------- SUBSCRIBE
  {
    Subscribe m{2, track({"ab", "c"}, "v"), {}};
    m.parameters.forward = true;
    m.parameters.subscriber_priority = 0x40;
    m.parameters.subscription_filter = SubscriptionFilter{FilterType::kAbsoluteStart, {5, 0}, 0};
    m.parameters.group_order = GroupOrder::kDescending;
    out.push_back({"subscribe", V::kDraft18,
                   {0x03, 0x00, 0x15,                    // type 0x3, length 21
                    0x02,                                // Request ID 2
                    0x02, 0x02, 'a', 'b', 0x01, 'c',     // Track Namespace ("ab", "c")
                    0x01, 'v',                           // Track Name "v"
                    0x04,                                // 4 parameters
                    0x10, 0x01,                          // FORWARD (0x10) = 1 (uint8)
                    0x10, 0x40,                          // +0x10 = SUBSCRIBER_PRIORITY (0x20) = 64
                    0x01, 0x03, 0x03, 0x05, 0x00,        // +1 = SUBSCRIPTION_FILTER (0x21): AbsoluteStart {5, 0}
                    0x01, 0x02},                         // +1 = GROUP_ORDER (0x22) = Descending
                   m});
  }
  {
    Subscribe m{2, track({"ab", "c"}, "v"), {}};
    m.parameters.forward = true;
    m.parameters.subscriber_priority = 0x40;
    m.parameters.location_filter = LocationFilter{5, 0, std::nullopt, std::nullopt};
    m.parameters.group_order = GroupOrder::kDescending;
    m.parameters.include_properties = false;
    out.push_back({"subscribe", V::kDraft20,
                   {0x03, 0x00, 0x17,                    // type 0x3, length 23
                    0x02,                                // Request ID 2
                    0x02, 0x02, 'a', 'b', 0x01, 'c',     // Track Namespace ("ab", "c")
                    0x01, 'v',                           // Track Name "v"
                    0x05,                                // 5 parameters
                    0x10, 0x01,                          // FORWARD = 1
                    0x10, 0x40,                          // SUBSCRIBER_PRIORITY = 64
                    0x01, 0x02, 0x05, 0x00,              // LOCATION_FILTER (0x21): StartGroup 5, StartObject 0
                    0x01, 0x02,                          // GROUP_ORDER = Descending
                    0x13, 0x01, 0x00},                   // +0x13 = INCLUDE_PROPERTIES (0x35), length 1, = 0
                   m});
  }

  // ---------------------------------------------------------------- SUBSCRIBE_OK
  for (V v : {V::kDraft18, V::kDraft20}) {
    SubscribeOk m{7, {}, {KeyValuePair::varint(0x0e, 0x20)}};
    m.parameters.expires = 1000;
    m.parameters.largest_object = Location{3, 4};
    out.push_back({"subscribe_ok", v,
                   {0x04, 0x00, 0x0b,                    // type 0x4, length 11
                    0x07,                                // Track Alias 7
                    0x02,                                // 2 parameters
                    0x08, 0x83, 0xe8,                    // EXPIRES (0x08) = 1000 ms
                    0x01, 0x02, 0x03, 0x04,              // +1 = LARGEST_OBJECT (0x09), length 2, = {3, 4}
                    0x0e, 0x20},                         // Track Properties: DEFAULT_PUBLISHER_PRIORITY (0x0E) = 32
                   m});
  }

  // ---------------------------------------------------------------- REQUEST_UPDATE
  {
    RequestUpdate m{4, {}};
    m.parameters.authorization_tokens = {AuthorizationToken::use_alias(5)};
    m.parameters.forward = false;
    out.push_back({"request_update", V::kDraft18,
                   {0x02, 0x00, 0x08,                    // type 0x2, length 8
                    0x04,                                // Request ID 4
                    0x02,                                // 2 parameters
                    0x03, 0x02, 0x02, 0x05,              // AUTHORIZATION TOKEN (0x03): USE_ALIAS, alias 5
                    0x0d, 0x00},                         // +0xd = FORWARD (0x10) = 0
                   m});
    m.parameters.range_filters = {
        RangeFilter::make(ParameterType::kSubgroupFilter, 0, {{3, 5}, {10, 15}}).value()};
    out.push_back({"request_update", V::kDraft20,
                   {0x02, 0x00, 0x0f,                    // type 0x2, length 15
                    0x04,                                // Request ID 4
                    0x03,                                // 3 parameters
                    0x03, 0x02, 0x02, 0x05,              // AUTHORIZATION TOKEN: USE_ALIAS, alias 5
                    0x0d, 0x00,                          // FORWARD = 0
                    0x15, 0x05, 0x00,                    // +0x15 = SUBGROUP_FILTER (0x25), 5 bytes, SetID 0
                    0x03, 0x02, 0x05, 0x05},             // ranges 3-5, 10-15 as the draft's example deltas
                   m});
  }

  // ---------------------------------------------------------------- PUBLISH
  {
    Publish m{1, track({"n"}, "t"), 9, {}, {}};
    m.parameters.forward = false;
    out.push_back({"publish", V::kDraft18,
                   {0x1d, 0x00, 0x0a,                    // type 0x1D, length 10
                    0x01,                                // Request ID 1
                    0x01, 0x01, 'n',                     // Track Namespace ("n")
                    0x01, 't',                           // Track Name "t"
                    0x09,                                // Track Alias 9
                    0x01, 0x10, 0x00},                   // 1 parameter: FORWARD = 0; no Track Properties
                   m});
    m.parameters.subscriber_priority = 7;
    m.parameters.group_order = GroupOrder::kAscending;
    m.track_properties = {KeyValuePair::blob(0x0d, "c")};
    out.push_back({"publish", V::kDraft20,
                   {0x1d, 0x00, 0x11,                    // type 0x1D, length 17
                    0x01, 0x01, 0x01, 'n', 0x01, 't', 0x09,  // Request ID, namespace, name, alias
                    0x03,                                // 3 parameters
                    0x10, 0x00,                          // FORWARD = 0
                    0x10, 0x07,                          // SUBSCRIBER_PRIORITY (0x20) = 7 (draft-20: in PUBLISH)
                    0x02, 0x01,                          // GROUP_ORDER (0x22) = Ascending
                    0x0d, 0x01, 'c'},                    // Track Properties: VIDEO_CONFIG (0x0D) = "c"
                   m});
  }

  // ---------------------------------------------------------------- PUBLISH_OK (draft-18)
  {
    PublishOk m;
    m.parameters.subscriber_priority = 5;
    m.parameters.group_order = GroupOrder::kDescending;
    out.push_back({"publish_ok", V::kDraft18,
                   {0x1e, 0x00, 0x05,                    // type 0x1E, length 5
                    0x02,                                // 2 parameters
                    0x20, 0x05,                          // SUBSCRIBER_PRIORITY = 5
                    0x02, 0x02},                         // GROUP_ORDER = Descending
                   m});
  }

  // ---------------------------------------------------------------- PUBLISH_DONE
  for (V v : {V::kDraft18, V::kDraft20}) {
    out.push_back({"publish_done", v,
                   {0x0b, 0x00, 0x06,                    // type 0xB, length 6
                    0x02,                                // Status Code TRACK_ENDED
                    0x03,                                // Stream Count 3
                    0x03, 'b', 'y', 'e'},                // Error Reason "bye"
                   PublishDone{static_cast<std::uint64_t>(PublishDoneCode::kTrackEnded), 3, "bye"}});
  }

  // ---------------------------------------------------------------- FETCH
  {
    Fetch m;
    m.request_id = 6;
    m.fetch_type = FetchType::kStandalone;
    m.standalone = StandaloneFetch{track({"n"}, "t"), Location{1, 0}, Location{2, 0}};
    out.push_back({"fetch_standalone", V::kDraft18,
                   {0x16, 0x00, 0x0c,                    // type 0x16, length 12
                    0x06,                                // Request ID 6
                    0x01,                                // Fetch Type Standalone
                    0x01, 0x01, 'n', 0x01, 't',          // Track Namespace ("n"), Track Name "t"
                    0x01, 0x00,                          // Start Location {1, 0}
                    0x02, 0x00,                          // End Location {2, 0}
                    0x00},                               // 0 parameters
                   m});
    m.standalone.start.reset();
    m.standalone.end.reset();
    m.parameters.location_filter = LocationFilter{1, 0, 1, 0};
    out.push_back({"fetch_standalone", V::kDraft20,
                   {0x16, 0x00, 0x0e,                    // type 0x16, length 14
                    0x06, 0x01,                          // Request ID 6, Standalone
                    0x01, 0x01, 'n', 0x01, 't',          // ("n"), "t"
                    0x01,                                // 1 parameter
                    0x21, 0x04, 0x01, 0x00, 0x01, 0x00}, // LOCATION_FILTER: StartGroup 1, StartObject 0,
                                                         // EndGroupDelta 1, EndObject 0
                   m});
  }
  {
    Fetch m;
    m.request_id = 8;
    m.fetch_type = FetchType::kRelativeJoining;
    m.joining = JoiningFetch{2, 1};
    out.push_back({"fetch_relative_joining", V::kDraft18,
                   {0x16, 0x00, 0x05,                    // type 0x16, length 5
                    0x08, 0x02,                          // Request ID 8, Relative Joining
                    0x02,                                // Joining Request ID 2
                    0x01,                                // Joining Start 1
                    0x00},                               // 0 parameters
                   m});
    m.joining.joining_start.reset();
    m.parameters.location_filter = LocationFilter{1, std::nullopt, std::nullopt, std::nullopt};
    out.push_back({"fetch_relative_joining", V::kDraft20,
                   {0x16, 0x00, 0x07,                    // type 0x16, length 7
                    0x08, 0x02, 0x02,                    // Request ID 8, Relative Joining, Joining Request ID 2
                    0x01, 0x21, 0x01, 0x01},             // LOCATION_FILTER: StartGroup 1 (relative)
                   m});
  }
  {
    Fetch m;
    m.request_id = 10;
    m.fetch_type = FetchType::kAbsoluteJoining;
    m.joining = JoiningFetch{2, 5};
    out.push_back({"fetch_absolute_joining", V::kDraft18,
                   {0x16, 0x00, 0x05, 0x0a, 0x03,        // type, length 5, Request ID 10, Absolute Joining
                    0x02, 0x05, 0x00},                   // Joining Request ID 2, Joining Start 5, 0 parameters
                   m});
    m.joining.joining_start.reset();
    out.push_back({"fetch_absolute_joining", V::kDraft20,
                   {0x16, 0x00, 0x04, 0x0a, 0x03,        // type, length 4, Request ID 10, Absolute Joining
                    0x02, 0x00},                         // Joining Request ID 2, 0 parameters
                   m});
  }

  // ---------------------------------------------------------------- FETCH_OK
  for (V v : {V::kDraft18, V::kDraft20}) {
    out.push_back({"fetch_ok", v,
                   {0x18, 0x00, 0x04,                    // type 0x18, length 4
                    0x01,                                // End Of Track 1
                    0x04, 0x01,                          // End Location {4, 1}
                    0x00},                               // 0 parameters, no Track Properties
                   FetchOk{true, {4, 1}, {}, {}}});
  }

  // ---------------------------------------------------------------- TRACK_STATUS
  for (V v : {V::kDraft18, V::kDraft20}) {
    TrackStatus m{12, track({"n"}, "t"), {}};
    m.parameters.authorization_tokens = {AuthorizationToken::use_value(0, "ab")};
    out.push_back({"track_status", v,
                   {0x0d, 0x00, 0x0d,                    // type 0xD, length 13
                    0x0c,                                // Request ID 12
                    0x01, 0x01, 'n', 0x01, 't',          // ("n"), "t"
                    0x01,                                // 1 parameter
                    0x03, 0x04, 0x03, 0x00, 'a', 'b'},   // AUTHORIZATION TOKEN: USE_VALUE, type 0, "ab"
                   m});
  }

  // ---------------------------------------------------------------- namespaces
  for (V v : {V::kDraft18, V::kDraft20}) {
    out.push_back({"publish_namespace", v,
                   {0x06, 0x00, 0x07,                    // type 0x6, length 7
                    0x0e,                                // Request ID 14
                    0x02, 0x01, 'a', 0x01, 'b',          // Track Namespace ("a", "b")
                    0x00},                               // 0 parameters
                   PublishNamespace{14, TrackNamespace{{"a", "b"}}, {}}});
    out.push_back({"namespace", v,
                   {0x08, 0x00, 0x03, 0x01, 0x01, 'x'},  // type 0x8, length 3, suffix ("x")
                   Namespace{TrackNamespace{{"x"}}}});
    out.push_back({"namespace_done", v,
                   {0x0e, 0x00, 0x03, 0x01, 0x01, 'x'},  // type 0xE, length 3, suffix ("x")
                   NamespaceDone{TrackNamespace{{"x"}}}});
    out.push_back({"subscribe_namespace", v,
                   {0x50, 0x00, 0x03,                    // type 0x50, length 3
                    0x10,                                // Request ID 16
                    0x00,                                // empty Track Namespace Prefix
                    0x00},                               // 0 parameters
                   SubscribeNamespace{16, TrackNamespace{}, {}}});
    out.push_back({"publish_skipped", v,
                   {0x0f, 0x00, 0x05,                    // type 0xF (PUBLISH_BLOCKED in 18, _SKIPPED in 20)
                    0x01, 0x01, 's',                     // Track Namespace Suffix ("s")
                    0x01, 't'},                          // Track Name "t"
                   PublishSkipped{track({"s"}, "t")}});
  }
  {
    SubscribeTracks m{18, TrackNamespace{{"a"}}, {}};
    m.parameters.forward = false;
    out.push_back({"subscribe_tracks", V::kDraft18,
                   {0x51, 0x00, 0x07,                    // type 0x51, length 7
                    0x12,                                // Request ID 18
                    0x01, 0x01, 'a',                     // Track Namespace Prefix ("a")
                    0x01, 0x10, 0x00},                   // 1 parameter: FORWARD = 0
                   m});
    m.parameters.group_order = GroupOrder::kAscending;
    out.push_back({"subscribe_tracks", V::kDraft20,
                   {0x51, 0x00, 0x09, 0x12, 0x01, 0x01, 'a',
                    0x02, 0x10, 0x00,                    // 2 parameters: FORWARD = 0
                    0x12, 0x01},                         // +0x12 = GROUP_ORDER (0x22) = Ascending (draft-20)
                   m});
  }

  // ---------------------------------------------------------------- PUBLISH_STATE_NOTIFY (draft-20)
  {
    PublishStateNotify m;
    m.parameters.largest_object = Location{7, 0};
    m.parameters.forward = true;
    out.push_back({"publish_state_notify", V::kDraft20,
                   {0x22, 0x00, 0x07,                    // type 0x22, length 7
                    0x02,                                // 2 parameters
                    0x09, 0x02, 0x07, 0x00,              // LARGEST_OBJECT (0x09), length 2, = {7, 0}
                    0x07, 0x01},                         // +7 = FORWARD (0x10) = 1
                   m});
  }

  // ---------------------------------------------------------------- REQUEST_OK / REQUEST_ERROR
  for (V v : {V::kDraft18, V::kDraft20}) {
    RequestOk ok{{}, {KeyValuePair::varint(0x0e, 0x10)}};
    ok.parameters.largest_object = Location{2, 3};
    out.push_back({"request_ok", v,
                   {0x07, 0x00, 0x07,                    // type 0x7, length 7
                    0x01, 0x09, 0x02, 0x02, 0x03,        // 1 parameter: LARGEST_OBJECT, length 2, = {2, 3}
                    0x0e, 0x10},                         // Track Properties: DEFAULT_PUBLISHER_PRIORITY = 16
                   ok});
    out.push_back({"request_error", v,
                   {0x05, 0x00, 0x05,                    // type 0x5, length 5
                    0x10,                                // Error Code DOES_NOT_EXIST
                    0x00,                                // Retry Interval 0: do not retry
                    0x02, 'n', 'o'},                     // Error Reason "no"
                   RequestError{0x10, 0, "no", std::nullopt}});
    out.push_back({"request_error_redirect", v,
                   {0x05, 0x00, 0x11,                    // type 0x5, length 17
                    0x34,                                // Error Code REDIRECT
                    0x01,                                // Retry Interval 1: retry at once
                    0x00,                                // empty Error Reason
                    0x08, 'm', 'o', 'q', 't', ':', '/', '/', 'r',  // Connect URI "moqt://r"
                    0x01, 0x01, 'n', 0x01, 't'},         // Redirect target ("n"), "t"
                   RequestError{0x34, 1, "", Redirect{"moqt://r", track({"n"}, "t")}}});
  }
  return out;
}

// Every parameter kind `m` may carry in `v`, with values that need long varints.
inline MessageParameters every_allowed_parameter(Version v, MessageType m) {
  MessageParameters p;
  auto ok = [&](ParameterType t) { return parameter_allowed(v, m, t); };
  constexpr std::uint64_t kBig = (1ull << 62) + 5;  // a 9-byte varint
  if (ok(ParameterType::kObjectDeliveryTimeout)) p.object_delivery_timeout = 1500;
  if (ok(ParameterType::kAuthorizationToken)) {
    p.authorization_tokens = {AuthorizationToken::enroll(1, 2, "token"), AuthorizationToken::use_alias(1),
                              AuthorizationToken::use_value(0, std::string("\x00\xff", 2)),
                              AuthorizationToken::remove(kBig)};
  }
  if (ok(ParameterType::kRendezvousTimeout)) p.rendezvous_timeout = 0;
  if (ok(ParameterType::kSubgroupDeliveryTimeout)) p.subgroup_delivery_timeout = 300;
  if (ok(ParameterType::kExpires)) p.expires = kBig;
  if (ok(ParameterType::kLargestObject)) p.largest_object = Location{kBig, 17};
  if (ok(ParameterType::kFillTimeout)) p.fill_timeout = 250;
  if (ok(ParameterType::kForward)) p.forward = false;
  if (ok(ParameterType::kSubscriberPriority)) p.subscriber_priority = 255;
  if (ok(ParameterType::kLocationFilter)) {
    if (features(v).subscription_filter) {
      p.subscription_filter = SubscriptionFilter{FilterType::kAbsoluteRange, {10, 2}, 5};
    } else {
      p.location_filter = LocationFilter{10, 2, 5, 7};
    }
  }
  if (ok(ParameterType::kGroupOrder)) p.group_order = GroupOrder::kDescending;
  for (auto t : {ParameterType::kSubgroupFilter, ParameterType::kObjectIdFilter, ParameterType::kPriorityFilter,
                 ParameterType::kObjectPropertyFilter, ParameterType::kTrackPropertyFilter}) {
    if (!ok(t)) continue;
    p.range_filters.push_back(RangeFilter::make(t, 1, {{1, 2}, {5, std::nullopt}}, 0x0e).value());
    p.range_filters.push_back(RangeFilter::make(t, 2, {{0, 0}}, 0x30).value());
  }
  if (ok(ParameterType::kNewGroupRequest)) p.new_group_request = 0;
  if (ok(ParameterType::kTrackNamespacePrefix)) p.track_namespace_prefix = TrackNamespace{{"p", "q"}};
  if (ok(ParameterType::kIncludeProperties)) p.include_properties = false;
  return p;
}

// One message of every kind `v` defines, with every optional field and parameter set.
inline std::vector<ControlMessage> full_messages(Version v) {
  const auto& f = features(v);
  // Ascending, as the Key-Value-Pair delta encoding delivers them.
  const KeyValueList props = {KeyValuePair::blob(0x0d, "cfg"), KeyValuePair::varint(0x0e, 3),
                              KeyValuePair::blob(0x9d, ""), KeyValuePair::varint(0x4000, 1)};
  const FullTrackName name = track({"example.net", "team2", std::string("\x00\x01\x02", 3)}, "report");
  auto params = [&](MessageType m) { return every_allowed_parameter(v, m); };
  std::vector<ControlMessage> out;

  Setup setup;
  setup.options.path = "/relay?x=1";
  setup.options.authorization_tokens = {AuthorizationToken::enroll(3, 1, "jwt"), AuthorizationToken::use_value(1, "")};
  setup.options.max_auth_token_cache_size = 4096;
  setup.options.authority = "relay.example:4443";
  setup.options.moqt_implementation = "kinetic/0.1";
  if (f.setup_max_filter_ranges) setup.options.max_filter_ranges = 16;
  if (f.setup_max_request_updates) setup.options.max_request_updates = 2;
  setup.options.unknown = {KeyValuePair::blob(0x9d, "grease"), KeyValuePair::varint(0x11c, 7)};
  out.emplace_back(setup);

  out.emplace_back(Goaway{"moqt://other.example/x", 5000,
                          f.goaway_request_id ? std::optional<std::uint64_t>(9) : std::nullopt});
  out.emplace_back(Subscribe{(1ull << 40), name, params(MessageType::kSubscribe)});
  out.emplace_back(SubscribeOk{77, params(MessageType::kSubscribeOk), props});
  out.emplace_back(RequestUpdate{6, params(MessageType::kRequestUpdate)});
  if (f.publish_state_notify) out.emplace_back(PublishStateNotify{params(MessageType::kPublishStateNotify)});
  out.emplace_back(Publish{3, name, 12, params(MessageType::kPublish), props});
  if (f.publish_ok_message) out.emplace_back(PublishOk{params(MessageType::kPublishOk), {}});
  out.emplace_back(PublishDone{static_cast<std::uint64_t>(PublishDoneCode::kSubscriptionEnded),
                               f.stream_count_unknown, std::string(1024, 'r')});

  Fetch standalone;
  standalone.request_id = 20;
  standalone.fetch_type = FetchType::kStandalone;
  standalone.standalone.track = name;
  if (f.fetch_locations_in_body) {
    standalone.standalone.start = Location{1, 2};
    standalone.standalone.end = Location{9, 0};
  }
  standalone.parameters = params(MessageType::kFetch);
  out.emplace_back(standalone);
  for (FetchType t : {FetchType::kRelativeJoining, FetchType::kAbsoluteJoining}) {
    Fetch joining;
    joining.request_id = 22;
    joining.fetch_type = t;
    joining.joining.joining_request_id = 20;
    if (f.fetch_locations_in_body) joining.joining.joining_start = 3;
    joining.parameters = params(MessageType::kFetch);
    out.emplace_back(joining);
  }
  out.emplace_back(FetchOk{false, {(1ull << 62), 0}, params(MessageType::kFetchOk), props});
  out.emplace_back(TrackStatus{24, name, params(MessageType::kTrackStatus)});
  out.emplace_back(PublishNamespace{26, name.track_namespace, params(MessageType::kPublishNamespace)});
  out.emplace_back(Namespace{TrackNamespace{{"room", "1"}}});
  out.emplace_back(NamespaceDone{TrackNamespace{{"room", "1"}}});
  out.emplace_back(SubscribeNamespace{28, TrackNamespace{{"example.net"}}, params(MessageType::kSubscribeNamespace)});
  out.emplace_back(SubscribeTracks{30, TrackNamespace{}, params(MessageType::kSubscribeTracks)});
  out.emplace_back(PublishSkipped{track({"team2"}, "")});
  out.emplace_back(RequestOk{params(MessageType::kRequestOk), props});
  out.emplace_back(RequestError{static_cast<std::uint64_t>(RequestErrorCode::kExcessiveLoad), 1001, "busy", std::nullopt});
  out.emplace_back(RequestError{static_cast<std::uint64_t>(RequestErrorCode::kRedirect), 0, "moved",
                                Redirect{"moqt://edge.example", name}});
  return out;
}

}  // namespace kinetic::wire::testing
