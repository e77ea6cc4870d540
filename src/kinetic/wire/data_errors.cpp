#include "kinetic/wire/data_errors.hpp"

namespace kinetic::wire {

std::optional<SessionError> data_error_close_code(const Error& error) noexcept {
  switch (error.code) {
    case Errc::kNeedMoreBytes:
      return std::nullopt;
    case Errc::kKeyValueFormatting:
      return SessionError::kKeyValueFormattingError;
    case Errc::kBufferTooSmall:
      return SessionError::kInternalError;
    case Errc::kProtocolViolation:
    case Errc::kLimitExceeded:
    case Errc::kUnknownMessage:
    case Errc::kInvalidValue:
    case Errc::kVersionMismatch:
      return SessionError::kProtocolViolation;
  }
  return SessionError::kProtocolViolation;
}

}  // namespace kinetic::wire
