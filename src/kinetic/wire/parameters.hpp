// Message Parameters (draft §"Message Parameters") and Setup Options (§"SETUP").
//
// Message Parameters are not Key-Value-Pairs: each type fixes its own encoding (uint8,
// varint, Location, length-prefixed, Track Namespace), so an unknown type cannot be
// skipped and is a PROTOCOL_VIOLATION, and the block is bounded by a count. Setup Options
// are Key-Value-Pairs spanning the SETUP body; unknown options are kept, not refused.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/control_types.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/wire/key_value.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/track_name.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

// Location {Group (vi64), Object (vi64)} is the data plane's struct (data_object.hpp), shared
// so that a Location means one type on both planes.
Status read_location(ByteReader& r, Location& out);
void write_location(ByteWriter& w, const Location& loc);

// Kinetic's bound on a message's parameter count, checked before any parameter is read.
// A 65535-byte body could not hold many more than this of the smallest parameters anyway.
inline constexpr std::uint64_t kMaxMessageParameters = 256;

enum class ParameterType : std::uint64_t {
  kObjectDeliveryTimeout = 0x02,
  kAuthorizationToken = 0x03,
  kRendezvousTimeout = 0x04,
  kSubgroupDeliveryTimeout = 0x06,
  kExpires = 0x08,
  kLargestObject = 0x09,
  kFillTimeout = 0x0A,
  kForward = 0x10,
  kSubscriberPriority = 0x20,
  kSubscriptionFilter = 0x21,  // draft-18 name
  kLocationFilter = 0x21,      // draft-20 name and encoding
  kGroupOrder = 0x22,
  kSubgroupFilter = 0x25,        // draft-20
  kObjectIdFilter = 0x26,        // draft-20
  kPriorityFilter = 0x27,        // draft-20
  kObjectPropertyFilter = 0x28,  // draft-20
  kTrackPropertyFilter = 0x29,   // draft-20
  kNewGroupRequest = 0x32,
  kTrackNamespacePrefix = 0x34,
  kIncludeProperties = 0x35,  // draft-20
};

// --- AUTHORIZATION TOKEN (message parameter 0x03 and setup option 0x03) ---------------
enum class AliasType : std::uint64_t {
  kDelete = 0x0,    // Alias only
  kRegister = 0x1,  // Alias, Type, Value
  kUseAlias = 0x2,  // Alias only
  kUseValue = 0x3,  // Type, Value
};

struct AuthorizationToken {
  AliasType alias_type = AliasType::kUseValue;
  std::uint64_t token_alias = 0;  // DELETE, REGISTER, USE_ALIAS
  std::uint64_t token_type = 0;   // REGISTER, USE_VALUE
  std::string token_value;        // REGISTER, USE_VALUE

  static AuthorizationToken remove(std::uint64_t alias) { return {AliasType::kDelete, alias, 0, {}}; }
  static AuthorizationToken enroll(std::uint64_t alias, std::uint64_t type, std::string value) {
    return {AliasType::kRegister, alias, type, std::move(value)};
  }
  static AuthorizationToken use_alias(std::uint64_t alias) { return {AliasType::kUseAlias, alias, 0, {}}; }
  static AuthorizationToken use_value(std::uint64_t type, std::string value) {
    return {AliasType::kUseValue, 0, type, std::move(value)};
  }

  // Bytes it occupies in the peer's token cache (MAX_AUTH_TOKEN_CACHE_SIZE): 16 + value.
  [[nodiscard]] std::size_t cache_size() const noexcept { return 16 + token_value.size(); }
  friend bool operator==(const AuthorizationToken&, const AuthorizationToken&) = default;
};

// The Token structure inside its length prefix; a malformed one is KEY_VALUE_FORMATTING_ERROR.
Result<AuthorizationToken> decode_token(std::span<const std::uint8_t> value);
std::string encode_token(const AuthorizationToken& token);

// --- GROUP ORDER: wire::GroupOrder, defined beside Location in data_object.hpp ------------

