#include "kinetic/wire/parameters.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <set>
#include <tuple>

namespace kinetic::wire {
namespace {

constexpr std::size_t kMaxSetupOptions = kDefaultMaxKeyValues;

// Inside a block whose length is already known, running out of bytes means the block is
// malformed, not that more input is coming.
Error inside_block(const Error& e, Errc code, const char* what) {
  return e.need_more() ? Error{code, what} : e;
}

bool in(MessageType m, std::initializer_list<MessageType> list) {
  return std::find(list.begin(), list.end(), m) != list.end();
}

bool is_range_filter(ParameterType t) {
  const auto v = static_cast<std::uint64_t>(t);
  return v >= 0x25 && v <= 0x29;
}

bool repeatable(ParameterType t) { return t == ParameterType::kAuthorizationToken || is_range_filter(t); }

bool known_in(Version v, std::uint64_t type) {
  const auto& f = features(v);
  switch (type) {
    case 0x02: case 0x03: case 0x04: case 0x06: case 0x08: case 0x09: case 0x0A: case 0x10:
    case 0x20: case 0x21: case 0x22: case 0x32: case 0x34:
      return true;
    case 0x25: case 0x26: case 0x27: case 0x28: case 0x29:
      return f.range_filters;
    case 0x35:
      return f.include_properties;
    default:
      return false;
  }
}

// --- value codecs ------------------------------------------------------------------------

Result<SubscriptionFilter> decode_subscription_filter(std::span<const std::uint8_t> block) {
  ByteReader r(block);
  SubscriptionFilter f;
  auto body = [&]() -> Status {
    KINETIC_TRY(const std::uint64_t type, r.varint());
    switch (type) {
      case 0x1:
      case 0x2:
        f.type = static_cast<FilterType>(type);
        break;
      case 0x3:
        f.type = FilterType::kAbsoluteStart;
        KINETIC_CHECK(read_location(r, f.start));
        break;
      case 0x4: {
        f.type = FilterType::kAbsoluteRange;
        KINETIC_CHECK(read_location(r, f.start));
        KINETIC_TRY(f.end_group_delta, r.varint());
        if (f.end_group_delta > ~0ull - f.start.group) {
          return Error{Errc::kProtocolViolation, "subscription filter end group overflows"};
        }
        break;
      }
      default: return Error{Errc::kProtocolViolation, "unknown subscription filter type"};
    }
    if (!r.empty()) return Error{Errc::kProtocolViolation, "bytes after subscription filter"};
    return ok_status();
  }();
  if (!body) return inside_block(body.error(), Errc::kProtocolViolation, "subscription filter truncated");
  return f;
}

std::size_t subscription_filter_size(const SubscriptionFilter& f) {
  std::size_t n = varint_size(static_cast<std::uint64_t>(f.type));
  if (f.type == FilterType::kAbsoluteStart || f.type == FilterType::kAbsoluteRange) {
    n += varint_size(f.start.group) + varint_size(f.start.object);
  }
  if (f.type == FilterType::kAbsoluteRange) n += varint_size(f.end_group_delta);
  return n;
}

void encode_subscription_filter(ByteWriter& w, const SubscriptionFilter& f) {
  w.varint(static_cast<std::uint64_t>(f.type));
  if (f.type == FilterType::kAbsoluteStart || f.type == FilterType::kAbsoluteRange) write_location(w, f.start);
  if (f.type == FilterType::kAbsoluteRange) w.varint(f.end_group_delta);
}

Status check_subscription_filter(const SubscriptionFilter& f) {
  switch (f.type) {
    case FilterType::kNextGroupStart: case FilterType::kLargestObject: case FilterType::kAbsoluteStart: break;
    case FilterType::kAbsoluteRange:
      if (f.end_group_delta > ~0ull - f.start.group) return Error{Errc::kInvalidValue, "filter end group overflows"};
      break;
    default: return Error{Errc::kInvalidValue, "unknown subscription filter type"};
  }
  return ok_status();
}

Result<LocationFilter> decode_location_filter(std::span<const std::uint8_t> block) {
  ByteReader r(block);
  std::array<std::optional<std::uint64_t>*, 4> slots{};
  LocationFilter f;
  slots = {&f.start_group, &f.start_object, &f.end_group_delta, &f.end_object};
  for (auto* slot : slots) {
    if (r.empty()) break;
    auto v = r.varint();
    if (!v) return inside_block(v.error(), Errc::kProtocolViolation, "location filter truncated");
    *slot = *v;
  }
  if (!r.empty()) return Error{Errc::kProtocolViolation, "location filter has more than four fields"};
  if (f.end_group_delta && *f.end_group_delta > ~0ull - *f.start_group) {
    return Error{Errc::kProtocolViolation, "location filter end group overflows"};
  }
  return f;
}

Status check_location_filter(const LocationFilter& f) {
  if ((f.start_object && !f.start_group) || (f.end_group_delta && !f.start_object) ||
      (f.end_object && !f.end_group_delta)) {
    return Error{Errc::kInvalidValue, "location filter field without the fields before it"};
  }
  if (f.end_group_delta && *f.end_group_delta > ~0ull - *f.start_group) {
    return Error{Errc::kInvalidValue, "location filter end group overflows"};
  }
  return ok_status();
}

std::size_t location_filter_size(const LocationFilter& f) {
  std::size_t n = 0;
  for (const auto* slot : {&f.start_group, &f.start_object, &f.end_group_delta, &f.end_object}) {
    if (!*slot) break;
    n += varint_size(**slot);
  }
  return n;
}

void encode_location_filter(ByteWriter& w, const LocationFilter& f) {
  for (const auto* slot : {&f.start_group, &f.start_object, &f.end_group_delta, &f.end_object}) {
    if (!*slot) break;
    w.varint(**slot);
  }
}

Result<RangeFilter> decode_range_filter(ParameterType type, std::span<const std::uint8_t> block) {
  RangeFilter f;
  f.type = type;
  if (block.empty()) {
    f.clear = true;
    return f;
  }
  ByteReader r(block);
  auto body = [&]() -> Status {
    KINETIC_TRY(f.set_id, r.u8());
    if (f.has_property_type()) {
      KINETIC_TRY(f.property_type, r.varint());
    }
    while (!r.empty()) {
      KINETIC_TRY(const std::uint64_t d, r.varint());
      f.deltas.push_back(d);
    }
    return ok_status();
  }();
  if (!body) return inside_block(body.error(), Errc::kProtocolViolation, "range filter truncated");
  return f;
}

std::size_t range_filter_size(const RangeFilter& f) {
  if (f.clear) return 0;
  std::size_t n = 1 + (f.has_property_type() ? varint_size(f.property_type) : 0);
  for (std::uint64_t d : f.deltas) n += varint_size(d);
  return n;
}

void encode_range_filter(ByteWriter& w, const RangeFilter& f) {
  if (f.clear) return;
  w.u8(f.set_id);
  if (f.has_property_type()) w.varint(f.property_type);
  for (std::uint64_t d : f.deltas) w.varint(d);
}

Status read_varint_into(ByteReader& r, std::optional<std::uint64_t>& slot) {
  KINETIC_TRY(const std::uint64_t v, r.varint());
  slot = v;
  return ok_status();
}

// A length-prefixed parameter value; a length no message could hold is refused unread.
Result<std::span<const std::uint8_t>> read_block(ByteReader& r) {
  KINETIC_TRY(const std::uint64_t len, r.varint());
  if (len > kMaxKeyValueBytes) return Error{Errc::kProtocolViolation, "parameter value over 65535 bytes"};
  return r.bytes(static_cast<std::size_t>(len));
}

std::size_t token_size(const AuthorizationToken& t) {
  std::size_t n = varint_size(static_cast<std::uint64_t>(t.alias_type));
  if (t.alias_type != AliasType::kUseValue) n += varint_size(t.token_alias);
  if (t.alias_type == AliasType::kRegister || t.alias_type == AliasType::kUseValue) {
    n += varint_size(t.token_type) + t.token_value.size();
  }
  return n;
}

void write_token(ByteWriter& w, const AuthorizationToken& t) {
  w.varint(static_cast<std::uint64_t>(t.alias_type));
  if (t.alias_type != AliasType::kUseValue) w.varint(t.token_alias);
  if (t.alias_type == AliasType::kRegister || t.alias_type == AliasType::kUseValue) {
    w.varint(t.token_type);
    w.bytes(std::string_view(t.token_value));
  }
}

}  // namespace

// --- Location ------------------------------------------------------------------------------

Status read_location(ByteReader& r, Location& out) {
  KINETIC_TRY(out.group, r.varint());
  KINETIC_TRY(out.object, r.varint());
  return ok_status();
}

void write_location(ByteWriter& w, const Location& loc) {
  w.varint(loc.group);
  w.varint(loc.object);
}

// --- Token ---------------------------------------------------------------------------------

Result<AuthorizationToken> decode_token(std::span<const std::uint8_t> value) {
  ByteReader r(value);
  AuthorizationToken t;
  auto body = [&]() -> Status {
    KINETIC_TRY(const std::uint64_t alias_type, r.varint());
    if (alias_type > 0x3) return Error{Errc::kKeyValueFormatting, "unknown token alias type"};
    t.alias_type = static_cast<AliasType>(alias_type);
    const bool has_alias = t.alias_type != AliasType::kUseValue;
    const bool has_value = t.alias_type == AliasType::kRegister || t.alias_type == AliasType::kUseValue;
    if (has_alias) {
      KINETIC_TRY(t.token_alias, r.varint());
    }
    if (has_value) {
      KINETIC_TRY(t.token_type, r.varint());
      t.token_value.assign(as_string_view(r.rest()));
    } else if (!r.empty()) {
      return Error{Errc::kKeyValueFormatting, "bytes after token alias"};
    }
    return ok_status();
  }();
  if (!body) return inside_block(body.error(), Errc::kKeyValueFormatting, "token structure truncated");
  return t;
}

std::string encode_token(const AuthorizationToken& t) {
  std::vector<std::uint8_t> buf;
  buf.reserve(token_size(t));
  ByteWriter w(buf);
  write_token(w, t);
  return {reinterpret_cast<const char*>(buf.data()), buf.size()};
}

// --- Range filters -----------------------------------------------------------------------

Result<std::vector<Range>> RangeFilter::ranges() const {
  std::vector<Range> out;
  out.reserve(range_count());
  std::uint64_t previous_end = 0;
  for (std::size_t i = 0; i < deltas.size(); i += 2) {
    if (deltas[i] > ~0ull - previous_end) return Error{Errc::kInvalidValue, "INVALID_FILTER: range start overflows"};
    Range range{previous_end + deltas[i], std::nullopt};
    if (i + 1 < deltas.size()) {
      if (deltas[i + 1] > ~0ull - range.start) return Error{Errc::kInvalidValue, "INVALID_FILTER: range end overflows"};
      range.end = range.start + deltas[i + 1];
      previous_end = *range.end;
    }
    out.push_back(range);
  }
  return out;
}

Result<RangeFilter> RangeFilter::make(ParameterType type, std::uint8_t set_id, std::vector<Range> ranges,
                                      std::uint64_t property_type) {
  if (!is_range_filter(type)) return Error{Errc::kInvalidValue, "not a range filter parameter type"};
  RangeFilter f;
  f.type = type;
  f.set_id = set_id;
  f.property_type = f.has_property_type() ? property_type : 0;
  std::uint64_t previous_end = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const Range& range = ranges[i];
    if (range.start < previous_end) return Error{Errc::kInvalidValue, "ranges must ascend"};
    f.deltas.push_back(range.start - previous_end);
    if (!range.end) {
      if (i + 1 != ranges.size()) return Error{Errc::kInvalidValue, "only the last range may be open"};
      break;
    }
    if (*range.end < range.start) return Error{Errc::kInvalidValue, "range ends before it starts"};
    f.deltas.push_back(*range.end - range.start);
    previous_end = *range.end;
  }
  return f;
}

