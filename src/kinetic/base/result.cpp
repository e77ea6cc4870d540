#include "kinetic/base/result.hpp"

namespace kinetic {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kNeedMoreBytes: return "need more bytes";
    case Errc::kProtocolViolation: return "protocol violation";
    case Errc::kKeyValueFormatting: return "key-value formatting error";
    case Errc::kLimitExceeded: return "limit exceeded";
    case Errc::kUnknownMessage: return "unknown message";
    case Errc::kInvalidValue: return "invalid value";
    case Errc::kVersionMismatch: return "version mismatch";
    case Errc::kBufferTooSmall: return "buffer too small";
  }
  return "unknown error";
}

}  // namespace kinetic
