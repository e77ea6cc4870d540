// Untrusted binary CWTs (COSE_Mac0 / COSE_Sign1): decoding either fails with a reason or yields
// claims that, minted again as a CWT, decode to the same scopes and times.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "kinetic/auth/cwt.hpp"

using namespace kinetic::auth;

namespace {

const Jwk& key() {
  static const Jwk k = [] {
    Jwk j;
    j.kid = "fuzz";
    j.alg = KeyAlg::kHs256;
    j.secret.assign(32, 0x42);
    return j;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto d = decode_cwt(std::span(data, size));
  if (!d) {
    if (d.error().what.empty()) std::abort();
    return 0;
  }
  (void)cat_grants(d->claims).allows(Action::kFetch, {{"a", "b"}}, std::string_view("c"));
  auto again = mint_cwt(d->claims, key());
  if (!again) std::abort();
  auto back = decode_cwt(*again);
  if (!back) std::abort();
  const auto& a = d->claims;
  const auto& b = back->claims;
  if (a.moqt != b.moqt || a.exp != b.exp || a.nbf != b.nbf || a.iat != b.iat || a.sub != b.sub || a.iss != b.iss)
    std::abort();
  return 0;
}