Status check_range_filters(const std::vector<RangeFilter>& filters, std::uint64_t max_ranges) {
  std::set<std::tuple<std::uint64_t, std::uint8_t, std::uint64_t>> seen;
  std::uint64_t total = 0;
  for (const auto& f : filters) {
    if (f.clear) continue;
    if (!seen.emplace(static_cast<std::uint64_t>(f.type), f.set_id, f.property_type).second) {
      return Error{Errc::kInvalidValue, "INVALID_FILTER: repeated filter type, SetID and property type"};
    }
    if (f.has_property_type() && f.property_type % 2 != 0) {
      return Error{Errc::kInvalidValue, "INVALID_FILTER: property filter needs an even property type"};
    }
    KINETIC_TRY(auto ranges, f.ranges());
    if (f.type == ParameterType::kPriorityFilter) {
      for (const auto& r : ranges) {
        if (r.start > 255 || (r.end && *r.end > 255)) {
          return Error{Errc::kInvalidValue, "INVALID_FILTER: publisher priority over 255"};
        }
      }
    }
    total += ranges.size();
    if (total > max_ranges) return Error{Errc::kInvalidValue, "INVALID_FILTER: more ranges than MAX_FILTER_RANGES"};
  }
  return ok_status();
}

// --- Parameter scope -----------------------------------------------------------------------

