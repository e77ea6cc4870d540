#include "kinetic/auth/cat.hpp"

#include <cbor.h>

#include <memory>
#include <set>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/cbor_bounds.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

constexpr std::int64_t kAlgHmac256Vectors = -4;  // the draft's vectors
constexpr std::int64_t kAlgHmac256Cose = 5;      // COSE "HMAC 256/256"
constexpr std::int64_t kAlgEs256 = -7;
constexpr std::int64_t kAlgEdDsa = -8;

constexpr std::uint64_t kIss = 1, kSub = 2, kAud = 3, kExp = 4, kNbf = 5, kIat = 6, kCti = 7, kCatv = 310;

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "CAT: " + std::move(what)); }

struct Decref {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, Decref>;

Item load(std::string_view b64) {
  auto raw = base64url_decode(b64);
  if (!raw || raw->empty() || !cbor_within_bounds(*raw)) return nullptr;
  cbor_load_result result{};
  Item item(cbor_load(raw->data(), raw->size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != raw->size()) return nullptr;
  return item;
}

// An integer key or value (uint or negint) within int64.
std::optional<std::int64_t> as_int(const cbor_item_t* it) {
  if (cbor_isa_uint(it)) {
    const std::uint64_t v = cbor_get_int(it);
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (cbor_isa_negint(it)) {
    const std::uint64_t v = cbor_get_int(it);
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return -1 - static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

// A definite byte or text string's bytes.
std::optional<std::string> as_bytes(const cbor_item_t* it) {
  if (cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it))
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(it)), cbor_bytestring_length(it));
  if (cbor_isa_string(it) && cbor_string_is_definite(it))
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(it)), cbor_string_length(it));
  return std::nullopt;
}

// libcbor asserts when cbor_is_null is asked about a float: check the width first.
bool is_nil(const cbor_item_t* it) {
  return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_0 && cbor_is_null(it);
}

bool is_definite_array(const cbor_item_t* it) { return cbor_isa_array(it) && cbor_array_is_definite(it); }

// bin-match = bstr / [match-type, match-value]
std::optional<Match> as_match(const cbor_item_t* it) {
  if (auto exact = as_bytes(it)) return Match{MatchType::kExact, std::move(*exact)};
  if (!is_definite_array(it) || cbor_array_size(it) != 2) return std::nullopt;
  cbor_item_t** pair = cbor_array_handle(it);
  auto type = as_int(pair[0]);
  auto value = as_bytes(pair[1]);
  if (!type || !value) return std::nullopt;
  if (*type == 0) return Match{MatchType::kExact, std::move(*value)};
  if (*type == 1) return Match{MatchType::kPrefix, std::move(*value)};
  if (*type == 2) return Match{MatchType::kSuffix, std::move(*value)};
  return std::nullopt;
}

// moqt-scope = [ moqt-actions, ? [ + moqt-ns-match ], ? moqt-track-match ]
TokenResult<Scope> as_scope(const cbor_item_t* it) {
  if (!is_definite_array(it) || cbor_array_size(it) < 1 || cbor_array_size(it) > 3)
    return bad("a moqt scope is not an array of 1 to 3 elements");
  cbor_item_t** parts = cbor_array_handle(it);
  const std::size_t n = cbor_array_size(it);
  Scope s;
  if (!is_definite_array(parts[0]) || cbor_array_size(parts[0]) == 0) return bad("moqt actions are not a non-empty array");
  for (std::size_t i = 0; i < cbor_array_size(parts[0]); ++i) {
    auto a = as_int(cbor_array_handle(parts[0])[i]);
    if (!a) return bad("a moqt action is not an integer");
    // Unknown action numbers name nothing Kinetic does; they grant nothing.
    if (*a >= 0 && *a <= kMaxAction) s.add(static_cast<Action>(*a));
  }
  if (n >= 2) {
    const cbor_item_t* ns = parts[1];
    if (!is_definite_array(ns)) return bad("moqt namespace matches are not an array");
    std::vector<Match> matches;
    const std::size_t count = cbor_array_size(ns);
    for (std::size_t i = 0; i < count; ++i) {
      const cbor_item_t* m = cbor_array_handle(ns)[i];
      if (is_nil(m)) {
        if (i + 1 != count) return bad("nil before the end of the namespace matches");
        s.exact_length = true;
        continue;
      }
      auto match = as_match(m);
      if (!match) return bad("a namespace match is not a bstr or [type, bstr]");
      matches.push_back(std::move(*match));
    }
    if (!matches.empty() || s.exact_length) s.namespace_match = std::move(matches);
  }
  if (n == 3) {
    auto match = as_match(parts[2]);
    if (!match) return bad("the track match is not a bstr or [type, bstr]");
    s.track_match = std::move(*match);
  }
  return s;
}

