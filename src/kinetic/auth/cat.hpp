// Common Access Tokens for MoQT (draft-ietf-moq-c4m): CWT claims in CBOR with the "moqt" claim
// (327) listing action scopes and "moqt-reval" (328). The token travels in the compact form
// of the draft's test vectors: base64url(CBOR header) "." base64url(CBOR claims) "."
// base64url(MAC or signature) over the first two parts; the header is {1: alg, 4: kid, 16: "CAT"}
// with alg -4 or 5 (HMAC-SHA256), -7 (ES256) or -8 (EdDSA).
//
// Claims Kinetic cannot enforce (network, geography, usage counts, DPoP, ...) make the token
// unsupported rather than silently ignored: a restriction must never turn into a grant.
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

inline constexpr std::uint64_t kClaimMoqt = 327;
inline constexpr std::uint64_t kClaimMoqtReval = 328;

struct CatClaims {
  std::string iss, sub;
  std::optional<std::int64_t> exp, nbf, iat;
  std::vector<Scope> moqt;            // absent claim: no scope, every action blocked
  std::optional<double> reval;        // moqt-reval seconds
};

// Parsed, not verified.
struct DecodedCat {
  KeyAlg alg = KeyAlg::kHs256;
  std::string kid;
  CatClaims claims;
  std::string signing_input;
  std::vector<std::uint8_t> signature;
};

TokenResult<DecodedCat> decode_cat(std::string_view token);
// Scopes become grants as they are; exp/nbf/sub carry over.
Grants cat_grants(const CatClaims& claims);
TokenResult<std::string> mint_cat(const CatClaims& claims, const Jwk& key);

}  // namespace kinetic::auth