bool parameter_allowed(Version v, MessageType m, ParameterType t) noexcept {
  using M = MessageType;
  const auto& f = features(v);
  // Draft-18's PUBLISH_OK travels as REQUEST_OK (0x7) or under its own id (0x1E); a codec
  // cannot tell which request a REQUEST_OK answers, so it admits PUBLISH_OK's parameters.
  const bool publish_ok = f.publish_ok_message && (m == M::kPublishOk || m == M::kRequestOk);
  const bool subscriber_params_in_publish_ok = publish_ok && f.publish_ok_subscriber_params;
  const bool subscriber_params_in_publish = m == M::kPublish && !f.publish_ok_subscriber_params;
  const bool subscribe_tracks = m == M::kSubscribeTracks && f.subscribe_tracks_subscription_params;
  const bool notify = m == M::kPublishStateNotify && f.publish_state_notify;
  switch (t) {
    case ParameterType::kObjectDeliveryTimeout:
    case ParameterType::kSubgroupDeliveryTimeout:
      return in(m, {M::kSubscribe, M::kRequestUpdate}) || subscriber_params_in_publish_ok ||
             subscriber_params_in_publish || subscribe_tracks;
    case ParameterType::kAuthorizationToken:
      return in(m, {M::kPublish, M::kSubscribe, M::kRequestUpdate, M::kSubscribeNamespace, M::kSubscribeTracks,
                    M::kPublishNamespace, M::kTrackStatus, M::kFetch});
    case ParameterType::kRendezvousTimeout:
      return m == M::kSubscribe || subscribe_tracks;
    case ParameterType::kExpires:
      return in(m, {M::kSubscribeOk, M::kPublish, M::kRequestOk}) || publish_ok;
    case ParameterType::kLargestObject:
      return in(m, {M::kSubscribeOk, M::kPublish, M::kRequestOk}) || notify;
    case ParameterType::kFillTimeout:
      return m == M::kFetch;
    case ParameterType::kForward:
      return in(m, {M::kSubscribe, M::kRequestUpdate, M::kPublish, M::kSubscribeTracks}) ||
             subscriber_params_in_publish_ok || (notify && f.forward_in_publish_state_notify);
    case ParameterType::kSubscriberPriority:
      return in(m, {M::kSubscribe, M::kFetch, M::kRequestUpdate}) || subscriber_params_in_publish_ok ||
             subscriber_params_in_publish || subscribe_tracks;
    case ParameterType::kLocationFilter:  // == kSubscriptionFilter
      if (f.subscription_filter) return in(m, {M::kSubscribe, M::kRequestUpdate}) || publish_ok;
      return in(m, {M::kFetch, M::kSubscribe, M::kPublish, M::kRequestUpdate}) || notify || subscribe_tracks;
    case ParameterType::kGroupOrder:
      return in(m, {M::kSubscribe, M::kFetch}) || subscriber_params_in_publish_ok || subscriber_params_in_publish ||
             (m == M::kSubscribeTracks && f.group_order_in_subscribe_tracks);
    case ParameterType::kSubgroupFilter:
    case ParameterType::kObjectIdFilter:
    case ParameterType::kPriorityFilter:
    case ParameterType::kObjectPropertyFilter:
      return f.range_filters && in(m, {M::kFetch, M::kSubscribe, M::kSubscribeTracks, M::kRequestUpdate});
    case ParameterType::kTrackPropertyFilter:
      return f.range_filters && in(m, {M::kSubscribeTracks, M::kRequestUpdate});
    case ParameterType::kNewGroupRequest:
      return in(m, {M::kSubscribe, M::kRequestUpdate}) || subscriber_params_in_publish_ok || subscribe_tracks;
    case ParameterType::kTrackNamespacePrefix:
      return m == M::kRequestUpdate;
    case ParameterType::kIncludeProperties:
      return f.include_properties && in(m, {M::kSubscribe, M::kTrackStatus, M::kFetch, M::kSubscribeTracks});
  }
  return false;
}

