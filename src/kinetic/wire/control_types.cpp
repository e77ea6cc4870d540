#include "kinetic/wire/control_types.hpp"

namespace kinetic::wire {

bool message_type_defined(Version v, MessageType t) noexcept {
  const auto& f = features(v);
  switch (t) {
    case MessageType::kRequestUpdate:
    case MessageType::kSubscribe:
    case MessageType::kSubscribeOk:
    case MessageType::kRequestError:
    case MessageType::kPublishNamespace:
    case MessageType::kRequestOk:
    case MessageType::kNamespace:
    case MessageType::kPublishDone:
    case MessageType::kTrackStatus:
    case MessageType::kNamespaceDone:
    case MessageType::kPublishBlocked:
    case MessageType::kGoaway:
    case MessageType::kFetch:
    case MessageType::kFetchOk:
    case MessageType::kPublish:
    case MessageType::kSubscribeNamespace:
    case MessageType::kSubscribeTracks:
    case MessageType::kSetup:
      return true;
    case MessageType::kPublishOk: return f.publish_ok_message;
    case MessageType::kPublishStateNotify: return f.publish_state_notify;
  }
  return false;
}

std::optional<MessageType> message_type_from_wire(Version v, std::uint64_t wire_type) noexcept {
  switch (wire_type) {
    case 0x2: case 0x3: case 0x4: case 0x5: case 0x6: case 0x7: case 0x8: case 0xB: case 0xD:
    case 0xE: case 0xF: case 0x10: case 0x16: case 0x18: case 0x1D: case 0x1E: case 0x22:
    case 0x50: case 0x51: case 0x2F00: {
      const auto t = static_cast<MessageType>(wire_type);
      if (message_type_defined(v, t)) return t;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::string_view message_name(Version v, MessageType t) noexcept {
  switch (t) {
    case MessageType::kRequestUpdate: return "REQUEST_UPDATE";
    case MessageType::kSubscribe: return "SUBSCRIBE";
    case MessageType::kSubscribeOk: return "SUBSCRIBE_OK";
    case MessageType::kRequestError: return "REQUEST_ERROR";
    case MessageType::kPublishNamespace: return "PUBLISH_NAMESPACE";
    case MessageType::kRequestOk: return "REQUEST_OK";
    case MessageType::kNamespace: return "NAMESPACE";
    case MessageType::kPublishDone: return "PUBLISH_DONE";
    case MessageType::kTrackStatus: return "TRACK_STATUS";
    case MessageType::kNamespaceDone: return "NAMESPACE_DONE";
    case MessageType::kPublishBlocked: return features(v).type_0f_name;
    case MessageType::kGoaway: return "GOAWAY";
    case MessageType::kFetch: return "FETCH";
    case MessageType::kFetchOk: return "FETCH_OK";
    case MessageType::kPublish: return "PUBLISH";
    case MessageType::kPublishOk: return "PUBLISH_OK";
    case MessageType::kPublishStateNotify: return "PUBLISH_STATE_NOTIFY";
    case MessageType::kSubscribeNamespace: return "SUBSCRIBE_NAMESPACE";
    case MessageType::kSubscribeTracks: return "SUBSCRIBE_TRACKS";
    case MessageType::kSetup: return "SETUP";
  }
  return "";
}

bool opens_request_stream(MessageType t) noexcept {
  switch (t) {
    case MessageType::kSubscribe:
    case MessageType::kPublish:
    case MessageType::kFetch:
    case MessageType::kTrackStatus:
    case MessageType::kPublishNamespace:
    case MessageType::kSubscribeNamespace:
    case MessageType::kSubscribeTracks:
      return true;
    default:
      return false;
  }
}

}  // namespace kinetic::wire
