// Encode and decode of each control message body, both drafts; framing at the bottom.
#include <type_traits>

#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "kinetic/wire/reason_phrase.hpp"

namespace kinetic::wire {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr std::size_t kMaxTrackProperties = kDefaultMaxKeyValues;

// Track Properties are the rest of the body (draft §"Properties").
Status read_track_properties(ByteReader& r, KeyValueList& out) {
  KINETIC_CHECK(read_key_values_block(r.rest(), out, kMaxTrackProperties));
  return r.skip(r.remaining());
}

Status write_track_properties(ByteWriter& w, const KeyValueList& props) {
  if (props.size() > kMaxTrackProperties) return Error{Errc::kLimitExceeded, "too many track properties"};
  KINETIC_CHECK(check_value_lengths(props, "track property over 65535 bytes"));
  write_key_values(w, props);
  return ok_status();
}

// --- encoders (body only) ------------------------------------------------------------------

struct BodyEncoder {
  Version v;
  ByteWriter& w;

  Status operator()(const Setup& m) const { return write_setup_options(w, v, m.options); }

  Status operator()(const Goaway& m) const {
    if (m.new_session_uri.size() > kMaxNewSessionUriLength) {
      return Error{Errc::kLimitExceeded, "GOAWAY New Session URI over 8192 bytes"};
    }
    if (m.request_id && !features(v).goaway_request_id) {
      return Error{Errc::kVersionMismatch, "GOAWAY Request ID is a draft-18 field"};
    }
    w.length_prefixed(std::string_view(m.new_session_uri));
    w.varint(m.timeout);
    if (m.request_id) w.varint(*m.request_id);
    return ok_status();
  }

  Status operator()(const Subscribe& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_full_track_name(w, m.track));
    return write_parameters(w, v, MessageType::kSubscribe, m.parameters);
  }

  Status operator()(const SubscribeOk& m) const {
    w.varint(m.track_alias);
    KINETIC_CHECK(write_parameters(w, v, MessageType::kSubscribeOk, m.parameters));
    return write_track_properties(w, m.track_properties);
  }

  Status operator()(const RequestUpdate& m) const {
    w.varint(m.request_id);
    return write_parameters(w, v, MessageType::kRequestUpdate, m.parameters);
  }

  Status operator()(const PublishStateNotify& m) const {
    return write_parameters(w, v, MessageType::kPublishStateNotify, m.parameters);
  }

  Status operator()(const Publish& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_full_track_name(w, m.track));
    w.varint(m.track_alias);
    KINETIC_CHECK(write_parameters(w, v, MessageType::kPublish, m.parameters));
    return write_track_properties(w, m.track_properties);
  }

  Status operator()(const PublishOk& m) const {
    KINETIC_CHECK(write_parameters(w, v, MessageType::kPublishOk, m.parameters));
    return write_track_properties(w, m.track_properties);
  }

  Status operator()(const PublishDone& m) const {
    w.varint(m.status_code);
    w.varint(m.stream_count);
    return write_reason_phrase(w, m.reason);
  }

  Status operator()(const Fetch& m) const {
    const bool in_body = features(v).fetch_locations_in_body;
    w.varint(m.request_id);
    w.varint(static_cast<std::uint64_t>(m.fetch_type));
    switch (m.fetch_type) {
      case FetchType::kStandalone: {
        const auto& s = m.standalone;
        KINETIC_CHECK(write_full_track_name(w, s.track));
        if (in_body) {
          if (!s.start || !s.end) return Error{Errc::kInvalidValue, "draft-18 Standalone FETCH needs Start and End"};
          write_location(w, *s.start);
          write_location(w, *s.end);
        } else if (s.start || s.end) {
          return Error{Errc::kVersionMismatch, "draft-20 FETCH carries locations in LOCATION_FILTER"};
        }
        break;
      }
      case FetchType::kRelativeJoining:
      case FetchType::kAbsoluteJoining: {
        w.varint(m.joining.joining_request_id);
        if (in_body) {
          if (!m.joining.joining_start) return Error{Errc::kInvalidValue, "draft-18 Joining FETCH needs Joining Start"};
          w.varint(*m.joining.joining_start);
        } else if (m.joining.joining_start) {
          return Error{Errc::kVersionMismatch, "draft-20 Joining FETCH has no Joining Start"};
        }
        break;
      }
      default:
        return Error{Errc::kInvalidValue, "unknown Fetch Type"};
    }
    return write_parameters(w, v, MessageType::kFetch, m.parameters);
  }

  Status operator()(const FetchOk& m) const {
    w.u8(m.end_of_track ? 1 : 0);
    write_location(w, m.end_location);
    KINETIC_CHECK(write_parameters(w, v, MessageType::kFetchOk, m.parameters));
    return write_track_properties(w, m.track_properties);
  }

  Status operator()(const TrackStatus& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_full_track_name(w, m.track));
    return write_parameters(w, v, MessageType::kTrackStatus, m.parameters);
  }

  Status operator()(const PublishNamespace& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_namespace(w, m.track_namespace));
    return write_parameters(w, v, MessageType::kPublishNamespace, m.parameters);
  }

  Status operator()(const Namespace& m) const { return write_namespace(w, m.suffix); }
  Status operator()(const NamespaceDone& m) const { return write_namespace(w, m.suffix); }

  Status operator()(const SubscribeNamespace& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_namespace(w, m.prefix));
    return write_parameters(w, v, MessageType::kSubscribeNamespace, m.parameters);
  }

  Status operator()(const SubscribeTracks& m) const {
    w.varint(m.request_id);
    KINETIC_CHECK(write_namespace(w, m.prefix));
    return write_parameters(w, v, MessageType::kSubscribeTracks, m.parameters);
  }

  Status operator()(const PublishSkipped& m) const { return write_full_track_name(w, m.track); }

  Status operator()(const RequestOk& m) const {
    KINETIC_CHECK(write_parameters(w, v, MessageType::kRequestOk, m.parameters));
    return write_track_properties(w, m.track_properties);
  }

  Status operator()(const RequestError& m) const {
    const bool is_redirect = m.error_code == static_cast<std::uint64_t>(RequestErrorCode::kRedirect);
    if (is_redirect != m.redirect.has_value()) {
      return Error{Errc::kInvalidValue, "Redirect is present exactly when the code is REDIRECT"};
    }
    w.varint(m.error_code);
    w.varint(m.retry_interval);
    KINETIC_CHECK(write_reason_phrase(w, m.reason));
    if (m.redirect) {
      w.length_prefixed(std::string_view(m.redirect->connect_uri));
      KINETIC_CHECK(write_full_track_name(w, m.redirect->target));
    }
    return ok_status();
  }
};

