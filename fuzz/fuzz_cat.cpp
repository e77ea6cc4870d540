// Untrusted CAT tokens. The first byte picks the input's form: odd, the rest is token text;
// even, the rest is a raw CBOR claims set, wrapped here in a compact token with the draft's
// HMAC header so the fuzzer reaches the claims parser without learning base64. Decoding either
// fails with a reason or yields claims that, minted again, decode to the same scopes and times.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/cat.hpp"
#include "token_fuzz_support.hpp"

using namespace kinetic::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  std::string token;
  if (data[0] & 1) {
    token.assign(reinterpret_cast<const char*>(rest.data()), rest.size());
  } else {
    token = "ogEjEGNDQVQ." + base64url_encode(rest) + ".AAAA";
  }
  auto d = decode_cat(token);
  if (!d) {
    if (d.error().what.empty()) std::abort();
    return 0;
  }
  const Grants g = cat_grants(d->claims);
  (void)g.allows(Action::kSubscribe, {{"example.com", "alice"}}, std::string_view("video-hd"));
  (void)g.allows(Action::kSubscribeNamespace, {{}});
  auto again = mint_cat(d->claims, fuzzing::hs256_key());
  if (!again) std::abort();
  auto back = decode_cat(*again);
  if (!back) std::abort();
  if (!fuzzing::same_cat_claims(d->claims, back->claims)) std::abort();
  return 0;
}
