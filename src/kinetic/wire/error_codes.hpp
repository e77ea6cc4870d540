// MoQT error code registries (draft-18 / draft-20 §"Error Codes"): session termination,
// REQUEST_ERROR, PUBLISH_DONE and stream reset codes. Codes travel as raw integers because
// an unknown code must be treated as INTERNAL_ERROR, never as a parse failure; these
// helpers name and classify them per version.
#pragma once

#include <cstdint>
#include <string_view>

#include "kinetic/base/result.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

// Grease values 0x7f * N + 0x9D are reserved in every registry here.
constexpr bool is_grease(std::uint64_t v) noexcept { return v >= 0x9D && (v - 0x9D) % 0x7F == 0; }

enum class SessionError : std::uint64_t {
  kNoError = 0x0,
  kInternalError = 0x1,
  kUnauthorized = 0x2,
  kProtocolViolation = 0x3,
  kInvalidRequestId = 0x4,
  kDuplicateTrackAlias = 0x5,
  kKeyValueFormattingError = 0x6,
  kInvalidPath = 0x8,
  kMalformedPath = 0x9,
  kGoawayTimeout = 0x10,
  kControlMessageTimeout = 0x11,
  kDataStreamTimeout = 0x12,
  kAuthTokenCacheOverflow = 0x13,
  kDuplicateAuthTokenAlias = 0x14,
  kVersionNegotiationFailed = 0x15,
  kMalformedAuthToken = 0x16,
  kUnknownAuthTokenAlias = 0x17,
  kExpiredAuthToken = 0x18,
  kInvalidAuthority = 0x19,
  kMalformedAuthority = 0x1A,
  kTooManyRequestUpdates = 0x1B,  // draft-20
};

enum class RequestErrorCode : std::uint64_t {
  kInternalError = 0x0,
  kUnauthorized = 0x1,
  kTimeout = 0x2,
  kNotSupported = 0x3,
  kMalformedAuthToken = 0x4,
  kExpiredAuthToken = 0x5,
  kGoingAway = 0x6,
  kExcessiveLoad = 0x9,
  kDoesNotExist = 0x10,
  kInvalidRange = 0x11,
  kMalformedTrack = 0x12,
  kDuplicateSubscription = 0x19,  // draft-18 only
  kUninterested = 0x20,
  kPrefixOverlap = 0x30,
  kNamespaceTooLarge = 0x31,
  kInvalidJoiningRequestId = 0x32,
  kUnsupportedExtension = 0x33,
  kRedirect = 0x34,
  kConflictingFilters = 0x35,  // draft-20
  kInvalidFilter = 0x36,       // draft-20
};

enum class PublishDoneCode : std::uint64_t {
  kInternalError = 0x0,
  kUnauthorized = 0x1,
  kTrackEnded = 0x2,
  kSubscriptionEnded = 0x3,
  kGoingAway = 0x4,
  kTooFarBehind = 0x5,
  kExpired = 0x6,
  kUpdateFailed = 0x8,
  kExcessiveLoad = 0x9,
  kMalformedTrack = 0x12,
};

enum class StreamResetCode : std::uint64_t {
  kInternalError = 0x0,
  kCancelled = 0x1,
  kDeliveryTimeout = 0x2,
  kSessionClosed = 0x3,
  kGoingAway = 0x4,
  kTooFarBehind = 0x5,
  kUnknownObjectStatus = 0x6,
  kExpiredAuthToken = 0x7,
  kExcessiveLoad = 0x9,
  kMalformedTrack = 0x12,
};

// The draft's name for `code` in `v`, or "" when the version does not define it (the
// receiver then treats it as INTERNAL_ERROR).
std::string_view session_error_name(Version v, std::uint64_t code) noexcept;
std::string_view request_error_name(Version v, std::uint64_t code) noexcept;
std::string_view publish_done_name(Version v, std::uint64_t code) noexcept;
std::string_view stream_reset_name(Version v, std::uint64_t code) noexcept;

// An unknown code means INTERNAL_ERROR in its registry (draft §"Grease").
SessionError session_error_from_wire(Version v, std::uint64_t code) noexcept;
RequestErrorCode request_error_from_wire(Version v, std::uint64_t code) noexcept;
PublishDoneCode publish_done_from_wire(Version v, std::uint64_t code) noexcept;
StreamResetCode stream_reset_from_wire(Version v, std::uint64_t code) noexcept;

// The session termination code for a wire-layer failure on a control or request stream:
// KEY_VALUE_FORMATTING_ERROR for a malformed key-value or token, PROTOCOL_VIOLATION for every
// other malformed, unknown or out-of-bounds message. (kNeedMoreBytes is not a failure; a
// stream that ends inside a message is a PROTOCOL_VIOLATION too.)
SessionError session_error_for(Errc code) noexcept;

}  // namespace kinetic::wire