// --- decoders (body only) ------------------------------------------------------------------

// A length-prefixed byte field; a length over `max` is refused before any byte is read.
Result<std::string> read_bytes_field(ByteReader& r, std::size_t max, const char* too_long) {
  KINETIC_TRY(const std::uint64_t len, r.varint());
  if (len > max) return Error{Errc::kProtocolViolation, too_long};
  KINETIC_TRY(auto bytes, r.bytes(static_cast<std::size_t>(len)));
  return std::string(as_string_view(bytes));
}

Status decode_into(Version v, ByteReader& r, Setup& m) {
  KINETIC_CHECK(read_setup_options(r.rest(), v, m.options));
  return r.skip(r.remaining());
}

Status decode_into(Version v, ByteReader& r, Goaway& m) {
  KINETIC_TRY(m.new_session_uri, read_bytes_field(r, kMaxNewSessionUriLength, "New Session URI over 8192 bytes"));
  KINETIC_TRY(m.timeout, r.varint());
  // The Request ID is there only on the control stream; the length tells which.
  if (features(v).goaway_request_id && !r.empty()) {
    KINETIC_TRY(const std::uint64_t id, r.varint());
    m.request_id = id;
  }
  return ok_status();
}

Status decode_into(Version v, ByteReader& r, Subscribe& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_full_track_name(r, m.track));
  return read_parameters(r, v, MessageType::kSubscribe, m.parameters);
}

Status decode_into(Version v, ByteReader& r, SubscribeOk& m) {
  KINETIC_TRY(m.track_alias, r.varint());
  KINETIC_CHECK(read_parameters(r, v, MessageType::kSubscribeOk, m.parameters));
  return read_track_properties(r, m.track_properties);
}

Status decode_into(Version v, ByteReader& r, RequestUpdate& m) {
  KINETIC_TRY(m.request_id, r.varint());
  return read_parameters(r, v, MessageType::kRequestUpdate, m.parameters);
}

Status decode_into(Version v, ByteReader& r, PublishStateNotify& m) {
  return read_parameters(r, v, MessageType::kPublishStateNotify, m.parameters);
}

Status decode_into(Version v, ByteReader& r, Publish& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_full_track_name(r, m.track));
  KINETIC_TRY(m.track_alias, r.varint());
  KINETIC_CHECK(read_parameters(r, v, MessageType::kPublish, m.parameters));
  return read_track_properties(r, m.track_properties);
}

Status decode_into(Version v, ByteReader& r, PublishOk& m) {
  KINETIC_CHECK(read_parameters(r, v, MessageType::kPublishOk, m.parameters));
  return read_track_properties(r, m.track_properties);
}

