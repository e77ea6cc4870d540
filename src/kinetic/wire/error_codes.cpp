#include "kinetic/wire/error_codes.hpp"

namespace kinetic::wire {

std::string_view session_error_name(Version v, std::uint64_t code) noexcept {
  switch (code) {
    case 0x0: return "NO_ERROR";
    case 0x1: return "INTERNAL_ERROR";
    case 0x2: return "UNAUTHORIZED";
    case 0x3: return "PROTOCOL_VIOLATION";
    case 0x4: return "INVALID_REQUEST_ID";
    case 0x5: return "DUPLICATE_TRACK_ALIAS";
    case 0x6: return "KEY_VALUE_FORMATTING_ERROR";
    case 0x8: return "INVALID_PATH";
    case 0x9: return "MALFORMED_PATH";
    case 0x10: return "GOAWAY_TIMEOUT";
    case 0x11: return "CONTROL_MESSAGE_TIMEOUT";
    case 0x12: return "DATA_STREAM_TIMEOUT";
    case 0x13: return "AUTH_TOKEN_CACHE_OVERFLOW";
    case 0x14: return "DUPLICATE_AUTH_TOKEN_ALIAS";
    case 0x15: return "VERSION_NEGOTIATION_FAILED";
    case 0x16: return "MALFORMED_AUTH_TOKEN";
    case 0x17: return "UNKNOWN_AUTH_TOKEN_ALIAS";
    case 0x18: return "EXPIRED_AUTH_TOKEN";
    case 0x19: return "INVALID_AUTHORITY";
    case 0x1A: return "MALFORMED_AUTHORITY";
    case 0x1B: return features(v).error_too_many_request_updates ? "TOO_MANY_REQUEST_UPDATES" : "";
    default: return "";
  }
}

std::string_view request_error_name(Version v, std::uint64_t code) noexcept {
  switch (code) {
    case 0x0: return "INTERNAL_ERROR";
    case 0x1: return "UNAUTHORIZED";
    case 0x2: return "TIMEOUT";
    case 0x3: return "NOT_SUPPORTED";
    case 0x4: return "MALFORMED_AUTH_TOKEN";
    case 0x5: return "EXPIRED_AUTH_TOKEN";
    case 0x6: return "GOING_AWAY";
    case 0x9: return "EXCESSIVE_LOAD";
    case 0x10: return "DOES_NOT_EXIST";
    case 0x11: return "INVALID_RANGE";
    case 0x12: return "MALFORMED_TRACK";
    case 0x19: return features(v).error_duplicate_subscription ? "DUPLICATE_SUBSCRIPTION" : "";
    case 0x20: return "UNINTERESTED";
    case 0x30: return "PREFIX_OVERLAP";
    case 0x31: return "NAMESPACE_TOO_LARGE";
    case 0x32: return "INVALID_JOINING_REQUEST_ID";
    case 0x33: return "UNSUPPORTED_EXTENSION";
    case 0x34: return "REDIRECT";
    case 0x35: return features(v).error_filter_codes ? "CONFLICTING_FILTERS" : "";
    case 0x36: return features(v).error_filter_codes ? "INVALID_FILTER" : "";
    default: return "";
  }
}

std::string_view publish_done_name(Version, std::uint64_t code) noexcept {
  switch (code) {
    case 0x0: return "INTERNAL_ERROR";
    case 0x1: return "UNAUTHORIZED";
    case 0x2: return "TRACK_ENDED";
    case 0x3: return "SUBSCRIPTION_ENDED";
    case 0x4: return "GOING_AWAY";
    case 0x5: return "TOO_FAR_BEHIND";
    case 0x6: return "EXPIRED";
    case 0x8: return "UPDATE_FAILED";
    case 0x9: return "EXCESSIVE_LOAD";
    case 0x12: return "MALFORMED_TRACK";
    default: return "";
  }
}

std::string_view stream_reset_name(Version, std::uint64_t code) noexcept {
  switch (code) {
    case 0x0: return "INTERNAL_ERROR";
    case 0x1: return "CANCELLED";
    case 0x2: return "DELIVERY_TIMEOUT";
    case 0x3: return "SESSION_CLOSED";
    case 0x4: return "GOING_AWAY";
    case 0x5: return "TOO_FAR_BEHIND";
    case 0x6: return "UNKNOWN_OBJECT_STATUS";
    case 0x7: return "EXPIRED_AUTH_TOKEN";
    case 0x9: return "EXCESSIVE_LOAD";
    case 0x12: return "MALFORMED_TRACK";
    default: return "";
  }
}

SessionError session_error_from_wire(Version v, std::uint64_t code) noexcept {
  return session_error_name(v, code).empty() ? SessionError::kInternalError : static_cast<SessionError>(code);
}
RequestErrorCode request_error_from_wire(Version v, std::uint64_t code) noexcept {
  return request_error_name(v, code).empty() ? RequestErrorCode::kInternalError
                                             : static_cast<RequestErrorCode>(code);
}
PublishDoneCode publish_done_from_wire(Version v, std::uint64_t code) noexcept {
  return publish_done_name(v, code).empty() ? PublishDoneCode::kInternalError : static_cast<PublishDoneCode>(code);
}
StreamResetCode stream_reset_from_wire(Version v, std::uint64_t code) noexcept {
  return stream_reset_name(v, code).empty() ? StreamResetCode::kInternalError : static_cast<StreamResetCode>(code);
}

SessionError session_error_for(Errc code) noexcept {
  return code == Errc::kKeyValueFormatting ? SessionError::kKeyValueFormattingError : SessionError::kProtocolViolation;
}

}  // namespace kinetic::wire
