#include "kinetic/auth/cat.hpp"

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "CAT: " + std::move(what)); }

}  // namespace

TokenResult<DecodedCat> decode_cat(std::string_view token) {
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return bad("not three dot-separated parts");
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return bad("not three dot-separated parts");
  auto header_bytes = base64url_decode(token.substr(0, d1));
  if (!header_bytes || header_bytes->empty()) return bad("header is not base64url CBOR");
  auto payload_bytes = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload_bytes) return bad("claims are not base64url");
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!sig) return bad("signature is not base64url");

  auto header = parse_cose_header(*header_bytes);
  if (!header) return header.error();
  if (!header->alg) return bad("header has no alg");
  auto alg = key_alg_from_cose(*header->alg);
  if (!alg) return token_error(TokenErrc::kUnsupported, "CAT: algorithm " + std::to_string(*header->alg));
  auto claims = parse_cat_claims(*payload_bytes);
  if (!claims) return claims.error();
  DecodedCat out;
  out.alg = *alg;
  out.kid = std::move(header->kid);
  out.claims = std::move(*claims);
  out.signing_input = std::string(token.substr(0, d2));
  out.signature = std::move(*sig);
  return out;
}

Grants cat_grants(const CatClaims& claims) {
  Grants g;
  g.scopes = claims.moqt;
  g.expires_at = claims.exp;
  g.not_before = claims.nbf;
  g.subject = claims.sub;
  g.issuer = claims.iss;
  g.audiences = claims.aud;
  return g;
}

TokenResult<std::string> mint_cat(const CatClaims& claims, const Jwk& key) {
  std::string input = base64url_encode(encode_cose_header(cose_alg_for(key.alg, true), key.kid, true)) + "." +
                      base64url_encode(encode_cat_claims(claims));
  auto sig = sign(key, input);
  if (!sig) return sig.error();
  return input + "." + base64url_encode(*sig);
}

}  // namespace kinetic::auth