Status decode_into(Version, ByteReader& r, PublishDone& m) {
  KINETIC_TRY(m.status_code, r.varint());
  KINETIC_TRY(m.stream_count, r.varint());
  return read_reason_phrase(r, m.reason);
}

Status decode_into(Version v, ByteReader& r, Fetch& m) {
  const bool in_body = features(v).fetch_locations_in_body;
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_TRY(const std::uint64_t type, r.varint());
  switch (type) {
    case 0x1: {
      m.fetch_type = FetchType::kStandalone;
      KINETIC_CHECK(read_full_track_name(r, m.standalone.track));
      if (in_body) {
        Location start, end;
        KINETIC_CHECK(read_location(r, start));
        KINETIC_CHECK(read_location(r, end));
        m.standalone.start = start;
        m.standalone.end = end;
      }
      break;
    }
    case 0x2:
    case 0x3: {
      m.fetch_type = static_cast<FetchType>(type);
      KINETIC_TRY(m.joining.joining_request_id, r.varint());
      if (in_body) {
        KINETIC_TRY(const std::uint64_t start, r.varint());
        m.joining.joining_start = start;
      }
      break;
    }
    default:
      return Error{Errc::kProtocolViolation, "unknown Fetch Type"};
  }
  return read_parameters(r, v, MessageType::kFetch, m.parameters);
}

Status decode_into(Version v, ByteReader& r, FetchOk& m) {
  KINETIC_TRY(const std::uint8_t eot, r.u8());
  if (eot > 1) return Error{Errc::kProtocolViolation, "End Of Track is neither 0 nor 1"};
  m.end_of_track = eot == 1;
  KINETIC_CHECK(read_location(r, m.end_location));
  KINETIC_CHECK(read_parameters(r, v, MessageType::kFetchOk, m.parameters));
  return read_track_properties(r, m.track_properties);
}

Status decode_into(Version v, ByteReader& r, TrackStatus& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_full_track_name(r, m.track));
  return read_parameters(r, v, MessageType::kTrackStatus, m.parameters);
}

Status decode_into(Version v, ByteReader& r, PublishNamespace& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_namespace(r, m.track_namespace));
  return read_parameters(r, v, MessageType::kPublishNamespace, m.parameters);
}

Status decode_into(Version, ByteReader& r, Namespace& m) { return read_namespace(r, m.suffix); }
Status decode_into(Version, ByteReader& r, NamespaceDone& m) { return read_namespace(r, m.suffix); }

Status decode_into(Version v, ByteReader& r, SubscribeNamespace& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_namespace(r, m.prefix));
  return read_parameters(r, v, MessageType::kSubscribeNamespace, m.parameters);
}

Status decode_into(Version v, ByteReader& r, SubscribeTracks& m) {
  KINETIC_TRY(m.request_id, r.varint());
  KINETIC_CHECK(read_namespace(r, m.prefix));
  return read_parameters(r, v, MessageType::kSubscribeTracks, m.parameters);
}

Status decode_into(Version, ByteReader& r, PublishSkipped& m) { return read_full_track_name(r, m.track); }

Status decode_into(Version v, ByteReader& r, RequestOk& m) {
  KINETIC_CHECK(read_parameters(r, v, MessageType::kRequestOk, m.parameters));
  return read_track_properties(r, m.track_properties);
}

Status decode_into(Version, ByteReader& r, RequestError& m) {
  KINETIC_TRY(m.error_code, r.varint());
  KINETIC_TRY(m.retry_interval, r.varint());
  KINETIC_CHECK(read_reason_phrase(r, m.reason));
  if (m.error_code == static_cast<std::uint64_t>(RequestErrorCode::kRedirect)) {
    Redirect redirect;
    KINETIC_TRY(redirect.connect_uri, read_bytes_field(r, kMaxControlMessageBody, "Connect URI longer than a message"));
    KINETIC_CHECK(read_full_track_name(r, redirect.target));
    m.redirect = std::move(redirect);
  }
  return ok_status();
}

template <typename T>
Result<ControlMessage> decode_as(Version v, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  T message;
  auto s = decode_into(v, r, message);
  if (!s) {
    if (s.error().need_more()) return Error{Errc::kProtocolViolation, "message body shorter than its fields"};
    return s.error();
  }
  if (!r.empty()) return Error{Errc::kProtocolViolation, "message body longer than its fields"};
  return ControlMessage{std::move(message)};
}

}  // namespace

