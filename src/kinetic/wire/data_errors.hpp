// What a data-plane decoding error means for the session: the termination code it closes with
// (draft-18 §15.10.1 "Session Termination Error Codes"). Stream reset codes live in error_codes.hpp.
#pragma once

#include <cstdint>
#include <optional>

#include "kinetic/wire/result.hpp"

namespace kinetic::wire {

inline constexpr std::uint64_t kCloseInternalError = 0x1;
inline constexpr std::uint64_t kCloseProtocolViolation = 0x3;
inline constexpr std::uint64_t kCloseKeyValueFormattingError = 0x6;

// nullopt for kNeedMoreBytes, which is not an error until the stream ends. Kinetic's own limits
// close with PROTOCOL_VIOLATION too: the peer sent what this endpoint will not accept.
std::optional<std::uint64_t> data_error_close_code(const Error& error) noexcept;

}  // namespace kinetic::wire
