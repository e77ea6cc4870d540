#include "kinetic/wire/data_datagram.hpp"

#include "kinetic/wire/byte_reader.hpp"

namespace kinetic::wire {

DatagramTypeBits ObjectDatagramHead::type_bits() const noexcept {
  return {.properties = !properties.empty(),
          .end_of_group = end_of_group,
          .zero_object_id = object_id == 0,
          .default_priority = !publisher_priority.has_value(),
          .status = status.has_value()};
}

ObjectDatagramHead datagram_head_for(std::uint64_t track_alias, const Object& object, bool end_of_group) {
  ObjectDatagramHead h;
  h.track_alias = track_alias;
  h.group_id = object.group_id;
  h.object_id = object.object_id;
  h.publisher_priority = object.publisher_priority;
  h.end_of_group = end_of_group;
  h.properties = object.properties;
  if (object.status != ObjectStatus::kNormal || object.payload.empty()) h.status = object.status;
  return h;
}

Status write_object_datagram_head(ByteWriter& w, const ObjectDatagramHead& head) {
  if (head.status && head.end_of_group) {
    return Error{Errc::kInvalidValue, "a status datagram cannot signal end of group"};
  }
  if (head.status && *head.status != ObjectStatus::kNormal && !head.properties.empty()) {
    return Error{Errc::kInvalidValue, "only Normal objects carry properties"};
  }
  KINETIC_CHECK(check_properties_field(head.properties));
  const DatagramTypeBits bits = head.type_bits();
  w.varint(encode_datagram_type(bits));
  w.varint(head.track_alias);
  w.varint(head.group_id);
  if (!bits.zero_object_id) w.varint(head.object_id);
  if (head.publisher_priority) w.u8(*head.publisher_priority);
  if (bits.properties) write_properties_field(w, head.properties);
  if (head.status) w.varint(static_cast<std::uint64_t>(*head.status));
  return ok_status();
}

Status write_object_datagram(ByteWriter& w, const ObjectDatagramHead& head,
                             std::span<const std::uint8_t> payload) {
  if (head.status && !payload.empty()) return Error{Errc::kInvalidValue, "a status datagram has no payload"};
  KINETIC_CHECK(write_object_datagram_head(w, head));
  w.bytes(payload);
  return ok_status();
}

std::size_t object_datagram_head_size(const ObjectDatagramHead& head) {
  const DatagramTypeBits bits = head.type_bits();
  std::size_t n =
      varint_size(encode_datagram_type(bits)) + varint_size(head.track_alias) + varint_size(head.group_id);
  if (!bits.zero_object_id) n += varint_size(head.object_id);
  if (head.publisher_priority) n += 1;
  if (bits.properties) n += properties_field_size(head.properties);
  if (head.status) n += varint_size(static_cast<std::uint64_t>(*head.status));
  return n;
}

namespace {

Result<ObjectDatagramView> read_fields(std::span<const std::uint8_t> datagram, Version version,
                                       const DataLimits& limits) {
  ByteReader r(datagram);
  KINETIC_TRY(const std::uint64_t type, r.varint());
  KINETIC_TRY(const DatagramTypeBits bits, decode_datagram_type(type, version));
  ObjectDatagramView v;
  KINETIC_TRY(v.head.track_alias, r.varint());
  KINETIC_TRY(v.head.group_id, r.varint());
  if (!bits.zero_object_id) {
    KINETIC_TRY(v.head.object_id, r.varint());
  }
  if (!bits.default_priority) {
    KINETIC_TRY(v.head.publisher_priority, r.u8());
  }
  v.head.end_of_group = bits.end_of_group;
  if (bits.properties) {
    KINETIC_CHECK(read_properties_field(r, limits, v.head.properties));
    if (v.head.properties.empty()) {
      return Error{Errc::kProtocolViolation, "PROPERTIES bit with empty properties"};
    }
  }
  if (bits.status) {
    KINETIC_TRY(const std::uint64_t status, r.varint());
    KINETIC_TRY(v.head.status, object_status_from_wire(status));
    KINETIC_CHECK(check_object_status_rules(*v.head.status, 0, bits.properties));
    if (!r.empty()) return Error{Errc::kProtocolViolation, "bytes after a datagram's object status"};
  } else {
    if (r.remaining() > limits.max_payload_bytes) {
      return Error{Errc::kLimitExceeded, "object payload exceeds the limit"};
    }
    v.payload = r.rest();
  }
  return v;
}

}  // namespace

Result<ObjectDatagramView> read_object_datagram(std::span<const std::uint8_t> datagram, Version v,
                                                DataLimits limits) {
  auto fields = read_fields(datagram, v, limits);
  if (!fields && fields.error().need_more()) {
    return Error{Errc::kProtocolViolation, "datagram ends inside a field"};
  }
  return fields;
}

Result<ObjectDatagram> decode_object_datagram(const SharedBytes& datagram, Version version,
                                              DataLimits limits) {
  KINETIC_TRY(auto v, read_object_datagram(datagram.span(), version, limits));
  ObjectDatagram d;
  d.track_alias = v.head.track_alias;
  d.end_of_group = v.head.end_of_group;
  d.object.group_id = v.head.group_id;
  d.object.object_id = v.head.object_id;
  d.object.publisher_priority = v.head.publisher_priority;
  d.object.forwarding = ForwardingPreference::kDatagram;
  d.object.status = v.head.status.value_or(ObjectStatus::kNormal);
  d.object.properties = std::move(v.head.properties);
  if (!v.payload.empty()) {
    d.object.payload =
        datagram.slice(static_cast<std::size_t>(v.payload.data() - datagram.data()), v.payload.size());
  }
  return d;
}

}  // namespace kinetic::wire
