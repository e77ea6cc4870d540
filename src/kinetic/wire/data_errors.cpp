#include "kinetic/wire/data_errors.hpp"

namespace kinetic::wire {

std::optional<std::uint64_t> data_error_close_code(const Error& error) noexcept {
  switch (error.code) {
    case Errc::kNeedMoreBytes: return std::nullopt;
    case Errc::kKeyValueFormatting: return kCloseKeyValueFormattingError;
    case Errc::kBufferTooSmall: return kCloseInternalError;
    case Errc::kProtocolViolation:
    case Errc::kLimitExceeded:
    case Errc::kUnknownMessage:
    case Errc::kInvalidValue:
    case Errc::kVersionMismatch: return kCloseProtocolViolation;
  }
  return kCloseProtocolViolation;
}

}  // namespace kinetic::wire
