#include "kinetic/auth/signature.hpp"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <string>

namespace kinetic::auth {
namespace {

constexpr std::size_t kHalf = 32;  // one of r, s (P-256)

gnutls_datum_t datum(std::span<const std::uint8_t> v) {
  return {const_cast<unsigned char*>(v.data()), static_cast<unsigned>(v.size())};
}

gnutls_datum_t datum(std::string_view v) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(v.data())), static_cast<unsigned>(v.size())};
}

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::string_view input) {
  std::array<std::uint8_t, 32> out{};
  gnutls_hmac_fast(GNUTLS_MAC_SHA256, key.data(), key.size(), input.data(), input.size(), out.data());
  return out;
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

// An unsigned big-endian integer from DER, as exactly `width` bytes.
bool fixed_width(const gnutls_datum_t& d, std::size_t width, std::uint8_t* out) {
  std::size_t skip = 0;
  while (d.size - skip > width && d.data[skip] == 0) ++skip;
  const std::size_t len = d.size - skip;
  if (len > width) return false;
  std::fill(out, out + (width - len), std::uint8_t{0});
  std::copy(d.data + skip, d.data + d.size, out + (width - len));
  return true;
}

struct PubKey {
  gnutls_pubkey_t key = nullptr;
  PubKey() { gnutls_pubkey_init(&key); }
  ~PubKey() { if (key) gnutls_pubkey_deinit(key); }
  PubKey(const PubKey&) = delete;
  PubKey& operator=(const PubKey&) = delete;
};

struct PrivKey {
  gnutls_privkey_t key = nullptr;
  PrivKey() { gnutls_privkey_init(&key); }
  ~PrivKey() { if (key) gnutls_privkey_deinit(key); }
  PrivKey(const PrivKey&) = delete;
  PrivKey& operator=(const PrivKey&) = delete;
};

}  // namespace

TokenResult<std::vector<std::uint8_t>> sign(const Jwk& key, std::string_view input) {
  if (!key.can_sign()) return token_error(TokenErrc::kUnknownKey, "key '" + key.kid + "' has no private part");
  if (key.alg == KeyAlg::kHs256) {
    const auto mac = hmac_sha256(key.secret, input);
    return std::vector<std::uint8_t>(mac.begin(), mac.end());
  }
  PrivKey priv;
  const bool ec = key.alg == KeyAlg::kEs256;
  const gnutls_datum_t x = datum(key.x), y = datum(key.y), d = datum(key.d);
  int rc = gnutls_privkey_import_ecc_raw(priv.key, ec ? GNUTLS_ECC_CURVE_SECP256R1 : GNUTLS_ECC_CURVE_ED25519, &x,
                                         ec ? &y : nullptr, &d);
  if (rc < 0) return token_error(TokenErrc::kUnsupported, std::string("private key refused: ") + gnutls_strerror(rc));
  const gnutls_datum_t data = datum(input);
  gnutls_datum_t sig{};
  rc = gnutls_privkey_sign_data2(priv.key, ec ? GNUTLS_SIGN_ECDSA_SHA256 : GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig);
  if (rc < 0) return token_error(TokenErrc::kUnsupported, std::string("signing failed: ") + gnutls_strerror(rc));
  std::vector<std::uint8_t> out;
  if (ec) {
    // DER SEQUENCE { r, s } -> r || s, each 32 bytes (RFC 7518 §3.4).
    gnutls_datum_t r{}, s{};
    rc = gnutls_decode_rs_value(&sig, &r, &s);
    out.resize(2 * kHalf);
    const bool fits = rc >= 0 && fixed_width(r, kHalf, out.data()) && fixed_width(s, kHalf, out.data() + kHalf);
    gnutls_free(r.data);
    gnutls_free(s.data);
    gnutls_free(sig.data);
    if (!fits) return token_error(TokenErrc::kUnsupported, "ECDSA signature did not decode");
  } else {
    out.assign(sig.data, sig.data + sig.size);
    gnutls_free(sig.data);
  }
  return out;
}

bool verify(const Jwk& key, std::string_view input, std::span<const std::uint8_t> signature) {
  if (key.alg == KeyAlg::kHs256) {
    if (key.secret.empty()) return false;
    const auto mac = hmac_sha256(key.secret, input);
    return equal_constant_time(mac, signature);
  }
  if (signature.size() != 2 * kHalf) return false;
  PubKey pub;
  const bool ec = key.alg == KeyAlg::kEs256;
  const gnutls_datum_t x = datum(key.x), y = datum(key.y);
  if (gnutls_pubkey_import_ecc_raw(pub.key, ec ? GNUTLS_ECC_CURVE_SECP256R1 : GNUTLS_ECC_CURVE_ED25519, &x,
                                   ec ? &y : nullptr) < 0)
    return false;
  const gnutls_datum_t data = datum(input);
  if (!ec) {
    const gnutls_datum_t sig = datum(signature);
    return gnutls_pubkey_verify_data2(pub.key, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) >= 0;
  }
  const gnutls_datum_t r = datum(signature.subspan(0, kHalf)), s = datum(signature.subspan(kHalf));
  gnutls_datum_t der{};
  if (gnutls_encode_rs_value(&der, &r, &s) < 0) return false;
  const bool ok = gnutls_pubkey_verify_data2(pub.key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der) >= 0;
  gnutls_free(der.data);
  return ok;
}

}  // namespace kinetic::auth
