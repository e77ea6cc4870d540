// Untrusted binary CWTs (COSE_Mac0 / COSE_Sign1): decoding either fails with a reason or yields
// claims that, minted again as a CWT, decode to the same scopes and times.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "kinetic/auth/cwt.hpp"
#include "token_fuzz_support.hpp"

using namespace kinetic::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto d = decode_cwt(std::span(data, size));
  if (!d) {
    if (d.error().what.empty()) std::abort();
    return 0;
  }
  (void)cat_grants(d->claims).allows(Action::kFetch, {{"a", "b"}}, std::string_view("c"));
  auto again = mint_cwt(d->claims, fuzzing::hs256_key());
  if (!again) std::abort();
  auto back = decode_cwt(*again);
  if (!back) std::abort();
  if (!fuzzing::same_cat_claims(d->claims, back->claims)) std::abort();
  return 0;
}
