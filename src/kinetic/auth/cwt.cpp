#include "kinetic/auth/cwt.hpp"

#include "kinetic/auth/cbor_item.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

constexpr std::uint64_t kTagCwt = 61;
constexpr std::uint64_t kTagMac0 = 17;
constexpr std::uint64_t kTagSign1 = 18;

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "CWT: " + std::move(what)); }

std::span<const std::uint8_t> bytes_of(const cbor_item_t* it) {
  return {cbor_bytestring_handle(it), cbor_bytestring_length(it)};
}

bool definite_bytes(const cbor_item_t* it) { return cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it); }

// ["MAC0" / "Signature1", protected, external_aad (empty), payload]
std::vector<std::uint8_t> to_be_signed(bool mac, std::span<const std::uint8_t> protected_header,
                                       std::span<const std::uint8_t> payload) {
  cbor::Item s(cbor_new_definite_array(4));
  cbor::push(s.get(), cbor::string_item(mac ? "MAC0" : "Signature1"));
  cbor::push(s.get(), cbor::bytes_item(protected_header));
  cbor::push(s.get(), cbor::bytes_item(std::span<const std::uint8_t>{}));
  cbor::push(s.get(), cbor::bytes_item(payload));
  return cbor::serialize(s.get());
}

}  // namespace

bool looks_like_cwt(std::span<const std::uint8_t> b) noexcept {
  if (b.empty()) return false;
  if (b[0] == 0xD8 && b.size() > 1 && b[1] == kTagCwt) return true;
  return b[0] == 0xD1 || b[0] == 0xD2 || b[0] == 0x84;
}

TokenResult<DecodedCat> decode_cwt(std::span<const std::uint8_t> bytes) {
  // The tags are read here: libcbor 0.8 refuses tag numbers 6..20 (COSE's 17 and 18 among them)
  // as unassigned.
  if (bytes.size() >= 2 && bytes[0] == 0xD8 && bytes[1] == kTagCwt) bytes = bytes.subspan(2);
  std::optional<std::uint64_t> tag;
  if (!bytes.empty() && (bytes[0] == 0xC0 + kTagMac0 || bytes[0] == 0xC0 + kTagSign1)) {
    tag = bytes[0] - 0xC0u;
    bytes = bytes.subspan(1);
  } else if (!bytes.empty() && (bytes[0] >> 5) == 6) {
    return token_error(TokenErrc::kUnsupported, "CWT: not a COSE_Mac0 or COSE_Sign1 (another tag)");
  }
  cbor::Item top = cbor::load(bytes);
  if (!top) return bad("not one well-formed CBOR item");
  const cbor_item_t* item = top.get();
  if (!cbor::is_definite_array(item) || cbor_array_size(item) != 4) return bad("not a COSE_Mac0 / COSE_Sign1 array");
  cbor_item_t** parts = cbor_array_handle(item);
  if (!definite_bytes(parts[0])) return bad("protected header is not a byte string");
  if (!cbor::is_definite_map(parts[1])) return bad("unprotected header is not a map");
  if (!definite_bytes(parts[2])) return token_error(TokenErrc::kUnsupported, "CWT: detached payload");
  if (!definite_bytes(parts[3])) return bad("tag / signature is not a byte string");

  auto prot = parse_cose_header(bytes_of(parts[0]));
  if (!prot) return prot.error();
  auto unprot = parse_cose_header(cbor::serialize(parts[1]));
  if (!unprot) return unprot.error();
  const auto alg_number = prot->alg ? prot->alg : unprot->alg;
  if (!alg_number) return bad("no alg");
  auto alg = key_alg_from_cose(*alg_number);
  if (!alg) return token_error(TokenErrc::kUnsupported, "CWT: algorithm " + std::to_string(*alg_number));
  const bool mac = *alg == KeyAlg::kHs256;
  if (tag && (*tag == kTagMac0) != mac) return bad("COSE tag does not fit the algorithm");

  auto claims = parse_cat_claims(bytes_of(parts[2]));
  if (!claims) return claims.error();
  DecodedCat out;
  out.alg = *alg;
  out.kid = !prot->kid.empty() ? std::move(prot->kid) : std::move(unprot->kid);
  out.claims = std::move(*claims);
  const auto tbs = to_be_signed(mac, bytes_of(parts[0]), bytes_of(parts[2]));
  out.signing_input.assign(tbs.begin(), tbs.end());
  const auto sig = bytes_of(parts[3]);
  out.signature.assign(sig.begin(), sig.end());
  return out;
}

TokenResult<std::vector<std::uint8_t>> mint_cwt(const CatClaims& claims, const Jwk& key) {
  const bool mac = key.alg == KeyAlg::kHs256;
  const auto protected_header = encode_cose_header(cose_alg_for(key.alg, false), "", false);
  const auto payload = encode_cat_claims(claims);
  const auto tbs = to_be_signed(mac, protected_header, payload);
  auto sig = sign(key, std::string_view(reinterpret_cast<const char*>(tbs.data()), tbs.size()));
  if (!sig) return sig.error();
  cbor::Item array(cbor_new_definite_array(4));
  cbor::push(array.get(), cbor::bytes_item(protected_header));
  cbor::Item unprotected(cbor_new_definite_map(key.kid.empty() ? 0 : 1));
  if (!key.kid.empty()) cbor::put(unprotected.get(), 4, cbor::bytes_item(key.kid));
  cbor::push(array.get(), std::move(unprotected));
  cbor::push(array.get(), cbor::bytes_item(payload));
  cbor::push(array.get(), cbor::bytes_item(*sig));
  std::vector<std::uint8_t> out = {static_cast<std::uint8_t>(0xC0 + (mac ? kTagMac0 : kTagSign1))};
  const auto body = cbor::serialize(array.get());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace kinetic::auth