// --- SUBSCRIPTION FILTER (draft-18, parameter 0x21) --------------------------------------
enum class FilterType : std::uint64_t {
  kNextGroupStart = 0x1,
  kLargestObject = 0x2,
  kAbsoluteStart = 0x3,
  kAbsoluteRange = 0x4,
};

struct SubscriptionFilter {
  FilterType type = FilterType::kLargestObject;
  Location start;                   // AbsoluteStart, AbsoluteRange
  std::uint64_t end_group_delta = 0;  // AbsoluteRange

  // Last Group delivered by an AbsoluteRange filter (Start.Group + End Group Delta).
  [[nodiscard]] std::uint64_t end_group() const noexcept { return start.group + end_group_delta; }
  friend bool operator==(const SubscriptionFilter&, const SubscriptionFilter&) = default;
};

// --- LOCATION FILTER (draft-20, parameter 0x21) ------------------------------------------
// The length says how many of the four fields are present; each needs all before it.
struct LocationFilter {
  std::optional<std::uint64_t> start_group;
  std::optional<std::uint64_t> start_object;
  std::optional<std::uint64_t> end_group_delta;
  std::optional<std::uint64_t> end_object;

  // Length 0: no filter (removes one in REQUEST_UPDATE).
  [[nodiscard]] bool empty() const noexcept { return !start_group; }
  // Only StartGroup: groups before the Next Group, relative to Largest Object.
  [[nodiscard]] bool relative_start() const noexcept { return start_group && !start_object; }
  // StartGroup = StartObject = 0 and no end: the Next Object after Largest Object.
  [[nodiscard]] bool next_object() const noexcept {
    return start_object && !end_group_delta && *start_group == 0 && *start_object == 0;
  }
  [[nodiscard]] std::optional<std::uint64_t> end_group() const noexcept {
    if (!end_group_delta) return std::nullopt;
    return *start_group + *end_group_delta;
  }
  friend bool operator==(const LocationFilter&, const LocationFilter&) = default;
};

// --- Range Filters (draft-20, parameters 0x25..0x29) ------------------------------------
struct Range {
  std::uint64_t start = 0;
  std::optional<std::uint64_t> end;  // only the last range may be open
  friend bool operator==(const Range&, const Range&) = default;
};

// Kept in wire form (delta-encoded values) because a delta that overflows is a request
// error (INVALID_FILTER), not a malformed message: ranges() reports it.
struct RangeFilter {
  ParameterType type = ParameterType::kSubgroupFilter;
  bool clear = false;  // Length 0: remove this filter (REQUEST_UPDATE)
  std::uint8_t set_id = 0;
  std::uint64_t property_type = 0;  // OBJECT_PROPERTY_FILTER, TRACK_PROPERTY_FILTER
  std::vector<std::uint64_t> deltas;  // Start, End, Start, End, ..., [Start]

  [[nodiscard]] bool has_property_type() const noexcept {
    return type == ParameterType::kObjectPropertyFilter || type == ParameterType::kTrackPropertyFilter;
  }
  // Absolute inclusive ranges; kInvalidValue ("INVALID_FILTER") when a delta overflows.
  [[nodiscard]] Result<std::vector<Range>> ranges() const;
  [[nodiscard]] std::size_t range_count() const noexcept { return (deltas.size() + 1) / 2; }
  // Builds the delta form; kInvalidValue when ranges are not ascending or an inner range is open.
  static Result<RangeFilter> make(ParameterType type, std::uint8_t set_id, std::vector<Range> ranges,
                                  std::uint64_t property_type = 0);
  friend bool operator==(const RangeFilter&, const RangeFilter&) = default;
};

// Request-level checks of draft-20 §"Range Filters" (each failure is REQUEST_ERROR
// INVALID_FILTER, reported as kInvalidValue): overflowing deltas, priorities over 255,
// odd property types, repeated (type, SetID, property type), more than `max_ranges`.
Status check_range_filters(const std::vector<RangeFilter>& filters, std::uint64_t max_ranges);

