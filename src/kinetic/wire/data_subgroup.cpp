#include "kinetic/wire/data_subgroup.hpp"

namespace kinetic::wire {

SubgroupTypeBits SubgroupHeader::type_bits() const noexcept {
  return {.properties = properties,
          .id_mode = id_mode,
          .end_of_group = end_of_group,
          .default_priority = !publisher_priority.has_value(),
          .first_object = first_object};
}

void write_subgroup_header(ByteWriter& w, const SubgroupHeader& h) {
  w.varint(encode_subgroup_type(h.type_bits()));
  w.varint(h.track_alias);
  w.varint(h.group_id);
  if (h.id_mode == SubgroupIdMode::kExplicit) w.varint(h.subgroup_id);
  if (h.publisher_priority) w.u8(*h.publisher_priority);
}

std::size_t subgroup_header_size(const SubgroupHeader& h) noexcept {
  std::size_t n =
      varint_size(encode_subgroup_type(h.type_bits())) + varint_size(h.track_alias) + varint_size(h.group_id);
  if (h.id_mode == SubgroupIdMode::kExplicit) n += varint_size(h.subgroup_id);
  if (h.publisher_priority) n += 1;
  return n;
}

Result<SubgroupHeader> read_subgroup_header(ByteReader& r, Version v) {
  KINETIC_TRY(const std::uint64_t type, r.varint());
  KINETIC_TRY(const SubgroupTypeBits bits, decode_subgroup_type(type, v));
  SubgroupHeader h;
  h.id_mode = bits.id_mode;
  h.properties = bits.properties;
  h.end_of_group = bits.end_of_group;
  h.first_object = bits.first_object;
  KINETIC_TRY(h.track_alias, r.varint());
  KINETIC_TRY(h.group_id, r.varint());
  if (bits.id_mode == SubgroupIdMode::kExplicit) {
    KINETIC_TRY(h.subgroup_id, r.varint());
  }
  if (!bits.default_priority) {
    KINETIC_TRY(h.publisher_priority, r.u8());
  }
  return h;
}

Status SubgroupObjectWriter::write_object_head(ByteWriter& w, std::uint64_t object_id,
                                               const KeyValueList& properties, ObjectStatus status,
                                               std::size_t payload_length) {
  if (ended_) return Error{Errc::kInvalidValue, "object after an end-of-group or end-of-track status"};
  if (previous_id_ && object_id <= *previous_id_) {
    return Error{Errc::kInvalidValue, "object IDs on a subgroup stream must ascend"};
  }
  if (!previous_id_ && header_.id_mode == SubgroupIdMode::kFirstObjectId &&
      object_id != header_.subgroup_id) {
    return Error{Errc::kInvalidValue, "first object ID must equal the subgroup ID in this mode"};
  }
  if (!header_.properties && !properties.empty()) {
    return Error{Errc::kInvalidValue, "stream header has no PROPERTIES bit"};
  }
  auto rules = check_object_status_rules(status, payload_length, !properties.empty());
  if (!rules) return Error{Errc::kInvalidValue, rules.error().what};
  KINETIC_CHECK(check_properties_field(properties));

  w.varint(previous_id_ ? object_id - *previous_id_ - 1 : object_id);
  if (header_.properties) write_properties_field(w, properties);
  w.varint(payload_length);
  if (payload_length == 0) w.varint(static_cast<std::uint64_t>(status));
  previous_id_ = object_id;
  ended_ = status != ObjectStatus::kNormal;
  return ok_status();
}

Status SubgroupObjectWriter::write_object(ByteWriter& w, std::uint64_t object_id,
                                          const KeyValueList& properties, ObjectStatus status,
                                          std::span<const std::uint8_t> payload) {
  KINETIC_CHECK(write_object_head(w, object_id, properties, status, payload.size()));
  w.bytes(payload);
  return ok_status();
}

Result<SubgroupObjectHead> SubgroupObjectReader::read_object_head(ByteReader& r) {
  KINETIC_TRY(const std::uint64_t delta, r.varint());
  SubgroupObjectHead head;
  if (previous_id_) {
    if (delta >= ~0ull - *previous_id_) return Error{Errc::kProtocolViolation, "object ID overflows"};
    head.object_id = *previous_id_ + delta + 1;
  } else {
    head.object_id = delta;
  }
  if (header_.properties) KINETIC_CHECK(read_properties_field(r, limits_, head.properties));
  KINETIC_TRY(head.payload_length, r.varint());
  if (head.payload_length > limits_.max_payload_bytes) {
    return Error{Errc::kLimitExceeded, "object payload exceeds the limit"};
  }
  if (head.payload_length == 0) {
    KINETIC_TRY(const std::uint64_t status, r.varint());
    KINETIC_TRY(head.status, object_status_from_wire(status));
  }
  // Checked only once the whole head is read, so that a truncated head stays "need more bytes".
  if (ended_) return Error{Errc::kProtocolViolation, "object after an end-of-group or end-of-track status"};
  KINETIC_CHECK(check_object_status_rules(head.status, 0, !head.properties.empty()));
  if (!previous_id_ && header_.id_mode == SubgroupIdMode::kFirstObjectId) {
    header_.subgroup_id = head.object_id;
  }
  previous_id_ = head.object_id;
  ended_ = head.status != ObjectStatus::kNormal;
  return head;
}

Result<SubgroupObjectReader::View> SubgroupObjectReader::read_object(ByteReader& r) {
  // Work on a copy so that a payload cut short leaves both reader and state untouched.
  ByteReader probe = r;
  SubgroupObjectReader saved = *this;
  auto head = read_object_head(probe);
  if (!head) return head.error();
  auto payload = probe.bytes(static_cast<std::size_t>(head->payload_length));
  if (!payload) {
    *this = std::move(saved);
    return payload.error();
  }
  r = probe;
  return View{std::move(*head), *payload};
}

Object SubgroupObjectReader::to_object(SubgroupObjectHead head, SharedBytes payload) const {
  Object o;
  o.group_id = header_.group_id;
  o.subgroup_id = header_.subgroup_id;
  o.object_id = head.object_id;
  o.publisher_priority = header_.publisher_priority;
  o.forwarding = ForwardingPreference::kSubgroup;
  o.status = head.status;
  o.properties = std::move(head.properties);
  o.payload = std::move(payload);
  return o;
}

Result<DecodedSubgroup> decode_subgroup_stream(const SharedBytes& stream, Version v, DataLimits limits) {
  ByteReader r(stream.span());
  KINETIC_TRY(SubgroupHeader header, read_subgroup_header(r, v));
  SubgroupObjectReader reader(header, limits);
  DecodedSubgroup out;
  while (!r.empty()) {
    KINETIC_TRY(auto view, reader.read_object(r));
    const auto offset = static_cast<std::size_t>(view.payload.data() - stream.data());
    out.objects.push_back(reader.to_object(std::move(view.head), stream.slice(offset, view.payload.size())));
  }
  out.header = reader.header();
  return out;
}

}  // namespace kinetic::wire
