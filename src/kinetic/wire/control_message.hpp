// MoQT control messages of drafts 18 and 20 (§"Control Messages"), one struct per message,
// and their codec. Every message is framed as
//   Message Type (vi64), Message Length (16), Message Body (..)
// Fields that exist in only one draft are std::optional and decided by features(v).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "kinetic/wire/control_types.hpp"
#include "kinetic/wire/key_value.hpp"
#include "kinetic/wire/parameters.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/track_name.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

inline constexpr std::size_t kMaxControlMessageBody = 0xffff;  // Message Length is 16 bits
inline constexpr std::size_t kMaxNewSessionUriLength = 8192;    // GOAWAY

// SETUP (0x2F00): Setup Options fill the body.
struct Setup {
  SetupOptions options;
  friend bool operator==(const Setup&, const Setup&) = default;
};

// GOAWAY (0x10).
struct Goaway {
  std::string new_session_uri;  // at most 8192 bytes; empty: reuse the current URI
  std::uint64_t timeout = 0;    // ms
  std::optional<std::uint64_t> request_id;  // draft-18, control stream only
  friend bool operator==(const Goaway&, const Goaway&) = default;
};

// SUBSCRIBE (0x3).
struct Subscribe {
  std::uint64_t request_id = 0;
  FullTrackName track;
  MessageParameters parameters;
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

// SUBSCRIBE_OK (0x4).
struct SubscribeOk {
  std::uint64_t track_alias = 0;
  MessageParameters parameters;
  KeyValueList track_properties;
  friend bool operator==(const SubscribeOk&, const SubscribeOk&) = default;
};

// REQUEST_UPDATE (0x2).
struct RequestUpdate {
  std::uint64_t request_id = 0;
  MessageParameters parameters;
  friend bool operator==(const RequestUpdate&, const RequestUpdate&) = default;
};

// PUBLISH_STATE_NOTIFY (0x22, draft-20).
struct PublishStateNotify {
  MessageParameters parameters;
  friend bool operator==(const PublishStateNotify&, const PublishStateNotify&) = default;
};

// PUBLISH (0x1D).
struct Publish {
  std::uint64_t request_id = 0;
  FullTrackName track;
  std::uint64_t track_alias = 0;
  MessageParameters parameters;
  KeyValueList track_properties;
  friend bool operator==(const Publish&, const Publish&) = default;
};

// PUBLISH_OK (0x1E, draft-18): the REQUEST_OK layout under its own id.
struct PublishOk {
  MessageParameters parameters;
  KeyValueList track_properties;
  friend bool operator==(const PublishOk&, const PublishOk&) = default;
};

// PUBLISH_DONE (0xB). Status codes: PublishDoneCode in error_codes.hpp.
struct PublishDone {
  std::uint64_t status_code = 0;
  std::uint64_t stream_count = 0;  // features(v).stream_count_unknown when not known
  std::string reason;
  friend bool operator==(const PublishDone&, const PublishDone&) = default;
};

enum class FetchType : std::uint64_t {
  kStandalone = 0x1,
  kRelativeJoining = 0x2,
  kAbsoluteJoining = 0x3,
};

struct StandaloneFetch {
  FullTrackName track;
  std::optional<Location> start;  // draft-18 (draft-20: LOCATION_FILTER parameter)
  std::optional<Location> end;    // draft-18: the end Location plus 1 (Object 0: whole group)
  friend bool operator==(const StandaloneFetch&, const StandaloneFetch&) = default;
};

struct JoiningFetch {
  std::uint64_t joining_request_id = 0;
  std::optional<std::uint64_t> joining_start;  // draft-18 (draft-20: LOCATION_FILTER StartGroup)
  friend bool operator==(const JoiningFetch&, const JoiningFetch&) = default;
};

// FETCH (0x16): `standalone` is used for kStandalone, `joining` for the joining types.
struct Fetch {
  std::uint64_t request_id = 0;
  FetchType fetch_type = FetchType::kStandalone;
  StandaloneFetch standalone;
  JoiningFetch joining;
  MessageParameters parameters;
  friend bool operator==(const Fetch&, const Fetch&) = default;
};

// FETCH_OK (0x18).
struct FetchOk {
  bool end_of_track = false;
  Location end_location;
  MessageParameters parameters;
  KeyValueList track_properties;
  friend bool operator==(const FetchOk&, const FetchOk&) = default;
};

// TRACK_STATUS (0xD): the SUBSCRIBE layout.
struct TrackStatus {
  std::uint64_t request_id = 0;
  FullTrackName track;
  MessageParameters parameters;
  friend bool operator==(const TrackStatus&, const TrackStatus&) = default;
};

// PUBLISH_NAMESPACE (0x6).
struct PublishNamespace {
  std::uint64_t request_id = 0;
  TrackNamespace track_namespace;
  MessageParameters parameters;
  friend bool operator==(const PublishNamespace&, const PublishNamespace&) = default;
};

// NAMESPACE (0x8): the namespace after the SUBSCRIBE_NAMESPACE prefix.
struct Namespace {
  TrackNamespace suffix;
  friend bool operator==(const Namespace&, const Namespace&) = default;
};

// NAMESPACE_DONE (0xE).
struct NamespaceDone {
  TrackNamespace suffix;
  friend bool operator==(const NamespaceDone&, const NamespaceDone&) = default;
};

// SUBSCRIBE_NAMESPACE (0x50).
struct SubscribeNamespace {
  std::uint64_t request_id = 0;
  TrackNamespace prefix;
  MessageParameters parameters;
  friend bool operator==(const SubscribeNamespace&, const SubscribeNamespace&) = default;
};

// SUBSCRIBE_TRACKS (0x51).
struct SubscribeTracks {
  std::uint64_t request_id = 0;
  TrackNamespace prefix;
  MessageParameters parameters;
  friend bool operator==(const SubscribeTracks&, const SubscribeTracks&) = default;
};

// PUBLISH_SKIPPED (0xF, draft-20) = PUBLISH_BLOCKED (0xF, draft-18): same layout.
// `track.track_namespace` holds the suffix after the SUBSCRIBE_TRACKS prefix.
struct PublishSkipped {
  FullTrackName track;
  friend bool operator==(const PublishSkipped&, const PublishSkipped&) = default;
};
using PublishBlocked = PublishSkipped;

// REQUEST_OK (0x7): PUBLISH_OK, REQUEST_UPDATE_OK, TRACK_STATUS_OK, ... in the draft's words.
struct RequestOk {
  MessageParameters parameters;
  KeyValueList track_properties;
  friend bool operator==(const RequestOk&, const RequestOk&) = default;
};

// Redirect structure of REQUEST_ERROR.
struct Redirect {
  std::string connect_uri;
  FullTrackName target;  // empty namespace and name: the original request's
  friend bool operator==(const Redirect&, const Redirect&) = default;
};

// REQUEST_ERROR (0x5). Codes: RequestErrorCode in error_codes.hpp; `redirect` is present
// exactly when the code is REDIRECT.
struct RequestError {
  std::uint64_t error_code = 0;
  std::uint64_t retry_interval = 0;  // ms plus one; 0: do not retry
  std::string reason;
  std::optional<Redirect> redirect;
  friend bool operator==(const RequestError&, const RequestError&) = default;
};

using ControlMessage =
    std::variant<Setup, Goaway, Subscribe, SubscribeOk, RequestUpdate, PublishStateNotify, Publish, PublishOk,
                 PublishDone, Fetch, FetchOk, TrackStatus, PublishNamespace, Namespace, NamespaceDone,
                 SubscribeNamespace, SubscribeTracks, PublishSkipped, RequestOk, RequestError>;

MessageType message_type(const ControlMessage& message) noexcept;

// Appends the framed message to `out`. kVersionMismatch when `v` lacks the message or one of
// its fields; kLimitExceeded when the body would pass 65535 bytes (nothing is appended then).
Status encode_control_message(Version v, const ControlMessage& message, std::vector<std::uint8_t>& out);

// Decodes one body whose length the frame gave. A body shorter than its fields or longer
// than them is a PROTOCOL_VIOLATION (never kNeedMoreBytes).
Result<ControlMessage> decode_control_body(Version v, MessageType type, std::span<const std::uint8_t> body);

struct DecodedControlMessage {
  ControlMessage message;
  std::size_t consumed = 0;  // bytes of `in` the frame used
};

// Decodes the framed message at the front of `in`: kNeedMoreBytes while the frame is
// incomplete, kUnknownMessage for a type `v` does not define.
Result<DecodedControlMessage> decode_control_message(Version v, std::span<const std::uint8_t> in);

}  // namespace kinetic::wire
