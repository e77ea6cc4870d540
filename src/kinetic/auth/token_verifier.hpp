// Turns a token's bytes into Grants: tells JWT from CAT by its header (JSON or CBOR) or a binary
// COSE CWT by its first bytes (raw or base64url), finds the
// configured key by key id (or, without one, every key of the token's algorithm), checks the
// signature, then exp and nbf against the time it is given. Every failure is a TokenError;
// nothing here throws or aborts on untrusted input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/auth/grants.hpp"
#include "kinetic/auth/jwk.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

// kCat: the draft's compact text form; kCwt: a binary COSE CWT, as bytes or base64url text.
enum class TokenFormat : std::uint8_t { kJwt, kCat, kCwt };

// Token types of the AUTHORIZATION TOKEN parameter: 0 is "negotiated out of band" in MoQT
// (Kinetic's JWTs travel as it), 1 is CAT (draft-ietf-moq-c4m).
inline constexpr std::uint64_t kTokenTypeJwt = 0x0;
inline constexpr std::uint64_t kTokenTypeCat = 0x1;

inline constexpr std::size_t kMaxTokenBytes = 8192;

TokenResult<TokenFormat> detect_format(std::string_view token);

// What a verifier asks of a token beyond its signature and validity times (RFC 7519 §4.1.1 and
// §4.1.3; the same claims in CWT and CAT).
struct TokenPolicy {
  std::vector<std::string> issuers;  // not empty: iss must be one of these
  // The names this verifier answers to. A token with aud must name one of them (with none
  // configured, a token with aud is refused: it was minted for someone else); with some
  // configured, a token without aud is refused too.
  std::vector<std::string> audiences;
};

class TokenVerifier {
 public:
  explicit TokenVerifier(std::vector<Jwk> keys, TokenPolicy policy = {})
      : keys_(std::move(keys)), policy_(std::move(policy)) {}
  // `now`: seconds since the epoch.
  [[nodiscard]] TokenResult<Grants> verify(std::string_view token, std::int64_t now) const;
  [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }
  [[nodiscard]] const std::vector<Jwk>& keys() const noexcept { return keys_; }
  [[nodiscard]] const TokenPolicy& policy() const noexcept { return policy_; }

 private:
  [[nodiscard]] TokenResult<const Jwk*> check_signature(KeyAlg alg, const std::string& kid, std::string_view input,
                                                        const std::vector<std::uint8_t>& signature) const;
  [[nodiscard]] TokenResult<bool> check_policy(const Grants& grants) const;
  std::vector<Jwk> keys_;
  TokenPolicy policy_;
};

}  // namespace kinetic::auth