std::size_t MessageParameters::count() const noexcept {
  std::size_t n = authorization_tokens.size() + range_filters.size();
  n += object_delivery_timeout.has_value() + rendezvous_timeout.has_value() +
       subgroup_delivery_timeout.has_value() + expires.has_value() + largest_object.has_value() +
       fill_timeout.has_value() + forward.has_value() + subscriber_priority.has_value() +
       subscription_filter.has_value() + location_filter.has_value() + group_order.has_value() +
       new_group_request.has_value() + track_namespace_prefix.has_value() + include_properties.has_value();
  return n;
}

// --- Reading -------------------------------------------------------------------------------

Status read_parameters(ByteReader& r, Version v, MessageType message, MessageParameters& out) {
  out = MessageParameters{};
  KINETIC_TRY(const std::uint64_t count, r.varint());
  if (count > kMaxMessageParameters) return Error{Errc::kLimitExceeded, "too many message parameters"};
  const auto& f = features(v);
  std::uint64_t previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    KINETIC_TRY(const std::uint64_t delta, r.varint());
    if (delta > ~0ull - previous) return Error{Errc::kProtocolViolation, "parameter type delta overflows"};
    const std::uint64_t raw = previous + delta;
    if (!known_in(v, raw)) return Error{Errc::kProtocolViolation, "unknown message parameter"};
    const auto type = static_cast<ParameterType>(raw);
    if (i != 0 && delta == 0 && !repeatable(type)) return Error{Errc::kProtocolViolation, "repeated message parameter"};
    if (!parameter_allowed(v, message, type)) {
      return Error{Errc::kProtocolViolation, "message parameter not allowed in this message"};
    }
    previous = raw;

    switch (type) {
      case ParameterType::kObjectDeliveryTimeout: KINETIC_CHECK(read_varint_into(r, out.object_delivery_timeout)); break;
      case ParameterType::kRendezvousTimeout: KINETIC_CHECK(read_varint_into(r, out.rendezvous_timeout)); break;
      case ParameterType::kSubgroupDeliveryTimeout:
        KINETIC_CHECK(read_varint_into(r, out.subgroup_delivery_timeout));
        break;
      case ParameterType::kExpires: KINETIC_CHECK(read_varint_into(r, out.expires)); break;
      case ParameterType::kFillTimeout: KINETIC_CHECK(read_varint_into(r, out.fill_timeout)); break;
      case ParameterType::kNewGroupRequest: KINETIC_CHECK(read_varint_into(r, out.new_group_request)); break;
      case ParameterType::kLargestObject: {
        // Its section calls the value a Location (two varints), but the type is odd, and the
        // Key-Value-Pair rule gives every odd type a length: @moq/net writes and reads it
        // with one, on every draft, so interop decides for the length.
        KINETIC_TRY(auto block, read_block(r));
        ByteReader lr(block);
        Location loc;
        if (!read_location(lr, loc) || !lr.empty()) {
          return Error{Errc::kProtocolViolation, "LARGEST_OBJECT is not exactly one Location"};
        }
        out.largest_object = loc;
        break;
      }
      case ParameterType::kForward: {
        KINETIC_TRY(const std::uint8_t b, r.u8());
        if (b > 1) return Error{Errc::kProtocolViolation, "FORWARD is neither 0 nor 1"};
        out.forward = b == 1;
        break;
      }
      case ParameterType::kSubscriberPriority: {
        KINETIC_TRY(const std::uint8_t b, r.u8());
        out.subscriber_priority = b;
        break;
      }
      case ParameterType::kGroupOrder: {
        KINETIC_TRY(const std::uint8_t b, r.u8());
        if (b != 1 && b != 2) return Error{Errc::kProtocolViolation, "GROUP_ORDER is neither 1 nor 2"};
        out.group_order = static_cast<GroupOrder>(b);
        break;
      }
      case ParameterType::kIncludeProperties: {
        // A uint8 in its own section, length-prefixed as an odd type, as LARGEST_OBJECT is.
        KINETIC_TRY(auto block, read_block(r));
        if (block.size() != 1 || block[0] > 1) {
          return Error{Errc::kProtocolViolation, "INCLUDE_PROPERTIES is neither 0 nor 1"};
        }
        const std::uint8_t b = block[0];
        out.include_properties = b == 1;
        break;
      }
      case ParameterType::kAuthorizationToken: {
        KINETIC_TRY(auto block, read_block(r));
        KINETIC_TRY(auto token, decode_token(block));
        out.authorization_tokens.push_back(std::move(token));
        break;
      }
      case ParameterType::kLocationFilter: {
        KINETIC_TRY(auto block, read_block(r));
        if (f.subscription_filter) {
          KINETIC_TRY(auto filter, decode_subscription_filter(block));
          out.subscription_filter = filter;
        } else {
          KINETIC_TRY(auto filter, decode_location_filter(block));
          out.location_filter = filter;
        }
        break;
      }
      case ParameterType::kSubgroupFilter:
      case ParameterType::kObjectIdFilter:
      case ParameterType::kPriorityFilter:
      case ParameterType::kObjectPropertyFilter:
      case ParameterType::kTrackPropertyFilter: {
        KINETIC_TRY(auto block, read_block(r));
        KINETIC_TRY(auto filter, decode_range_filter(type, block));
        out.range_filters.push_back(std::move(filter));
        break;
      }
      case ParameterType::kTrackNamespacePrefix: {
        TrackNamespace ns;
        KINETIC_CHECK(read_namespace(r, ns));
        out.track_namespace_prefix = std::move(ns);
        break;
      }
    }
  }
  return ok_status();
}