// --- The parameter block ------------------------------------------------------------------
struct MessageParameters {
  std::optional<std::uint64_t> object_delivery_timeout;    // 0x02, ms
  std::vector<AuthorizationToken> authorization_tokens;    // 0x03, may repeat
  std::optional<std::uint64_t> rendezvous_timeout;         // 0x04, ms
  std::optional<std::uint64_t> subgroup_delivery_timeout;  // 0x06, ms
  std::optional<std::uint64_t> expires;                    // 0x08, ms
  std::optional<Location> largest_object;                  // 0x09
  std::optional<std::uint64_t> fill_timeout;               // 0x0A, ms
  std::optional<bool> forward;                             // 0x10
  std::optional<std::uint8_t> subscriber_priority;         // 0x20
  std::optional<SubscriptionFilter> subscription_filter;   // 0x21, draft-18
  std::optional<LocationFilter> location_filter;           // 0x21, draft-20
  std::optional<GroupOrder> group_order;                   // 0x22
  std::vector<RangeFilter> range_filters;                  // 0x25..0x29, may repeat
  std::optional<std::uint64_t> new_group_request;          // 0x32
  std::optional<TrackNamespace> track_namespace_prefix;    // 0x34
  std::optional<bool> include_properties;                  // 0x35, draft-20

  // Defaults the draft gives when a parameter is absent.
  [[nodiscard]] std::uint8_t subscriber_priority_or_default() const noexcept {
    return subscriber_priority.value_or(128);
  }
  [[nodiscard]] bool forward_or_default() const noexcept { return forward.value_or(true); }
  [[nodiscard]] bool include_properties_or_default() const noexcept { return include_properties.value_or(true); }

  [[nodiscard]] std::size_t count() const noexcept;
  friend bool operator==(const MessageParameters&, const MessageParameters&) = default;
};

// Whether `type` may appear in `message` in `v` (draft: "MAY appear in ...").
bool parameter_allowed(Version v, MessageType message, ParameterType type) noexcept;

// Number of Parameters (vi64) and the parameters. Unknown types, types not allowed in
// `message`, repeats of a non-repeatable type and out-of-range values are
// PROTOCOL_VIOLATION; a malformed token is KEY_VALUE_FORMATTING_ERROR.
Status read_parameters(ByteReader& r, Version v, MessageType message, MessageParameters& out);
// kVersionMismatch for a parameter `v` lacks, kInvalidValue for one `message` may not carry.
Status write_parameters(ByteWriter& w, Version v, MessageType message, const MessageParameters& params);

// --- Setup Options ------------------------------------------------------------------------
enum class SetupOptionType : std::uint64_t {
  kPath = 0x01,
  kAuthorizationToken = 0x03,
  kMaxAuthTokenCacheSize = 0x04,
  kAuthority = 0x05,
  kMaxFilterRanges = 0x06,  // draft-20
  kMoqtImplementation = 0x07,
  kMaxRequestUpdates = 0x08,  // draft-20
};

struct SetupOptions {
  std::optional<std::string> path;                           // 0x01
  std::vector<AuthorizationToken> authorization_tokens;      // 0x03, may repeat
  std::optional<std::uint64_t> max_auth_token_cache_size;    // 0x04 (default 0)
  std::optional<std::string> authority;                      // 0x05
  std::optional<std::uint64_t> max_filter_ranges;            // 0x06, draft-20 (default 0)
  std::optional<std::string> moqt_implementation;            // 0x07
  std::optional<std::uint64_t> max_request_updates;          // 0x08, draft-20 (default 0)
  KeyValueList unknown;  // ignored by the receiver, kept so they can be inspected/relayed

  friend bool operator==(const SetupOptions&, const SetupOptions&) = default;
};

// The options fill `body`. In draft-18 the draft-20 option types are unknown options.
Status read_setup_options(std::span<const std::uint8_t> body, Version v, SetupOptions& out);
Status write_setup_options(ByteWriter& w, Version v, const SetupOptions& options);

}  // namespace kinetic::wire
