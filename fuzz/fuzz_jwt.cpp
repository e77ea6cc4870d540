// Untrusted JWT text: decoding either fails with a reason or yields claims whose signing input
// is the token's first two parts; the grants they stand for answer without crashing, and minting
// the same claims again decodes to the same claims.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kinetic/auth/jwt.hpp"
#include "token_fuzz_support.hpp"

using namespace kinetic::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto d = decode_jwt(token);
  if (!d) {
    if (d.error().what.empty()) std::abort();
    return 0;
  }
  if (token.substr(0, d->signing_input.size()) != d->signing_input) std::abort();
  const Grants g = jwt_grants(d->claims);
  (void)g.allows(Action::kSubscribe, {{"demo", "alice"}}, std::string_view("video"));
  (void)g.allows(Action::kPublishNamespace, {{}});
  auto again = mint_jwt(d->claims, fuzzing::hs256_key());
  if (!again) std::abort();
  auto back = decode_jwt(*again);
  if (!back) std::abort();
  const auto& a = d->claims;
  const auto& b = back->claims;
  if (a.root != b.root || a.publish != b.publish || a.subscribe != b.subscribe || a.exp != b.exp ||
      a.nbf != b.nbf || a.iat != b.iat || a.sub != b.sub || a.iss != b.iss || a.aud != b.aud)
    std::abort();
  return 0;
}