// --- Writing -------------------------------------------------------------------------------

Status write_parameters(ByteWriter& w, Version v, MessageType message, const MessageParameters& p) {
  const auto& f = features(v);
  if (p.subscription_filter && !f.subscription_filter) {
    return Error{Errc::kVersionMismatch, "SUBSCRIPTION_FILTER is a draft-18 parameter"};
  }
  if (p.location_filter && !f.location_filter) {
    return Error{Errc::kVersionMismatch, "LOCATION_FILTER is a draft-20 parameter"};
  }
  if (!p.range_filters.empty() && !f.range_filters) return Error{Errc::kVersionMismatch, "range filters are draft-20"};
  if (p.include_properties && !f.include_properties) {
    return Error{Errc::kVersionMismatch, "INCLUDE_PROPERTIES is a draft-20 parameter"};
  }
  if (p.count() > kMaxMessageParameters) return Error{Errc::kLimitExceeded, "too many message parameters"};

  // Every present parameter is checked before the first byte is written.
  auto check = [&](bool present, ParameterType t) -> Status {
    if (present && !parameter_allowed(v, message, t)) {
      return Error{Errc::kInvalidValue, "message parameter not allowed in this message"};
    }
    return ok_status();
  };
  KINETIC_CHECK(check(p.object_delivery_timeout.has_value(), ParameterType::kObjectDeliveryTimeout));
  KINETIC_CHECK(check(!p.authorization_tokens.empty(), ParameterType::kAuthorizationToken));
  KINETIC_CHECK(check(p.rendezvous_timeout.has_value(), ParameterType::kRendezvousTimeout));
  KINETIC_CHECK(check(p.subgroup_delivery_timeout.has_value(), ParameterType::kSubgroupDeliveryTimeout));
  KINETIC_CHECK(check(p.expires.has_value(), ParameterType::kExpires));
  KINETIC_CHECK(check(p.largest_object.has_value(), ParameterType::kLargestObject));
  KINETIC_CHECK(check(p.fill_timeout.has_value(), ParameterType::kFillTimeout));
  KINETIC_CHECK(check(p.forward.has_value(), ParameterType::kForward));
  KINETIC_CHECK(check(p.subscriber_priority.has_value(), ParameterType::kSubscriberPriority));
  KINETIC_CHECK(check(p.subscription_filter.has_value() || p.location_filter.has_value(),
                      ParameterType::kLocationFilter));
  KINETIC_CHECK(check(p.group_order.has_value(), ParameterType::kGroupOrder));
  for (const auto& rf : p.range_filters) {
    if (!is_range_filter(rf.type)) return Error{Errc::kInvalidValue, "range filter with a non-filter type"};
    KINETIC_CHECK(check(true, rf.type));
  }
  KINETIC_CHECK(check(p.new_group_request.has_value(), ParameterType::kNewGroupRequest));
  KINETIC_CHECK(check(p.track_namespace_prefix.has_value(), ParameterType::kTrackNamespacePrefix));
  KINETIC_CHECK(check(p.include_properties.has_value(), ParameterType::kIncludeProperties));
  if (p.subscription_filter) KINETIC_CHECK(check_subscription_filter(*p.subscription_filter));
  if (p.location_filter) KINETIC_CHECK(check_location_filter(*p.location_filter));
  if (p.group_order && *p.group_order != GroupOrder::kAscending && *p.group_order != GroupOrder::kDescending) {
    return Error{Errc::kInvalidValue, "GROUP_ORDER is neither 1 nor 2"};
  }
  if (p.track_namespace_prefix) KINETIC_CHECK(validate_namespace(*p.track_namespace_prefix));

  w.varint(p.count());
  std::uint64_t previous = 0;
  auto type = [&](ParameterType t) {
    const auto raw = static_cast<std::uint64_t>(t);
    w.varint(raw - previous);
    previous = raw;
  };
  if (p.object_delivery_timeout) { type(ParameterType::kObjectDeliveryTimeout); w.varint(*p.object_delivery_timeout); }
  for (const auto& token : p.authorization_tokens) {
    type(ParameterType::kAuthorizationToken);
    w.varint(token_size(token));
    write_token(w, token);
  }
  if (p.rendezvous_timeout) { type(ParameterType::kRendezvousTimeout); w.varint(*p.rendezvous_timeout); }
  if (p.subgroup_delivery_timeout) {
    type(ParameterType::kSubgroupDeliveryTimeout);
    w.varint(*p.subgroup_delivery_timeout);
  }
  if (p.expires) { type(ParameterType::kExpires); w.varint(*p.expires); }
  if (p.largest_object) {
    type(ParameterType::kLargestObject);
    w.varint(varint_size(p.largest_object->group) + varint_size(p.largest_object->object));
    write_location(w, *p.largest_object);
  }
  if (p.fill_timeout) { type(ParameterType::kFillTimeout); w.varint(*p.fill_timeout); }
  if (p.forward) { type(ParameterType::kForward); w.u8(*p.forward ? 1 : 0); }
  if (p.subscriber_priority) { type(ParameterType::kSubscriberPriority); w.u8(*p.subscriber_priority); }
  if (p.subscription_filter) {
    type(ParameterType::kSubscriptionFilter);
    w.varint(subscription_filter_size(*p.subscription_filter));
    encode_subscription_filter(w, *p.subscription_filter);
  }
  if (p.location_filter) {
    type(ParameterType::kLocationFilter);
    w.varint(location_filter_size(*p.location_filter));
    encode_location_filter(w, *p.location_filter);
  }
  if (p.group_order) { type(ParameterType::kGroupOrder); w.u8(static_cast<std::uint8_t>(*p.group_order)); }
  // Ascending type order without sorting a copy: one pass per filter type.
  for (auto t : {ParameterType::kSubgroupFilter, ParameterType::kObjectIdFilter, ParameterType::kPriorityFilter,
                 ParameterType::kObjectPropertyFilter, ParameterType::kTrackPropertyFilter}) {
    for (const auto& rf : p.range_filters) {
      if (rf.type != t) continue;
      type(t);
      w.varint(range_filter_size(rf));
      encode_range_filter(w, rf);
    }
  }
  if (p.new_group_request) { type(ParameterType::kNewGroupRequest); w.varint(*p.new_group_request); }
  if (p.track_namespace_prefix) {
    type(ParameterType::kTrackNamespacePrefix);
    KINETIC_CHECK(write_namespace(w, *p.track_namespace_prefix));
  }
  if (p.include_properties) {
    type(ParameterType::kIncludeProperties);
    w.varint(1);
    w.u8(*p.include_properties ? 1 : 0);
  }
  return ok_status();
}

