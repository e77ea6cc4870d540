// Untrusted token text through the whole verifier (format detection, key lookup, signature,
// times) with one key of each algorithm: every input is refused with a reason or verified by one
// of those keys.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kinetic/auth/token_verifier.hpp"

using namespace kinetic::auth;

namespace {

const TokenVerifier& verifier() {
  static const TokenVerifier v = [] {
    Jwk hs;
    hs.kid = "hs";
    hs.alg = KeyAlg::kHs256;
    hs.secret.assign(32, 0x42);
    Jwk es;
    es.kid = "es";
    es.alg = KeyAlg::kEs256;
    // The P-256 generator: a valid point whose private key nobody uses here.
    es.x = {0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
            0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96};
    es.y = {0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
            0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
    Jwk ed;
    ed.kid = "ed";
    ed.alg = KeyAlg::kEdDsa;
    ed.x.assign(32, 0x11);
    return TokenVerifier({hs, es, ed});
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto g = verifier().verify(token, 1'800'000'000);
  if (!g) {
    if (g.error().what.empty()) std::abort();
    return 0;
  }
  // A token that verifies names the key that verified it.
  if (g->key_id != "hs" && g->key_id != "es" && g->key_id != "ed") std::abort();
  return 0;
}
