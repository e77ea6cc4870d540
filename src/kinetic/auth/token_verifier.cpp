#include "kinetic/auth/token_verifier.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/cat.hpp"
#include "kinetic/auth/cwt.hpp"
#include "kinetic/auth/jwt.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {

TokenResult<TokenFormat> detect_format(std::string_view token) {
  if (token.size() > kMaxTokenBytes)
    return token_error(TokenErrc::kTooLarge, "token of " + std::to_string(token.size()) + " bytes (at most " +
                                                 std::to_string(kMaxTokenBytes) + ")");
  const auto dot = token.find('.');
  const auto raw = std::span(reinterpret_cast<const std::uint8_t*>(token.data()), token.size());
  if (looks_like_cwt(raw)) return TokenFormat::kCwt;
  if (dot == std::string_view::npos) {
    auto decoded = base64url_decode(token);
    if (decoded && looks_like_cwt(*decoded)) return TokenFormat::kCwt;
    return token_error(TokenErrc::kMalformed, "not a JWT or CAT (neither dot-separated parts nor a CWT)");
  }
  if (dot == 0) return token_error(TokenErrc::kMalformed, "not a JWT or CAT (no header)");
  // Four base64url characters are three bytes: enough to see the first byte of the header.
  auto head = base64url_decode(token.substr(0, std::min<std::size_t>(dot, 4)));
  if (!head || head->empty()) return token_error(TokenErrc::kMalformed, "not a JWT or CAT (header is not base64url)");
  const std::uint8_t first = head->front();
  if (first == '{' || first == ' ' || first == '\n' || first == '\r' || first == '\t') return TokenFormat::kJwt;
  if ((first & 0xE0) == 0xA0) return TokenFormat::kCat;  // CBOR major type 5: a map
  return token_error(TokenErrc::kMalformed, "not a JWT or CAT (header is neither JSON nor a CBOR map)");
}

TokenResult<const Jwk*> TokenVerifier::check_signature(KeyAlg alg, const std::string& kid, std::string_view input,
                                                       const std::vector<std::uint8_t>& signature) const {
  if (!kid.empty()) {
    for (const auto& k : keys_) {
      if (k.kid != kid) continue;
      if (k.alg != alg)
        return token_error(TokenErrc::kWrongAlgorithm, std::string("token is ") + jws_alg_name(alg) + " but key '" +
                                                           kid + "' is " + jws_alg_name(k.alg));
      if (!auth::verify(k, input, signature)) return token_error(TokenErrc::kBadSignature, "signature does not verify");
      return &k;
    }
    return token_error(TokenErrc::kUnknownKey, "no key with id '" + kid + "'");
  }
  bool any = false;
  for (const auto& k : keys_) {
    if (k.alg != alg) continue;
    any = true;
    if (auth::verify(k, input, signature)) return &k;
  }
  if (!any) return token_error(TokenErrc::kUnknownKey, std::string("no ") + jws_alg_name(alg) + " key configured");
  return token_error(TokenErrc::kBadSignature, "signature does not verify with any key");
}

TokenResult<Grants> TokenVerifier::verify(std::string_view token, std::int64_t now) const {
  auto format = detect_format(token);
  if (!format) return format.error();
  Grants grants;
  if (*format == TokenFormat::kJwt) {
    auto jwt = decode_jwt(token);
    if (!jwt) return jwt.error();
    // JWS names exactly (RFC 7518, RFC 8037): "none" and everything else is refused.
    std::optional<KeyAlg> alg;
    for (KeyAlg a : {KeyAlg::kHs256, KeyAlg::kEs256, KeyAlg::kEdDsa}) {
      if (jwt->alg == jws_alg_name(a)) alg = a;
    }
    if (!alg)
      return token_error(TokenErrc::kUnsupported, "JWT: algorithm '" + jwt->alg + "' (HS256, ES256, EdDSA)");
    auto key = check_signature(*alg, jwt->kid, jwt->signing_input, jwt->signature);
    if (!key) return key.error();
    grants = jwt_grants(jwt->claims);
    grants.key_id = (*key)->kid;
  } else if (*format == TokenFormat::kCwt) {
    const auto raw = std::span(reinterpret_cast<const std::uint8_t*>(token.data()), token.size());
    std::optional<std::vector<std::uint8_t>> decoded;
    if (!looks_like_cwt(raw)) decoded = base64url_decode(token);
    auto cwt = decode_cwt(decoded ? std::span<const std::uint8_t>(*decoded) : raw);
    if (!cwt) return cwt.error();
    auto key = check_signature(cwt->alg, cwt->kid, cwt->signing_input, cwt->signature);
    if (!key) return key.error();
    grants = cat_grants(cwt->claims);
    grants.key_id = (*key)->kid;
  } else {
    auto cat = decode_cat(token);
    if (!cat) return cat.error();
    auto key = check_signature(cat->alg, cat->kid, cat->signing_input, cat->signature);
    if (!key) return key.error();
    grants = cat_grants(cat->claims);
    grants.key_id = (*key)->kid;
  }
  if (grants.expires_at && now >= *grants.expires_at)
    return token_error(TokenErrc::kExpired, "token expired at " + std::to_string(*grants.expires_at));
  if (grants.not_before && now < *grants.not_before)
    return token_error(TokenErrc::kNotYetValid, "token not valid before " + std::to_string(*grants.not_before));
  if (auto fits = check_policy(grants); !fits) return fits.error();
  return grants;
}

TokenResult<bool> TokenVerifier::check_policy(const Grants& grants) const {
  const auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (!policy_.issuers.empty() && !listed(policy_.issuers, grants.issuer)) {
    return token_error(TokenErrc::kWrongIssuer, grants.issuer.empty()
                                                    ? std::string("token has no iss")
                                                    : "issuer '" + grants.issuer + "' is not accepted");
  }
  if (!grants.audiences) {
    if (!policy_.audiences.empty()) return token_error(TokenErrc::kWrongAudience, "token has no aud");
    return true;
  }
  for (const auto& a : *grants.audiences) {
    if (listed(policy_.audiences, a)) return true;
  }
  std::string names;
  for (const auto& a : *grants.audiences) names += (names.empty() ? "'" : ", '") + a + "'";
  return token_error(
      TokenErrc::kWrongAudience,
      "token is for " + (names.empty() ? std::string("no audience") : names) +
          (policy_.audiences.empty() ? ", and no audience is configured here" : ", not this one"));
}

}  // namespace kinetic::auth