// --- Setup options -------------------------------------------------------------------------

namespace {

bool setup_option_known(Version v, std::uint64_t type) {
  const auto& f = features(v);
  switch (type) {
    case 0x01: case 0x03: case 0x04: case 0x05: case 0x07: return true;
    case 0x06: return f.setup_max_filter_ranges;
    case 0x08: return f.setup_max_request_updates;
    default: return false;
  }
}

template <typename T>
Status set_once(std::optional<T>& slot, T value) {
  if (slot) return Error{Errc::kProtocolViolation, "repeated setup option"};
  slot = std::move(value);
  return ok_status();
}

}  // namespace

Status read_setup_options(std::span<const std::uint8_t> body, Version v, SetupOptions& out) {
  out = SetupOptions{};
  KeyValueList list;
  KINETIC_CHECK(read_key_values_block(body, list, kMaxSetupOptions));
  for (auto& kv : list) {
    if (!setup_option_known(v, kv.type)) {
      out.unknown.push_back(std::move(kv));
      continue;
    }
    switch (static_cast<SetupOptionType>(kv.type)) {
      case SetupOptionType::kPath: KINETIC_CHECK(set_once(out.path, std::move(kv.bytes))); break;
      case SetupOptionType::kAuthority: KINETIC_CHECK(set_once(out.authority, std::move(kv.bytes))); break;
      case SetupOptionType::kMoqtImplementation:
        KINETIC_CHECK(set_once(out.moqt_implementation, std::move(kv.bytes)));
        break;
      case SetupOptionType::kMaxAuthTokenCacheSize: KINETIC_CHECK(set_once(out.max_auth_token_cache_size, kv.value)); break;
      case SetupOptionType::kMaxFilterRanges: KINETIC_CHECK(set_once(out.max_filter_ranges, kv.value)); break;
      case SetupOptionType::kMaxRequestUpdates: KINETIC_CHECK(set_once(out.max_request_updates, kv.value)); break;
      case SetupOptionType::kAuthorizationToken: {
        const auto* data = reinterpret_cast<const std::uint8_t*>(kv.bytes.data());
        KINETIC_TRY(auto token, decode_token({data, kv.bytes.size()}));
        if (token.alias_type == AliasType::kDelete || token.alias_type == AliasType::kUseAlias) {
          return Error{Errc::kProtocolViolation, "DELETE or USE_ALIAS token in SETUP"};
        }
        out.authorization_tokens.push_back(std::move(token));
        break;
      }
    }
  }
  return ok_status();
}

