// The CBOR inside a CAT, both ways: the claims set (CWT claims plus the C4M draft's "moqt" and
// "moqt-reval") and the COSE header map ({1: alg, 4: kid}). The compact form (cat.hpp) and the
// COSE form (cwt.hpp) wrap the same bytes differently.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kinetic/auth/grants.hpp"
#include "kinetic/auth/jwk.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

inline constexpr std::uint64_t kClaimMoqt = 327;
inline constexpr std::uint64_t kClaimMoqtReval = 328;

struct CatClaims {
  std::string iss, sub;
  std::optional<std::vector<std::string>> aud;  // a text string or an array of them
  std::optional<std::int64_t> exp, nbf, iat;
  std::vector<Scope> moqt;            // absent claim: no scope, every action blocked
  std::optional<double> reval;        // moqt-reval seconds
};

struct CoseHeader {
  std::optional<std::int64_t> alg;
  std::string kid;
};

// Claims Kinetic cannot enforce (network, geography, usage counts, DPoP, ...) make the token
// unsupported rather than silently ignored: a restriction must never turn into a grant.
TokenResult<CatClaims> parse_cat_claims(std::span<const std::uint8_t> cbor);
std::vector<std::uint8_t> encode_cat_claims(const CatClaims& claims);

// A header map; "crit" (2) is unsupported, text labels are ignored. An empty input is an empty map.
TokenResult<CoseHeader> parse_cose_header(std::span<const std::uint8_t> cbor);
// {1: alg, 4: kid (when not empty), 16: "CAT" (when typ)}.
std::vector<std::uint8_t> encode_cose_header(std::int64_t alg, const std::string& kid, bool typ);

// COSE algorithm numbers: -4 (the draft's vectors) or 5 for HMAC-SHA256, -7 ES256, -8 EdDSA.
std::optional<KeyAlg> key_alg_from_cose(std::int64_t alg);
std::int64_t cose_alg_for(KeyAlg alg, bool compact_form);

}  // namespace kinetic::auth
