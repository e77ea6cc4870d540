#include "kinetic/auth/jwk.hpp"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "kinetic/auth/base64url.hpp"

namespace kinetic::auth {
namespace {

using nlohmann::json;

constexpr std::size_t kMinHmacKey = 32;  // RFC 7518 §3.2: at least the hash size
constexpr std::size_t kCurveBytes = 32;  // P-256 coordinates and scalars, Ed25519 keys

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "JWK: " + std::move(what)); }

std::optional<std::vector<std::uint8_t>> b64_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return base64url_decode(it->get_ref<const std::string&>());
}

std::string str_field(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

TokenResult<Jwk> parse_one(const json& j) {
  if (!j.is_object()) return bad("a key is not a JSON object");
  Jwk key;
  key.kid = str_field(j, "kid");
  const std::string kty = str_field(j, "kty");
  const std::string alg = str_field(j, "alg");
  if (kty == "oct") {
    key.alg = KeyAlg::kHs256;
    auto k = b64_field(j, "k");
    if (!k) return bad("oct key without a base64url \"k\"");
    if (k->size() < kMinHmacKey) return bad("HMAC key shorter than 32 bytes");
    key.secret = std::move(*k);
  } else if (kty == "EC" || kty == "OKP") {
    const std::string crv = str_field(j, "crv");
    if (kty == "EC" && crv != "P-256") return token_error(TokenErrc::kUnsupported, "JWK: EC curve '" + crv + "' (only P-256)");
    if (kty == "OKP" && crv != "Ed25519")
      return token_error(TokenErrc::kUnsupported, "JWK: OKP curve '" + crv + "' (only Ed25519)");
    key.alg = kty == "EC" ? KeyAlg::kEs256 : KeyAlg::kEdDsa;
    auto x = b64_field(j, "x");
    if (!x || x->size() != kCurveBytes) return bad("\"x\" is not 32 bytes of base64url");
    key.x = std::move(*x);
    if (key.alg == KeyAlg::kEs256) {
      auto y = b64_field(j, "y");
      if (!y || y->size() != kCurveBytes) return bad("\"y\" is not 32 bytes of base64url");
      key.y = std::move(*y);
    }
    if (j.contains("d")) {
      auto d = b64_field(j, "d");
      if (!d || d->size() != kCurveBytes) return bad("\"d\" is not 32 bytes of base64url");
      key.d = std::move(*d);
    }
  } else {
    return token_error(TokenErrc::kUnsupported, "JWK: key type '" + kty + "' (oct, EC, OKP are supported)");
  }
  if (!alg.empty()) {
    auto named = key_alg_from_name(alg);
    if (!named || *named != key.alg)
      return token_error(TokenErrc::kUnsupported, "JWK: \"alg\" '" + alg + "' does not fit a " + kty + " key");
  }
  return key;
}

std::vector<std::uint8_t> to_vector(const gnutls_datum_t& d) {
  return {d.data, d.data + d.size};
}

// GnuTLS may drop leading zero bytes; JWK coordinates are fixed-width.
std::vector<std::uint8_t> left_pad(std::vector<std::uint8_t> v, std::size_t width) {
  while (v.size() > width && v.front() == 0) v.erase(v.begin());
  if (v.size() < width) v.insert(v.begin(), width - v.size(), 0);
  return v;
}

}  // namespace

const char* jws_alg_name(KeyAlg alg) noexcept {
  switch (alg) {
    case KeyAlg::kHs256: return "HS256";
    case KeyAlg::kEs256: return "ES256";
    case KeyAlg::kEdDsa: return "EdDSA";
  }
  return "";
}

std::optional<KeyAlg> key_alg_from_name(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up == "HS256") return KeyAlg::kHs256;
  if (up == "ES256") return KeyAlg::kEs256;
  if (up == "EDDSA" || up == "ED25519") return KeyAlg::kEdDsa;
  return std::nullopt;
}

Jwk Jwk::public_part() const {
  Jwk out = *this;
  if (alg != KeyAlg::kHs256) out.d.clear();
  return out;
}

TokenResult<std::vector<Jwk>> parse_jwks(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return bad("not valid JSON");
  std::vector<Jwk> keys;
  if (j.is_object() && j.contains("keys")) {
    const auto& arr = j["keys"];
    if (!arr.is_array() || arr.empty()) return bad("\"keys\" is not a non-empty array");
    for (const auto& k : arr) {
      auto key = parse_one(k);
      if (!key) return key.error();
      keys.push_back(std::move(*key));
    }
  } else {
    auto key = parse_one(j);
    if (!key) return key.error();
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::string jwk_to_json(const Jwk& key, bool include_private) {
  json j;
  if (!key.kid.empty()) j["kid"] = key.kid;
  j["alg"] = jws_alg_name(key.alg);
  switch (key.alg) {
    case KeyAlg::kHs256:
      j["kty"] = "oct";
      j["k"] = base64url_encode(key.secret);
      break;
    case KeyAlg::kEs256:
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["x"] = base64url_encode(key.x);
      j["y"] = base64url_encode(key.y);
      break;
    case KeyAlg::kEdDsa:
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      j["x"] = base64url_encode(key.x);
      break;
  }
  if (include_private && !key.d.empty()) j["d"] = base64url_encode(key.d);
  return j.dump(2) + "\n";
}

TokenResult<Jwk> generate_jwk(KeyAlg alg, std::string kid) {
  Jwk key;
  key.kid = std::move(kid);
  key.alg = alg;
  if (alg == KeyAlg::kHs256) {
    key.secret.resize(kMinHmacKey);
    if (gnutls_rnd(GNUTLS_RND_KEY, key.secret.data(), key.secret.size()) != 0)
      return token_error(TokenErrc::kUnsupported, "no random bytes for a key");
    return key;
  }
  gnutls_privkey_t priv = nullptr;
  if (gnutls_privkey_init(&priv) < 0) return token_error(TokenErrc::kUnsupported, "gnutls_privkey_init failed");
  const bool ec = alg == KeyAlg::kEs256;
  const auto curve = ec ? GNUTLS_ECC_CURVE_SECP256R1 : GNUTLS_ECC_CURVE_ED25519;
  int rc = gnutls_privkey_generate2(priv, ec ? GNUTLS_PK_ECDSA : GNUTLS_PK_EDDSA_ED25519,
                                    GNUTLS_CURVE_TO_BITS(curve), 0, nullptr, 0);
  gnutls_ecc_curve_t got_curve{};
  gnutls_datum_t x{}, y{}, k{};
  if (rc >= 0) rc = gnutls_privkey_export_ecc_raw2(priv, &got_curve, &x, ec ? &y : nullptr, &k, GNUTLS_EXPORT_FLAG_NO_LZ);
  gnutls_privkey_deinit(priv);
  if (rc < 0) return token_error(TokenErrc::kUnsupported, std::string("key generation failed: ") + gnutls_strerror(rc));
  key.x = left_pad(to_vector(x), kCurveBytes);
  if (ec) key.y = left_pad(to_vector(y), kCurveBytes);
  key.d = left_pad(to_vector(k), kCurveBytes);
  gnutls_free(x.data);
  gnutls_free(y.data);
  gnutls_memset(k.data, 0, k.size);
  gnutls_free(k.data);
  return key;
}

}  // namespace kinetic::auth
