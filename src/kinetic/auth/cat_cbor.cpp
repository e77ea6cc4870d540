#include "kinetic/auth/cat_cbor.hpp"

#include <set>

#include "kinetic/auth/cbor_item.hpp"

namespace kinetic::auth {
namespace {

using cbor::as_bytes;
using cbor::as_int;
using cbor::Item;
using cbor::int_item;
using cbor::bytes_item;
using cbor::is_definite_array;
using cbor::is_nil;
using cbor::push;
using cbor::put;

constexpr std::uint64_t kIss = 1, kSub = 2, kAud = 3, kExp = 4, kNbf = 5, kIat = 6, kCti = 7, kCatv = 310;

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "CAT: " + std::move(what)); }

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
    } else if (k == kAud) {
      // RFC 8392 has one StringOrURI; CTA-5007 CATs may carry an array of them.
      std::vector<std::string> names;
      if (cbor_isa_string(v)) {
        auto s = as_bytes(v);
        if (!s) return bad("aud is not a text string or an array of them");
        names.push_back(std::move(*s));
      } else if (is_definite_array(v)) {
        for (std::size_t j = 0; j < cbor_array_size(v); ++j) {
          const cbor_item_t* e = cbor_array_handle(v)[j];
          auto s = cbor_isa_string(e) ? as_bytes(e) : std::nullopt;
          if (!s) return bad("aud is not a text string or an array of them");
          names.push_back(std::move(*s));
        }
      } else {
        return bad("aud is not a text string or an array of them");
      }
      c.aud = std::move(names);
    } else if (k == kCti || k == kCatv) {
      // cti and catv restrict nothing.
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

}  // namespace

TokenResult<CatClaims> parse_cat_claims(std::span<const std::uint8_t> bytes) {
  Item map = cbor::load(bytes);
  if (!map) return bad("claims are not CBOR");
  return as_claims(map.get());
}

std::vector<std::uint8_t> encode_cat_claims(const CatClaims& claims) {
  std::size_t n = (claims.iss.empty() ? 0 : 1) + (claims.sub.empty() ? 0 : 1) + (claims.aud ? 1 : 0) +
                  (claims.exp ? 1 : 0) + (claims.nbf ? 1 : 0) + (claims.iat ? 1 : 0) +
                  (claims.moqt.empty() ? 0 : 1) + (claims.reval ? 1 : 0);
  Item payload(cbor_new_definite_map(n));
  if (!claims.iss.empty()) put(payload.get(), static_cast<std::int64_t>(kIss), cbor::string_item(claims.iss));
  if (!claims.sub.empty()) put(payload.get(), static_cast<std::int64_t>(kSub), cbor::string_item(claims.sub));
  if (claims.aud) {
    if (claims.aud->size() == 1) {
      put(payload.get(), static_cast<std::int64_t>(kAud), cbor::string_item(claims.aud->front()));
    } else {
      Item names(cbor_new_definite_array(claims.aud->size()));
      for (const auto& a : *claims.aud) push(names.get(), cbor::string_item(a));
      put(payload.get(), static_cast<std::int64_t>(kAud), std::move(names));
    }
  }
  if (claims.exp) put(payload.get(), static_cast<std::int64_t>(kExp), int_item(*claims.exp));
  if (claims.nbf) put(payload.get(), static_cast<std::int64_t>(kNbf), int_item(*claims.nbf));
  if (claims.iat) put(payload.get(), static_cast<std::int64_t>(kIat), int_item(*claims.iat));
  if (!claims.moqt.empty()) {
    Item scopes(cbor_new_definite_array(claims.moqt.size()));
    for (const auto& s : claims.moqt) push(scopes.get(), scope_item(s));
    put(payload.get(), static_cast<std::int64_t>(kClaimMoqt), std::move(scopes));
  }
  if (claims.reval)
    put(payload.get(), static_cast<std::int64_t>(kClaimMoqtReval), int_item(static_cast<std::int64_t>(*claims.reval)));
  return cbor::serialize(payload.get());
}

TokenResult<CoseHeader> parse_cose_header(std::span<const std::uint8_t> bytes) {
  CoseHeader out;
  if (bytes.empty()) return out;  // COSE: a zero-length protected header is the empty map
  Item map = cbor::load(bytes);
  if (!map || !cbor::is_definite_map(map.get())) return bad("header is not a CBOR map");
  const cbor_pair* pairs = cbor_map_handle(map.get());
  for (std::size_t i = 0; i < cbor_map_size(map.get()); ++i) {
    auto label = as_int(pairs[i].key);
    if (!label) continue;  // text labels: nothing Kinetic reads
    if (*label == 1) {
      out.alg = as_int(pairs[i].value);
      if (!out.alg) return bad("alg is not an integer");
    } else if (*label == 2) {
      return token_error(TokenErrc::kUnsupported, "CAT: critical header parameters");
    } else if (*label == 4) {
      auto kid = as_bytes(pairs[i].value);
      if (!kid) return bad("kid is not a string");
      out.kid = std::move(*kid);
    }
  }
  return out;
}

std::vector<std::uint8_t> encode_cose_header(std::int64_t alg, const std::string& kid, bool typ) {
  Item header(cbor_new_definite_map(1 + (kid.empty() ? 0 : 1) + (typ ? 1 : 0)));
  put(header.get(), 1, int_item(alg));
  if (!kid.empty()) put(header.get(), 4, bytes_item(kid));
  if (typ) put(header.get(), 16, cbor::string_item("CAT"));
  return cbor::serialize(header.get());
}

std::optional<KeyAlg> key_alg_from_cose(std::int64_t alg) {
  if (alg == -4 || alg == 5) return KeyAlg::kHs256;
  if (alg == -7) return KeyAlg::kEs256;
  if (alg == -8) return KeyAlg::kEdDsa;
  return std::nullopt;
}

std::int64_t cose_alg_for(KeyAlg alg, bool compact_form) {
  switch (alg) {
    case KeyAlg::kHs256: return compact_form ? -4 : 5;
    case KeyAlg::kEs256: return -7;
    case KeyAlg::kEdDsa: return -8;
  }
  return 0;
}

}  // namespace kinetic::auth
