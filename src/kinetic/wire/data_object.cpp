#include "kinetic/wire/data_object.hpp"

namespace kinetic::wire {

std::string_view object_status_name(ObjectStatus s) noexcept {
  switch (s) {
    case ObjectStatus::kNormal:
      return "Normal";
    case ObjectStatus::kEndOfGroup:
      return "End of Group";
    case ObjectStatus::kEndOfTrack:
      return "End of Track";
  }
  return "unknown";
}

Result<ObjectStatus> object_status_from_wire(std::uint64_t value) noexcept {
  switch (value) {
    case 0x0:
      return ObjectStatus::kNormal;
    case 0x3:
      return ObjectStatus::kEndOfGroup;
    case 0x4:
      return ObjectStatus::kEndOfTrack;
    default:
      return Error{Errc::kProtocolViolation, "unknown object status"};
  }
}

Status check_object_status_rules(ObjectStatus status, std::size_t payload_size,
                                 bool has_properties) noexcept {
  if (!status_permits_payload(status) && payload_size != 0) {
    return Error{Errc::kProtocolViolation, "object status forbids a payload"};
  }
  if (status != ObjectStatus::kNormal && has_properties) {
    return Error{Errc::kProtocolViolation, "only Normal objects carry properties"};
  }
  return ok_status();
}

Status read_properties_field(ByteReader& r, const DataLimits& limits, KeyValueList& out) {
  KINETIC_TRY(const std::uint64_t length, r.varint());
  if (length > limits.max_property_bytes) {
    return Error{Errc::kLimitExceeded, "object properties exceed the limit"};
  }
  KINETIC_TRY(auto block, r.bytes(static_cast<std::size_t>(length)));
  return read_key_values_block(block, out, limits.max_properties);
}

Status check_properties_field(const KeyValueList& properties) {
  return check_value_lengths(properties, "object property over 65535 bytes");
}

void write_properties_field(ByteWriter& w, const KeyValueList& properties) {
  w.varint(key_values_size(properties));
  write_key_values(w, properties);
}

std::size_t properties_field_size(const KeyValueList& properties) {
  const std::size_t n = key_values_size(properties);
  return varint_size(n) + n;
}

namespace {

bool is_mandatory_track(std::uint64_t type) noexcept {
  return type >= property::kMandatoryTrackFirst && type <= property::kMandatoryTrackLast;
}

}  // namespace

Status check_object_properties(const KeyValueList& properties) {
  int immutable = 0;
  int group_gap = 0;
  int object_gap = 0;
  auto count = [&](const KeyValueList& list) -> Status {
    for (const auto& kv : list) {
      if (is_mandatory_track(kv.type)) {
        return Error{Errc::kProtocolViolation, "mandatory track property on an object"};
      }
      if (kv.type == property::kPriorGroupIdGap) ++group_gap;
      if (kv.type == property::kPriorObjectIdGap) ++object_gap;
    }
    return ok_status();
  };
  KINETIC_CHECK(count(properties));
  for (const auto& kv : properties) {
    if (kv.type != property::kImmutableProperties) continue;
    if (++immutable > 1) return Error{Errc::kProtocolViolation, "more than one Immutable Properties"};
    KeyValueList inner;
    auto parsed = read_key_values_block(
        {reinterpret_cast<const std::uint8_t*>(kv.bytes.data()), kv.bytes.size()}, inner);
    if (!parsed) return Error{Errc::kProtocolViolation, "Immutable Properties do not parse"};
    if (find_key_value(inner, property::kImmutableProperties) != nullptr) {
      return Error{Errc::kProtocolViolation, "Immutable Properties nested"};
    }
    KINETIC_CHECK(count(inner));
  }
  if (group_gap > 1) return Error{Errc::kProtocolViolation, "repeated Prior Group ID Gap"};
  if (object_gap > 1) return Error{Errc::kProtocolViolation, "repeated Prior Object ID Gap"};
  return ok_status();
}

}  // namespace kinetic::wire