MessageType message_type(const ControlMessage& message) noexcept {
  return std::visit(
      Overloaded{
          [](const Setup&) { return MessageType::kSetup; },
          [](const Goaway&) { return MessageType::kGoaway; },
          [](const Subscribe&) { return MessageType::kSubscribe; },
          [](const SubscribeOk&) { return MessageType::kSubscribeOk; },
          [](const RequestUpdate&) { return MessageType::kRequestUpdate; },
          [](const PublishStateNotify&) { return MessageType::kPublishStateNotify; },
          [](const Publish&) { return MessageType::kPublish; },
          [](const PublishOk&) { return MessageType::kPublishOk; },
          [](const PublishDone&) { return MessageType::kPublishDone; },
          [](const Fetch&) { return MessageType::kFetch; },
          [](const FetchOk&) { return MessageType::kFetchOk; },
          [](const TrackStatus&) { return MessageType::kTrackStatus; },
          [](const PublishNamespace&) { return MessageType::kPublishNamespace; },
          [](const Namespace&) { return MessageType::kNamespace; },
          [](const NamespaceDone&) { return MessageType::kNamespaceDone; },
          [](const SubscribeNamespace&) { return MessageType::kSubscribeNamespace; },
          [](const SubscribeTracks&) { return MessageType::kSubscribeTracks; },
          [](const PublishSkipped&) { return MessageType::kPublishSkipped; },
          [](const RequestOk&) { return MessageType::kRequestOk; },
          [](const RequestError&) { return MessageType::kRequestError; },
      },
      message);
}

Status encode_control_message(Version v, const ControlMessage& message, std::vector<std::uint8_t>& out) {
  const MessageType type = message_type(message);
  if (!message_type_defined(v, type)) return Error{Errc::kVersionMismatch, "message not defined in this version"};
  const std::size_t start = out.size();
  ByteWriter w(out);
  w.varint(static_cast<std::uint64_t>(type));
  const std::size_t length_at = out.size();
  w.u16(0);
  const std::size_t body_at = out.size();
  auto s = std::visit(BodyEncoder{v, w}, message);
  if (s && out.size() - body_at > kMaxControlMessageBody) {
    s = Error{Errc::kLimitExceeded, "control message body over 65535 bytes"};
  }
  if (!s) {
    out.resize(start);
    return s.error();
  }
  w.patch_u16(length_at, static_cast<std::uint16_t>(out.size() - body_at));
  return ok_status();
}

Result<ControlMessage> decode_control_body(Version v, MessageType type, std::span<const std::uint8_t> body) {
  if (!message_type_defined(v, type)) return Error{Errc::kUnknownMessage, "message not defined in this version"};
  switch (type) {
    case MessageType::kSetup: return decode_as<Setup>(v, body);
    case MessageType::kGoaway: return decode_as<Goaway>(v, body);
    case MessageType::kSubscribe: return decode_as<Subscribe>(v, body);
    case MessageType::kSubscribeOk: return decode_as<SubscribeOk>(v, body);
    case MessageType::kRequestUpdate: return decode_as<RequestUpdate>(v, body);
    case MessageType::kPublishStateNotify: return decode_as<PublishStateNotify>(v, body);
    case MessageType::kPublish: return decode_as<Publish>(v, body);
    case MessageType::kPublishOk: return decode_as<PublishOk>(v, body);
    case MessageType::kPublishDone: return decode_as<PublishDone>(v, body);
    case MessageType::kFetch: return decode_as<Fetch>(v, body);
    case MessageType::kFetchOk: return decode_as<FetchOk>(v, body);
    case MessageType::kTrackStatus: return decode_as<TrackStatus>(v, body);
    case MessageType::kPublishNamespace: return decode_as<PublishNamespace>(v, body);
    case MessageType::kNamespace: return decode_as<Namespace>(v, body);
    case MessageType::kNamespaceDone: return decode_as<NamespaceDone>(v, body);
    case MessageType::kSubscribeNamespace: return decode_as<SubscribeNamespace>(v, body);
    case MessageType::kSubscribeTracks: return decode_as<SubscribeTracks>(v, body);
    case MessageType::kPublishSkipped: return decode_as<PublishSkipped>(v, body);
    case MessageType::kRequestOk: return decode_as<RequestOk>(v, body);
    case MessageType::kRequestError: return decode_as<RequestError>(v, body);
  }
  return Error{Errc::kUnknownMessage, "unknown control message type"};
}

Result<DecodedControlMessage> decode_control_message(Version v, std::span<const std::uint8_t> in) {
  ByteReader r(in);
  KINETIC_TRY(const std::uint64_t wire_type, r.varint());
  const auto type = message_type_from_wire(v, wire_type);
  if (!type) return Error{Errc::kUnknownMessage, "unknown control message type"};
  KINETIC_TRY(const std::uint16_t length, r.u16());
  KINETIC_TRY(auto body, r.bytes(length));
  KINETIC_TRY(auto message, decode_control_body(v, *type, body));
  return DecodedControlMessage{std::move(message), r.position()};
}

}  // namespace kinetic::wire