Status write_setup_options(ByteWriter& w, Version v, const SetupOptions& o) {
  const auto& f = features(v);
  if (o.max_filter_ranges && !f.setup_max_filter_ranges) {
    return Error{Errc::kVersionMismatch, "MAX_FILTER_RANGES is a draft-20 setup option"};
  }
  if (o.max_request_updates && !f.setup_max_request_updates) {
    return Error{Errc::kVersionMismatch, "MAX_REQUEST_UPDATES is a draft-20 setup option"};
  }
  KeyValueList list;
  for (const auto& kv : o.unknown) {
    if (setup_option_known(v, kv.type)) return Error{Errc::kInvalidValue, "known setup option among unknown ones"};
    list.push_back(kv);
  }
  for (const auto& token : o.authorization_tokens) {
    if (token.alias_type == AliasType::kDelete || token.alias_type == AliasType::kUseAlias) {
      return Error{Errc::kInvalidValue, "DELETE or USE_ALIAS token in SETUP"};
    }
    list.push_back(KeyValuePair::blob(0x03, encode_token(token)));
  }
  if (o.path) list.push_back(KeyValuePair::blob(0x01, *o.path));
  if (o.max_auth_token_cache_size) list.push_back(KeyValuePair::varint(0x04, *o.max_auth_token_cache_size));
  if (o.authority) list.push_back(KeyValuePair::blob(0x05, *o.authority));
  if (o.max_filter_ranges) list.push_back(KeyValuePair::varint(0x06, *o.max_filter_ranges));
  if (o.moqt_implementation) list.push_back(KeyValuePair::blob(0x07, *o.moqt_implementation));
  if (o.max_request_updates) list.push_back(KeyValuePair::varint(0x08, *o.max_request_updates));
  if (list.size() > kMaxSetupOptions) return Error{Errc::kLimitExceeded, "too many setup options"};
  KINETIC_CHECK(check_value_lengths(list, "setup option value over 65535 bytes"));
  write_key_values(w, list);
  return ok_status();
}

}  // namespace kinetic::wire
