// JWTs in the layout moq-dev's relay uses (its moq-token crate): a "root" path, "put" paths the
// bearer may publish under and "get" paths it may subscribe under (each a string or an array),
// relative to the root, plus exp / nbf / iat / sub. Paths match whole '/'-separated segments
// against the namespace's fields: root "demo" with put "alice" lets the bearer publish
// ["demo","alice"] and anything below it. Compact JWS only (header.payload.signature).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/auth/grants.hpp"
#include "kinetic/auth/jwk.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

struct JwtClaims {
  std::string root;
  std::optional<std::vector<std::string>> publish;    // "put"; absent: may publish nothing
  std::optional<std::vector<std::string>> subscribe;  // "get"; absent: may subscribe to nothing
  std::optional<std::int64_t> exp, nbf, iat;
  std::string sub;
  std::string iss;                              // empty: no iss claim
  std::optional<std::vector<std::string>> aud;  // a string or an array of strings (RFC 7519 §4.1.3)
};

// Parsed but not yet verified: nothing in it may be trusted before the signature is checked.
struct DecodedJwt {
  std::string alg;
  std::string kid;
  JwtClaims claims;
  std::string signing_input;  // base64url(header) "." base64url(payload), as received
  std::vector<std::uint8_t> signature;
};

TokenResult<DecodedJwt> decode_jwt(std::string_view token);
// The scopes the claims stand for: "put" -> PUBLISH_NAMESPACE, PUBLISH; "get" -> SUBSCRIBE,
// SUBSCRIBE_NAMESPACE, FETCH, TRACK_STATUS, REQUEST_UPDATE.
Grants jwt_grants(const JwtClaims& claims);
TokenResult<std::string> mint_jwt(const JwtClaims& claims, const Jwk& key);

}  // namespace kinetic::auth