TokenResult<CatClaims> as_claims(const cbor_item_t* map) {
  if (!cbor_isa_map(map) || !cbor_map_is_definite(map)) return bad("claims are not a CBOR map");
  CatClaims c;
  std::set<std::uint64_t> seen;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    auto key = as_int(pairs[i].key);
    if (!key || *key < 0) return bad("a claim key is not an unsigned integer");
    const cbor_item_t* v = pairs[i].value;
    const auto k = static_cast<std::uint64_t>(*key);
    if (!seen.insert(k).second) return bad("claim " + std::to_string(k) + " appears twice");
    if (k == kIss || k == kSub) {
      // StringOrURI: a text string (RFC 8392 §3.1.1).
      auto s = cbor_isa_string(v) ? as_bytes(v) : std::nullopt;
      if (!s) return bad("iss / sub is not a text string");
      (k == kIss ? c.iss : c.sub) = std::move(*s);
    } else if (k == kExp || k == kNbf || k == kIat) {
      auto t = as_int(v);
      if (!t) return bad("exp / nbf / iat is not an integer");
      (k == kExp ? c.exp : k == kNbf ? c.nbf : c.iat) = *t;
    } else if (k == kAud || k == kCti || k == kCatv) {
      // Informational here: no audience is configured, and cti / catv restrict nothing.
    } else if (k == kClaimMoqt) {
      if (!is_definite_array(v) || cbor_array_size(v) == 0) return bad("moqt is not a non-empty array of scopes");
      for (std::size_t j = 0; j < cbor_array_size(v); ++j) {
        auto scope = as_scope(cbor_array_handle(v)[j]);
        if (!scope) return scope.error();
        // A scope of action numbers Kinetic does not know grants nothing here.
        if (scope->actions != 0) c.moqt.push_back(std::move(*scope));
      }
    } else if (k == kClaimMoqtReval) {
      if (auto n = as_int(v); n && *n >= 0) {
        c.reval = static_cast<double>(*n);
      } else if (cbor_isa_float_ctrl(v) && cbor_float_get_width(v) != CBOR_FLOAT_0) {
        const double d = cbor_float_get_float(v);
        if (!(d >= 0 && d < 1e12)) return bad("moqt-reval is not a non-negative number");
        c.reval = d;
      } else {
        return bad("moqt-reval is not a non-negative number");
      }
    } else {
      return token_error(TokenErrc::kUnsupported,
                         "CAT: claim " + std::to_string(k) + " is not enforced by Kinetic, so the token is refused");
    }
  }
  return c;
}

std::optional<KeyAlg> key_alg(std::int64_t cose) {
  if (cose == kAlgHmac256Vectors || cose == kAlgHmac256Cose) return KeyAlg::kHs256;
  if (cose == kAlgEs256) return KeyAlg::kEs256;
  if (cose == kAlgEdDsa) return KeyAlg::kEdDsa;
  return std::nullopt;
}

std::int64_t cose_alg(KeyAlg alg) {
  switch (alg) {
    case KeyAlg::kHs256: return kAlgHmac256Vectors;
    case KeyAlg::kEs256: return kAlgEs256;
    case KeyAlg::kEdDsa: return kAlgEdDsa;
  }
  return 0;
}

// The shortest encoding (RFC 8949 §4.2.1), as the draft's vectors use.
Item int_item(std::int64_t v) {
  const bool negative = v < 0;
  const auto n = static_cast<std::uint64_t>(negative ? -1 - v : v);
  cbor_item_t* item = nullptr;
  if (n <= 0xFF) {
    item = negative ? cbor_build_negint8(static_cast<std::uint8_t>(n)) : cbor_build_uint8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    item = negative ? cbor_build_negint16(static_cast<std::uint16_t>(n)) : cbor_build_uint16(static_cast<std::uint16_t>(n));
  } else if (n <= 0xFFFFFFFF) {
    item = negative ? cbor_build_negint32(static_cast<std::uint32_t>(n)) : cbor_build_uint32(static_cast<std::uint32_t>(n));
  } else {
    item = negative ? cbor_build_negint64(n) : cbor_build_uint64(n);
  }
  return Item(item);
}

