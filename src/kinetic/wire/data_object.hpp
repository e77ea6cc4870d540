// The MoQT object as the data plane carries it (draft-18 §11.2): location, publisher priority,
// forwarding preference, status, properties and payload. Payloads are `SharedBytes`, so an
// object decoded from a received buffer, cached and forwarded never copies its payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kinetic/wire/key_value.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/base/shared_bytes.hpp"

namespace kinetic::wire {

enum class ObjectStatus : std::uint64_t {
  kNormal = 0x0,
  kEndOfGroup = 0x3,
  kEndOfTrack = 0x4,
};

std::string_view object_status_name(ObjectStatus s) noexcept;
// Unknown values are a protocol violation (draft-18 §11.2.1.1; draft-20 keeps the rule and
// moves the list to a registry).
Result<ObjectStatus> object_status_from_wire(std::uint64_t value) noexcept;
// Whether a status may carry a payload (draft-20's "Payload" registry column): only Normal.
constexpr bool status_permits_payload(ObjectStatus s) noexcept { return s == ObjectStatus::kNormal; }

enum class ForwardingPreference : std::uint8_t { kSubgroup, kDatagram };

// Property types the transport drafts define (draft-18 §12 and §15.8).
namespace property {
inline constexpr std::uint64_t kObjectDeliveryTimeout = 0x02;
inline constexpr std::uint64_t kMaxCacheDuration = 0x04;
inline constexpr std::uint64_t kSubgroupDeliveryTimeout = 0x06;
inline constexpr std::uint64_t kImmutableProperties = 0x0B;
inline constexpr std::uint64_t kDefaultPublisherPriority = 0x0E;
inline constexpr std::uint64_t kDefaultPublisherGroupOrder = 0x22;
inline constexpr std::uint64_t kDynamicGroups = 0x30;
inline constexpr std::uint64_t kPriorGroupIdGap = 0x3C;
inline constexpr std::uint64_t kPriorObjectIdGap = 0x3E;
inline constexpr std::uint64_t kMandatoryTrackFirst = 0x4000;
inline constexpr std::uint64_t kMandatoryTrackLast = 0x7FFF;
}  // namespace property

// Receiver-side bounds, checked as soon as a length field is read so that a hostile length
// never causes an allocation or unbounded buffering.
struct DataLimits {
  std::size_t max_payload_bytes = 16u << 20;   // per object
  std::size_t max_property_bytes = 64u << 10;  // per object's Properties field
  std::size_t max_properties = kDefaultMaxKeyValues;
};

// DEFAULT PUBLISHER PRIORITY when the track property is absent (draft-18 §12.4).
inline constexpr std::uint8_t kDefaultPublisherPriority = 128;

// GROUP ORDER as the control plane carries it and as a fetch stream follows it; one type, so
// control and data headers can be included together.
enum class GroupOrder : std::uint8_t { kAscending = 0x1, kDescending = 0x2 };

struct Location {
  std::uint64_t group = 0;
  std::uint64_t object = 0;
  friend auto operator<=>(const Location&, const Location&) = default;
};

struct Object {
  std::uint64_t group_id = 0;
  std::uint64_t subgroup_id = 0;  // meaningless when forwarding is kDatagram
  std::uint64_t object_id = 0;
  // nullopt: inherited from the subscription (the DEFAULT_PRIORITY bits).
  std::optional<std::uint8_t> publisher_priority{};
  ForwardingPreference forwarding = ForwardingPreference::kSubgroup;
  ObjectStatus status = ObjectStatus::kNormal;
  KeyValueList properties{};
  SharedBytes payload{};

  [[nodiscard]] Location location() const noexcept { return {group_id, object_id}; }
  friend bool operator==(const Object&, const Object&) = default;
};

// The status/payload/properties rules every object obeys, whatever carries it: a non-Normal
// status has no payload and no properties.
Status check_object_status_rules(ObjectStatus status, std::size_t payload_size, bool has_properties) noexcept;

// The Object Properties field: a byte length, then Key-Value-Pairs. The length is checked
// against `limits` before the bytes are awaited; a pair overrunning the field is a protocol
// violation.
Status read_properties_field(ByteReader& r, const DataLimits& limits, KeyValueList& out);
// What every object writer checks before its first byte: no value longer than a peer reads.
Status check_properties_field(const KeyValueList& properties);
void write_properties_field(ByteWriter& w, const KeyValueList& properties);
std::size_t properties_field_size(const KeyValueList& properties);

// Checks of an object's property list that make the *track* malformed rather than the session
// fail (draft-18 §2.4.2 "Malformed Tracks"): a Mandatory Track Property on an object, nested or
// repeated Immutable Properties, a repeated or unparsable gap property. Returns
// kProtocolViolation with the reason; the caller resets with MALFORMED_TRACK.
Status check_object_properties(const KeyValueList& properties);

}  // namespace kinetic::wire
