#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

const char* token_errc_name(TokenErrc code) noexcept {
  switch (code) {
    case TokenErrc::kMalformed: return "malformed";
    case TokenErrc::kTooLarge: return "too large";
    case TokenErrc::kUnsupported: return "unsupported";
    case TokenErrc::kUnknownKey: return "unknown key";
    case TokenErrc::kWrongAlgorithm: return "wrong algorithm";
    case TokenErrc::kBadSignature: return "bad signature";
    case TokenErrc::kExpired: return "expired";
    case TokenErrc::kNotYetValid: return "not yet valid";
    case TokenErrc::kWrongIssuer:
      return "wrong issuer";
    case TokenErrc::kWrongAudience:
      return "wrong audience";
  }
  return "unknown";
}

}  // namespace kinetic::auth
