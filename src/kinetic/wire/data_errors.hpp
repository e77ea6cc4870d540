// What a data-plane decoding error means for the session: the termination code it closes with
// (draft-18 §15.10.1 "Session Termination Error Codes"). The registries themselves, stream reset
// codes included, are in error_codes.hpp.
#pragma once

#include <optional>

#include "kinetic/wire/error_codes.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::wire {

// nullopt for kNeedMoreBytes, which is not an error until the stream ends. Kinetic's own limits
// close with PROTOCOL_VIOLATION too: the peer sent what this endpoint will not accept.
std::optional<SessionError> data_error_close_code(const Error& error) noexcept;

}  // namespace kinetic::wire
