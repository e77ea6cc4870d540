// Signatures and MACs in their JWS form, on GnuTLS: HS256 (32-byte HMAC-SHA256), ES256 (64-byte
// r||s over SHA-256, P-256) and EdDSA (64-byte Ed25519). The C4M compact tokens use the same
// forms, so JWT and CAT share this file.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "kinetic/auth/jwk.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

TokenResult<std::vector<std::uint8_t>> sign(const Jwk& key, std::string_view input);
// True only when `signature` is the key's valid signature (or MAC) of `input`.
bool verify(const Jwk& key, std::string_view input, std::span<const std::uint8_t> signature);

}  // namespace kinetic::auth
