#include "kinetic/wire/data_fetch.hpp"

#include "kinetic/wire/data_stream_type.hpp"

namespace kinetic::wire {
namespace {

constexpr std::uint64_t kMax = ~0ull;

Result<std::uint64_t> end_of_range_flags(FetchEntryKind kind, Version v) {
  switch (kind) {
    case FetchEntryKind::kEndOfNonExistentRange:
      return fetch_flags::kEndOfNonExistentRange;
    case FetchEntryKind::kEndOfUnknownRange:
      return fetch_flags::kEndOfUnknownRange;
    case FetchEntryKind::kEndOfTimedOutRange:
      if (!features(v).fetch_end_of_timed_out_range) {
        return Error{Errc::kVersionMismatch, "End of Timed-Out Range needs draft-20"};
      }
      return fetch_flags::kEndOfTimedOutRange;
    case FetchEntryKind::kObject:
      break;
  }
  return Error{Errc::kInvalidValue, "not an End of Range kind"};
}

Result<FetchEntryKind> end_of_range_kind(std::uint64_t flags, Version v) {
  if (flags == fetch_flags::kEndOfNonExistentRange) return FetchEntryKind::kEndOfNonExistentRange;
  if (flags == fetch_flags::kEndOfUnknownRange) return FetchEntryKind::kEndOfUnknownRange;
  if (flags == fetch_flags::kEndOfTimedOutRange && features(v).fetch_end_of_timed_out_range) {
    return FetchEntryKind::kEndOfTimedOutRange;
  }
  return Error{Errc::kProtocolViolation, "unknown fetch serialization flags"};
}

}  // namespace

void write_fetch_header(ByteWriter& w, const FetchHeader& h) {
  w.varint(kFetchHeaderType);
  w.varint(h.request_id);
}

Result<FetchHeader> read_fetch_header(ByteReader& r) {
  KINETIC_TRY(const std::uint64_t type, r.varint());
  if (type != kFetchHeaderType) return Error{Errc::kProtocolViolation, "not a FETCH_HEADER"};
  FetchHeader h;
  KINETIC_TRY(h.request_id, r.varint());
  return h;
}

FetchObjectHead fetch_head_for(const Object& object) {
  FetchObjectHead h;
  h.group_id = object.group_id;
  h.object_id = object.object_id;
  h.forwarding = object.forwarding;
  h.subgroup_id = object.forwarding == ForwardingPreference::kDatagram ? 0 : object.subgroup_id;
  h.publisher_priority = object.publisher_priority.value_or(kDefaultPublisherPriority);
  h.properties = object.properties;
  h.payload_length = object.payload.size();
  return h;
}

Status FetchObjectWriter::check_location(Location next) const {
  if (!prior_.location) return ok_status();
  const Location prior = *prior_.location;
  if (next.group == prior.group) {
    if (next.object <= prior.object)
      return Error{Errc::kInvalidValue, "fetch object IDs must ascend in a group"};
    return ok_status();
  }
  const bool forward = order_ == GroupOrder::kAscending ? next.group > prior.group : next.group < prior.group;
  if (!forward) return Error{Errc::kInvalidValue, "fetch groups out of the stream's group order"};
  return ok_status();
}

Status FetchObjectWriter::write_object_head(ByteWriter& w, const FetchObjectHead& head) {
  if (head.kind != FetchEntryKind::kObject)
    return write_end_of_range(w, head.kind, {head.group_id, head.object_id});
  KINETIC_CHECK(check_location({head.group_id, head.object_id}));
  KINETIC_CHECK(check_properties_field(head.properties));

  std::uint64_t flags = 0;
  std::optional<std::uint64_t> group_field;
  std::optional<std::uint64_t> subgroup_field;
  std::optional<std::uint64_t> object_field;
  if (!prior_.location) {
    group_field = head.group_id;
    object_field = head.object_id;
  } else {
    const Location prior = *prior_.location;
    if (head.group_id != prior.group) {
      group_field = order_ == GroupOrder::kAscending ? head.group_id - prior.group - 1
                                                     : prior.group - head.group_id - 1;
    }
    const bool next_in_line = prior.object != kMax && head.object_id == prior.object + 1;
    if (!next_in_line) object_field = group_field ? head.object_id : head.object_id - prior.object;
  }
  if (group_field) flags |= fetch_flags::kGroupIdDelta;
  if (object_field) flags |= fetch_flags::kObjectIdDelta;

  if (head.forwarding == ForwardingPreference::kDatagram) {
    flags |= fetch_flags::kDatagram;
  } else if (head.subgroup_id == 0) {
    flags |= fetch_flags::kSubgroupZero;
  } else if (prior_.subgroup_id && head.subgroup_id == *prior_.subgroup_id) {
    flags |= fetch_flags::kSubgroupPrior;
  } else if (prior_.subgroup_id && *prior_.subgroup_id != kMax &&
             head.subgroup_id == *prior_.subgroup_id + 1) {
    flags |= fetch_flags::kSubgroupPriorPlusOne;
  } else {
    flags |= fetch_flags::kSubgroupPresent;
    subgroup_field = head.subgroup_id;
  }
  const bool priority_field = !prior_.priority || *prior_.priority != head.publisher_priority;
  if (priority_field) flags |= fetch_flags::kPriority;
  if (!head.properties.empty()) flags |= fetch_flags::kProperties;

  w.varint(flags);
  if (group_field) w.varint(*group_field);
  if (subgroup_field) w.varint(*subgroup_field);
  if (object_field) w.varint(*object_field);
  if (priority_field) w.u8(head.publisher_priority);
  if (!head.properties.empty()) write_properties_field(w, head.properties);
  w.varint(head.payload_length);

  prior_.location = Location{head.group_id, head.object_id};
  prior_.subgroup_id = head.forwarding == ForwardingPreference::kDatagram
                           ? std::nullopt
                           : std::optional<std::uint64_t>(head.subgroup_id);
  prior_.priority = head.publisher_priority;
  return ok_status();
}

Status FetchObjectWriter::write_object(ByteWriter& w, FetchObjectHead head,
                                       std::span<const std::uint8_t> payload) {
  head.payload_length = payload.size();
  KINETIC_CHECK(write_object_head(w, head));
  w.bytes(payload);
  return ok_status();
}

Status FetchObjectWriter::write_end_of_range(ByteWriter& w, FetchEntryKind kind, Location last) {
  KINETIC_TRY(const std::uint64_t flags, end_of_range_flags(kind, version_));
  KINETIC_CHECK(check_location(last));
  // The marker's Group and Object IDs are absolute, so it decodes without prior context.
  w.varint(flags);
  w.varint(last.group);
  w.varint(last.object);
  prior_.location = last;
  return ok_status();
}

Result<FetchObjectHead> FetchObjectReader::read_object_head(ByteReader& r) {
  KINETIC_TRY(const std::uint64_t flags, r.varint());
  FetchObjectHead head;
  if (flags > 0x7F) {
    KINETIC_TRY(head.kind, end_of_range_kind(flags, version_));
    KINETIC_TRY(head.group_id, r.varint());
    KINETIC_TRY(head.object_id, r.varint());
    prior_.location = Location{head.group_id, head.object_id};
    return head;
  }

  const bool has_group = (flags & fetch_flags::kGroupIdDelta) != 0;
  const bool has_object = (flags & fetch_flags::kObjectIdDelta) != 0;
  if (!prior_.location && (!has_group || !has_object)) {
    return Error{Errc::kProtocolViolation, "first fetch object must carry group and object IDs"};
  }
  if (has_group) {
    KINETIC_TRY(const std::uint64_t delta, r.varint());
    if (!prior_.location) {
      head.group_id = delta;
    } else if (order_ == GroupOrder::kAscending) {
      if (delta >= kMax - prior_.location->group)
        return Error{Errc::kProtocolViolation, "group ID overflows"};
      head.group_id = prior_.location->group + delta + 1;
    } else {
      if (delta >= prior_.location->group) return Error{Errc::kProtocolViolation, "group ID below zero"};
      head.group_id = prior_.location->group - delta - 1;
    }
  } else {
    head.group_id = prior_.location->group;
  }

  if ((flags & fetch_flags::kDatagram) != 0) {
    head.forwarding = ForwardingPreference::kDatagram;
  } else {
    switch (flags & fetch_flags::kSubgroupMask) {
      case fetch_flags::kSubgroupZero:
        head.subgroup_id = 0;
        break;
      case fetch_flags::kSubgroupPrior:
        if (!prior_.subgroup_id) return Error{Errc::kProtocolViolation, "no prior subgroup to reference"};
        head.subgroup_id = *prior_.subgroup_id;
        break;
      case fetch_flags::kSubgroupPriorPlusOne:
        if (!prior_.subgroup_id) return Error{Errc::kProtocolViolation, "no prior subgroup to reference"};
        if (*prior_.subgroup_id == kMax) return Error{Errc::kProtocolViolation, "subgroup ID overflows"};
        head.subgroup_id = *prior_.subgroup_id + 1;
        break;
      default: {
        KINETIC_TRY(head.subgroup_id, r.varint());
        break;
      }
    }
  }

  if (has_object) {
    KINETIC_TRY(const std::uint64_t delta, r.varint());
    if (!prior_.location || has_group) {
      head.object_id = delta;
    } else {
      if (delta > kMax - prior_.location->object)
        return Error{Errc::kProtocolViolation, "object ID overflows"};
      head.object_id = prior_.location->object + delta;
    }
  } else {
    if (prior_.location->object == kMax) return Error{Errc::kProtocolViolation, "object ID overflows"};
    head.object_id = prior_.location->object + 1;
  }

  if ((flags & fetch_flags::kPriority) != 0) {
    KINETIC_TRY(head.publisher_priority, r.u8());
  } else {
    if (!prior_.priority) return Error{Errc::kProtocolViolation, "no prior priority to reference"};
    head.publisher_priority = *prior_.priority;
  }
  if ((flags & fetch_flags::kProperties) != 0) {
    KINETIC_CHECK(read_properties_field(r, limits_, head.properties));
  }
  KINETIC_TRY(head.payload_length, r.varint());
  if (head.payload_length > limits_.max_payload_bytes) {
    return Error{Errc::kLimitExceeded, "object payload exceeds the limit"};
  }

  prior_.location = Location{head.group_id, head.object_id};
  prior_.subgroup_id = head.forwarding == ForwardingPreference::kDatagram
                           ? std::nullopt
                           : std::optional<std::uint64_t>(head.subgroup_id);
  prior_.priority = head.publisher_priority;
  return head;
}

Result<FetchObjectReader::View> FetchObjectReader::read_object(ByteReader& r) {
  ByteReader probe = r;
  const FetchPrior saved = prior_;
  auto head = read_object_head(probe);
  if (!head) return head.error();
  auto payload = probe.bytes(static_cast<std::size_t>(head->payload_length));
  if (!payload) {
    prior_ = saved;
    return payload.error();
  }
  r = probe;
  return View{std::move(*head), *payload};
}

Object FetchObjectReader::to_object(FetchObjectHead head, SharedBytes payload) {
  Object o;
  o.group_id = head.group_id;
  o.object_id = head.object_id;
  if (head.kind != FetchEntryKind::kObject) return o;
  o.subgroup_id = head.subgroup_id;
  o.publisher_priority = head.publisher_priority;
  o.forwarding = head.forwarding;
  o.properties = std::move(head.properties);
  o.payload = std::move(payload);
  return o;
}

Result<DecodedFetch> decode_fetch_stream(const SharedBytes& stream, Version v, GroupOrder order,
                                         DataLimits limits) {
  ByteReader r(stream.span());
  DecodedFetch out;
  KINETIC_TRY(out.header, read_fetch_header(r));
  FetchObjectReader reader(v, order, limits);
  while (!r.empty()) {
    KINETIC_TRY(auto view, reader.read_object(r));
    const auto offset = static_cast<std::size_t>(view.payload.data() - stream.data());
    const FetchEntryKind kind = view.head.kind;
    out.entries.push_back({kind, FetchObjectReader::to_object(std::move(view.head),
                                                              stream.slice(offset, view.payload.size()))});
  }
  return out;
}

}  // namespace kinetic::wire
