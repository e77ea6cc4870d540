// Control message type ids (draft-18 / draft-20 §"Control Messages", message table).
// Which ids a version defines is decided by features(v), in control_types.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

enum class MessageType : std::uint64_t {
  kRequestUpdate = 0x2,
  kSubscribe = 0x3,
  kSubscribeOk = 0x4,
  kRequestError = 0x5,
  kPublishNamespace = 0x6,
  kRequestOk = 0x7,
  kNamespace = 0x8,
  kPublishDone = 0xB,
  kTrackStatus = 0xD,
  kNamespaceDone = 0xE,
  kPublishBlocked = 0xF,  // draft-18 name
  kPublishSkipped = 0xF,  // draft-20 name of the same id
  kGoaway = 0x10,
  kFetch = 0x16,
  kFetchOk = 0x18,
  kPublish = 0x1D,
  kPublishOk = 0x1E,           // draft-18 only
  kPublishStateNotify = 0x22,  // draft-20 only
  kSubscribeNamespace = 0x50,
  kSubscribeTracks = 0x51,
  kSetup = 0x2F00,
};

// The message type `wire_type` denotes in `v`, or nullopt for an unknown or reserved id.
std::optional<MessageType> message_type_from_wire(Version v, std::uint64_t wire_type) noexcept;
bool message_type_defined(Version v, MessageType t) noexcept;
// The draft's name of the message in `v` ("PUBLISH_BLOCKED" or "PUBLISH_SKIPPED" for 0xF).
std::string_view message_name(Version v, MessageType t) noexcept;

// Messages that open a request stream ("First" in the message table).
bool opens_request_stream(MessageType t) noexcept;

}  // namespace kinetic::wire
