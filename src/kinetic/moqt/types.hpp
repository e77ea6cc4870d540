// The vocabulary of the MoQT session API: locations, objects, filters, tokens and request
// outcomes. These are the session's own types rather than the wire structs so that the API is
// the same for both drafts and so that control-plane and data-plane code (whose wire headers
// are kept apart) can both use them.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/wire/key_value.hpp"
#include "kinetic/base/shared_bytes.hpp"
#include "kinetic/wire/track_name.hpp"

namespace kinetic::moqt {

using wire::FullTrackName;
using wire::KeyValueList;
using wire::KeyValuePair;
using wire::TrackNamespace;

struct Location {
  std::uint64_t group = 0;
  std::uint64_t object = 0;
  friend bool operator==(const Location&, const Location&) = default;
  friend auto operator<=>(const Location&, const Location&) = default;
};

enum class GroupOrder : std::uint8_t { kAscending = 0x1, kDescending = 0x2 };

enum class ObjectStatus : std::uint64_t { kNormal = 0x0, kEndOfGroup = 0x3, kEndOfTrack = 0x4 };

inline constexpr std::uint8_t kDefaultPriority = 128;

// One object as the application sees it. The payload is shared, immutable memory: a relay
// hands the same buffer to every downstream subscription.
struct Object {
  std::uint64_t group_id = 0;
  std::uint64_t subgroup_id = 0;
  std::uint64_t object_id = 0;
  std::uint8_t publisher_priority = kDefaultPriority;
  bool datagram = false;
  ObjectStatus status = ObjectStatus::kNormal;
  KeyValueList properties{};
  SharedBytes payload{};

  [[nodiscard]] Location location() const noexcept { return {group_id, object_id}; }
  friend bool operator==(const Object&, const Object&) = default;
};

// Location filters: draft-18 SUBSCRIPTION_FILTER's four types, and draft-20 LOCATION_FILTER,
// which adds a start some groups back and an end object. Filters draft-18 cannot express are
// refused before they are sent.
enum class FilterType : std::uint8_t {
  kNextGroupStart,  // from the next group after the largest object
  kLargestObject,   // from the object after the largest object
  kAbsoluteStart,   // from `start`
  kAbsoluteRange,   // from `start` to `end_group` (all of it, or up to `end_object`)
  kRecentGroups,    // draft-20: from {largest.group + 1 - groups_back, 0} (1: the current group)
};

struct SubscribeFilter {
  FilterType type = FilterType::kLargestObject;
  Location start{};
  std::uint64_t end_group = 0;               // kAbsoluteRange only
  std::optional<std::uint64_t> end_object;   // kAbsoluteRange, draft-20 only
  std::uint64_t groups_back = 0;             // kRecentGroups only

  static SubscribeFilter next_group() { return {FilterType::kNextGroupStart, {}, 0, {}, 0}; }
  static SubscribeFilter largest() { return {FilterType::kLargestObject, {}, 0, {}, 0}; }
  static SubscribeFilter from(Location s) { return {FilterType::kAbsoluteStart, s, 0, {}, 0}; }
  static SubscribeFilter range(Location s, std::uint64_t end, std::optional<std::uint64_t> end_object = {}) {
    return {FilterType::kAbsoluteRange, s, end, end_object, 0};
  }
  static SubscribeFilter recent_groups(std::uint64_t n) { return {FilterType::kRecentGroups, {}, 0, {}, n}; }
  // An absolute range whose end comes before its start: INVALID_RANGE.
  [[nodiscard]] bool ends_before_start() const noexcept {
    return type == FilterType::kAbsoluteRange &&
           (end_group < start.group ||
            (end_group == start.group && end_object && *end_object < start.object));
  }
  friend bool operator==(const SubscribeFilter&, const SubscribeFilter&) = default;
};

// Draft-20 Range Filters (SUBGROUP / OBJECTID / PRIORITY / OBJECT_PROPERTY / TRACK_PROPERTY
// _FILTER): an object passes when, for some SetID, it passes every filter of that set.
enum class RangeField : std::uint8_t { kSubgroup, kObjectId, kPriority, kObjectProperty, kTrackProperty };

struct ValueRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last;  // open-ended (the last range of a filter only)
  friend bool operator==(const ValueRange&, const ValueRange&) = default;
};

struct RangeFilter {
  RangeField field = RangeField::kSubgroup;
  std::uint8_t set_id = 0;
  std::uint64_t property_type = 0;  // kObjectProperty, kTrackProperty
  std::vector<ValueRange> ranges;   // ascending; empty in REQUEST_UPDATE removes the filter
  friend bool operator==(const RangeFilter&, const RangeFilter&) = default;
};

// An AUTHORIZATION TOKEN carried by value (type and opaque bytes), passed through unchanged.
struct AuthToken {
  std::uint64_t type = 0;
  std::string value;
  friend bool operator==(const AuthToken&, const AuthToken&) = default;
};

// REQUEST_ERROR as received or to be sent. Codes are wire::RequestErrorCode values.
struct RequestErrorInfo {
  std::uint64_t code = 0;
  std::string reason;
  std::uint64_t retry_interval_ms = 0;
  std::optional<std::string> redirect_uri;  // REDIRECT
};

// Subscriber-side preferences of a SUBSCRIBE, PUBLISH_OK or REQUEST_UPDATE.
struct SubscribeOptions {
  std::uint8_t subscriber_priority = kDefaultPriority;
  std::optional<GroupOrder> group_order;  // nullopt: the publisher's
  SubscribeFilter filter = SubscribeFilter::largest();
  std::vector<RangeFilter> range_filters;  // draft-20
  bool forward = true;
  std::optional<std::uint64_t> delivery_timeout_ms;  // OBJECT_DELIVERY_TIMEOUT
  std::vector<AuthToken> tokens;
  // NEW_GROUP_REQUEST in a SUBSCRIBE (PUBLISH_OK in draft-18): the largest group the subscriber
  // knows plus one, 0 for none. An original publisher with dynamic groups begins a new group
  // soon after; one without ignores it. Later asks go through Subscription::request_new_group.
  std::optional<std::uint64_t> new_group_request;
};

// What the publisher tells about its track in SUBSCRIBE_OK / PUBLISH / FETCH_OK / TRACK_STATUS.
struct TrackInfo {
  std::optional<Location> largest;
  GroupOrder group_order = GroupOrder::kAscending;
  std::uint8_t publisher_priority = kDefaultPriority;
  std::optional<std::uint64_t> expires_ms;
  KeyValueList track_properties;
  // DYNAMIC_GROUPS: subscribers may ask the original publisher for a new group.
  bool dynamic_groups = false;
};

}  // namespace kinetic::moqt
