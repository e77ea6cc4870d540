// Common Access Tokens for MoQT (draft-ietf-moq-c4m) in the compact form of the draft's test
// vectors: base64url(CBOR header) "." base64url(CBOR claims) "." base64url(MAC or signature) over
// the first two parts; the header is {1: alg, 4: kid, 16: "CAT"} with alg -4 or 5 (HMAC-SHA256),
// -7 (ES256) or -8 (EdDSA). The claims are cat_cbor.hpp's; cwt.hpp reads the COSE form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/auth/cat_cbor.hpp"
#include "kinetic/auth/grants.hpp"
#include "kinetic/auth/jwk.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

// Parsed, not verified. `signing_input` is what the MAC or signature covers.
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
