// What the token fuzz targets share: the one HMAC key they mint with, and the check that CAT
// claims survive a decode → mint → decode round trip.
#pragma once

#include "kinetic/auth/cat_cbor.hpp"
#include "kinetic/auth/jwk.hpp"

namespace kinetic::auth::fuzzing {

inline const Jwk& hs256_key() {
  static const Jwk k = [] {
    Jwk j;
    j.kid = "fuzz";
    j.alg = KeyAlg::kHs256;
    j.secret.assign(32, 0x42);
    return j;
  }();
  return k;
}

inline bool same_cat_claims(const CatClaims& a, const CatClaims& b) {
  return a.moqt == b.moqt && a.exp == b.exp && a.nbf == b.nbf && a.iat == b.iat && a.sub == b.sub &&
         a.iss == b.iss && a.aud == b.aud;
}

}  // namespace kinetic::auth::fuzzing