Item bytes_item(const std::string& s) {
  return Item(cbor_build_bytestring(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
}

Item string_item(const std::string& s) { return Item(cbor_build_stringn(s.data(), s.size())); }

void push(cbor_item_t* array, Item item) { cbor_array_push(array, item.get()); }

void put(cbor_item_t* map, std::int64_t key, Item value) {
  Item k = int_item(key);
  cbor_map_add(map, cbor_pair{k.get(), value.get()});
}

Item match_item(const Match& m) {
  if (m.type == MatchType::kExact) return bytes_item(m.value);
  Item pair(cbor_new_definite_array(2));
  push(pair.get(), int_item(static_cast<std::int64_t>(m.type)));
  push(pair.get(), bytes_item(m.value));
  return pair;
}

Item scope_item(const Scope& s) {
  const std::size_t n = s.track_match ? 3 : (s.namespace_match ? 2 : 1);
  Item scope(cbor_new_definite_array(n));
  std::size_t count = 0;
  for (unsigned a = 0; a <= kMaxAction; ++a) count += s.has(static_cast<Action>(a)) ? 1 : 0;
  Item actions(cbor_new_definite_array(count));
  for (unsigned a = 0; a <= kMaxAction; ++a) {
    if (s.has(static_cast<Action>(a))) push(actions.get(), int_item(a));
  }
  push(scope.get(), std::move(actions));
  if (n >= 2) {
    const auto& ms = s.namespace_match ? *s.namespace_match : std::vector<Match>{};
    Item ns(cbor_new_definite_array(ms.size() + (s.exact_length ? 1 : 0)));
    for (const auto& m : ms) push(ns.get(), match_item(m));
    if (s.exact_length) push(ns.get(), Item(cbor_new_null()));
    push(scope.get(), std::move(ns));
  }
  if (n == 3) push(scope.get(), match_item(*s.track_match));
  return scope;
}

std::string serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  std::size_t size = 0;
  const std::size_t len = cbor_serialize_alloc(item, &buffer, &size);
  std::string out(reinterpret_cast<const char*>(buffer), len);
  free(buffer);  // NOLINT: libcbor allocates with malloc
  return out;
}

}  // namespace

TokenResult<DecodedCat> decode_cat(std::string_view token) {
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return bad("not three dot-separated parts");
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return bad("not three dot-separated parts");
  Item header = load(token.substr(0, d1));
  if (!header || !cbor_isa_map(header.get()) || !cbor_map_is_definite(header.get()))
    return bad("header is not a base64url CBOR map");
  Item payload = load(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return bad("claims are not base64url CBOR");
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!sig) return bad("signature is not base64url");

  DecodedCat out;
  std::optional<std::int64_t> alg;
  const cbor_pair* pairs = cbor_map_handle(header.get());
  for (std::size_t i = 0; i < cbor_map_size(header.get()); ++i) {
    auto label = as_int(pairs[i].key);
    if (!label) continue;  // text labels: nothing Kinetic reads
    if (*label == 1) {
      alg = as_int(pairs[i].value);
      if (!alg) return bad("alg is not an integer");
    } else if (*label == 2) {
      return token_error(TokenErrc::kUnsupported, "CAT: critical header parameters");
    } else if (*label == 4) {
      auto kid = as_bytes(pairs[i].value);
      if (!kid) return bad("kid is not a string");
      out.kid = std::move(*kid);
    }
  }
  if (!alg) return bad("header has no alg");
  auto ka = key_alg(*alg);
  if (!ka) return token_error(TokenErrc::kUnsupported, "CAT: algorithm " + std::to_string(*alg));
  out.alg = *ka;
  auto claims = as_claims(payload.get());
  if (!claims) return claims.error();
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
  return g;
}

TokenResult<std::string> mint_cat(const CatClaims& claims, const Jwk& key) {
  Item header(cbor_new_definite_map(key.kid.empty() ? 2 : 3));
  put(header.get(), 1, int_item(cose_alg(key.alg)));
  if (!key.kid.empty()) put(header.get(), 4, bytes_item(key.kid));
  put(header.get(), 16, string_item("CAT"));

  std::size_t n = (claims.iss.empty() ? 0 : 1) + (claims.sub.empty() ? 0 : 1) + (claims.exp ? 1 : 0) +
                  (claims.nbf ? 1 : 0) + (claims.iat ? 1 : 0) + (claims.moqt.empty() ? 0 : 1) + (claims.reval ? 1 : 0);
  Item payload(cbor_new_definite_map(n));
  if (!claims.iss.empty()) put(payload.get(), static_cast<std::int64_t>(kIss), string_item(claims.iss));
  if (!claims.sub.empty()) put(payload.get(), static_cast<std::int64_t>(kSub), string_item(claims.sub));
  if (claims.exp) put(payload.get(), static_cast<std::int64_t>(kExp), int_item(*claims.exp));
  if (claims.nbf) put(payload.get(), static_cast<std::int64_t>(kNbf), int_item(*claims.nbf));
  if (claims.iat) put(payload.get(), static_cast<std::int64_t>(kIat), int_item(*claims.iat));
  if (!claims.moqt.empty()) {
    Item scopes(cbor_new_definite_array(claims.moqt.size()));
    for (const auto& s : claims.moqt) push(scopes.get(), scope_item(s));
    put(payload.get(), static_cast<std::int64_t>(kClaimMoqt), std::move(scopes));
  }
  if (claims.reval) put(payload.get(), static_cast<std::int64_t>(kClaimMoqtReval),
                        int_item(static_cast<std::int64_t>(*claims.reval)));
  std::string input = base64url_encode(serialize(header.get())) + "." + base64url_encode(serialize(payload.get()));
  auto sig = sign(key, input);
  if (!sig) return sig.error();
  return input + "." + base64url_encode(*sig);
}

}  // namespace kinetic::auth
