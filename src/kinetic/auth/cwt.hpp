// CAT as a CBOR Web Token (RFC 8392), the binary form the C4M draft's "CAT Token Type (0x01)"
// names: COSE_Mac0 (tag 17; HMAC-SHA256, alg 5 or -4) or COSE_Sign1 (tag 18; ES256 -7, EdDSA -8),
// optionally inside the CWT tag 61. The MAC or signature covers the COSE MAC_structure /
// Sig_structure (RFC 9052 §6.3, §4.4) with an empty external AAD; alg comes from the protected
// header, kid from either header. The claims are those of cat_cbor.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kinetic/auth/cat.hpp"

namespace kinetic::auth {

// Whether the bytes begin like a CWT (tag 61, tag 17 or 18, or an untagged four-element array).
bool looks_like_cwt(std::span<const std::uint8_t> bytes) noexcept;
TokenResult<DecodedCat> decode_cwt(std::span<const std::uint8_t> bytes);
// COSE_Mac0 for an HS256 key, COSE_Sign1 otherwise; the kid goes in the unprotected header.
TokenResult<std::vector<std::uint8_t>> mint_cwt(const CatClaims& claims, const Jwk& key);

}  // namespace kinetic::auth
