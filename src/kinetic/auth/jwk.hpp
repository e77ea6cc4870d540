// Keys as JSON Web Keys (RFC 7517): "oct" for HS256, "EC" P-256 for ES256, "OKP" Ed25519 for
// EdDSA, each with a "kid". A file holds one key or a set ({"keys": [...]}). Private parts
// ("k", "d") are kept only where a key signs; a relay needs public keys for ES256/EdDSA.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

enum class KeyAlg : std::uint8_t { kHs256, kEs256, kEdDsa };

const char* jws_alg_name(KeyAlg alg) noexcept;                    // "HS256", "ES256", "EdDSA"
std::optional<KeyAlg> key_alg_from_name(std::string_view name);  // those, case-insensitive

struct Jwk {
  std::string kid;
  KeyAlg alg = KeyAlg::kHs256;
  std::vector<std::uint8_t> secret;  // oct "k"
  std::vector<std::uint8_t> x, y;    // EC / OKP public point (y: EC only)
  std::vector<std::uint8_t> d;       // EC / OKP private scalar

  [[nodiscard]] bool can_sign() const noexcept { return alg == KeyAlg::kHs256 ? !secret.empty() : !d.empty(); }
  // The key without its private scalar (an HMAC key is all secret and stays whole).
  [[nodiscard]] Jwk public_part() const;
};

// One JWK object or a JWK Set; every key is checked (type, curve, lengths, alg).
TokenResult<std::vector<Jwk>> parse_jwks(std::string_view json);
std::string jwk_to_json(const Jwk& key, bool include_private);
// A fresh key from GnuTLS's key-grade random source.
TokenResult<Jwk> generate_jwk(KeyAlg alg, std::string kid);

}  // namespace kinetic::auth
