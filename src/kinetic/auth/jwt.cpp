#include "kinetic/auth/jwt.hpp"

#include <nlohmann/json.hpp>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

using nlohmann::json;

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "JWT: " + std::move(what)); }

std::optional<json> json_part(std::string_view b64) {
  auto raw = base64url_decode(b64);
  if (!raw) return std::nullopt;
  json j = json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A NumericDate: integer seconds, or a number with a fraction within a sane range.
bool numeric_date(const json& j, const char* name, std::optional<std::int64_t>& out) {
  auto it = j.find(name);
  if (it == j.end()) return true;
  if (it->is_number_integer()) {
    out = it->get<std::int64_t>();
    return true;
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!(v > -1e15 && v < 1e15)) return false;
    out = static_cast<std::int64_t>(v);
    return true;
  }
  return false;
}

bool string_or_strings(const json& j, const char* name, std::optional<std::vector<std::string>>& out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return true;
  std::vector<std::string> v;
  if (it->is_string()) {
    v.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& p : *it) {
      if (!p.is_string()) return false;
      v.push_back(p.get<std::string>());
    }
  } else {
    return false;
  }
  out = std::move(v);
  return true;
}

Scope path_scope(const std::string& root, const std::string& path, std::initializer_list<Action> actions) {
  Scope s;
  for (Action a : actions) s.add(a);
  auto fields = path_fields(root);
  for (auto& f : path_fields(path)) fields.push_back(std::move(f));
  if (!fields.empty()) {
    std::vector<Match> m;
    for (auto& f : fields) m.push_back({MatchType::kExact, std::move(f)});
    s.namespace_match = std::move(m);
  }
  return s;
}

}  // namespace

TokenResult<DecodedJwt> decode_jwt(std::string_view token) {
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return bad("not three dot-separated parts");
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return bad("not three dot-separated parts");
  auto header = json_part(token.substr(0, d1));
  if (!header) return bad("header is not base64url JSON object");
  auto payload = json_part(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return bad("payload is not a base64url JSON object");
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!sig) return bad("signature is not base64url");

  DecodedJwt out;
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return bad("header has no \"alg\"");
  out.alg = alg->get<std::string>();
  if (auto kid = header->find("kid"); kid != header->end()) {
    if (!kid->is_string()) return bad("\"kid\" is not a string");
    out.kid = kid->get<std::string>();
  }
  if (header->contains("crit")) return token_error(TokenErrc::kUnsupported, "JWT: \"crit\" header parameters");

  auto& c = out.claims;
  if (auto root = payload->find("root"); root != payload->end()) {
    if (!root->is_string()) return bad("\"root\" is not a string");
    c.root = root->get<std::string>();
  }
  if (!string_or_strings(*payload, "put", c.publish))
    return bad("\"put\" is not a string or an array of strings");
  if (!string_or_strings(*payload, "get", c.subscribe))
    return bad("\"get\" is not a string or an array of strings");
  if (!numeric_date(*payload, "exp", c.exp) || !numeric_date(*payload, "nbf", c.nbf) ||
      !numeric_date(*payload, "iat", c.iat))
    return bad("exp / nbf / iat is not a NumericDate");
  // RFC 7519: a StringOrURI; a subject of another type is a token nobody meant, not one without it.
  if (auto sub = payload->find("sub"); sub != payload->end()) {
    if (!sub->is_string()) return bad("\"sub\" is not a string");
    c.sub = sub->get<std::string>();
  }
  if (auto iss = payload->find("iss"); iss != payload->end()) {
    // A verifier may be told which issuers it accepts, so a wrong type must not read as "none".
    if (!iss->is_string()) return bad("\"iss\" is not a string");
    c.iss = iss->get<std::string>();
  }
  // null would read as "no aud" and so open the token to every relay: refused like any wrong type.
  if (auto aud = payload->find("aud"); aud != payload->end() && aud->is_null()) return bad("\"aud\" is null");
  if (!string_or_strings(*payload, "aud", c.aud))
    return bad("\"aud\" is not a string or an array of strings");

  out.signing_input = std::string(token.substr(0, d2));
  out.signature = std::move(*sig);
  return out;
}

Grants jwt_grants(const JwtClaims& claims) {
  Grants g;
  if (claims.publish) {
    for (const auto& p : *claims.publish)
      g.scopes.push_back(path_scope(claims.root, p, {Action::kPublishNamespace, Action::kPublish}));
  }
  if (claims.subscribe) {
    for (const auto& p : *claims.subscribe)
      g.scopes.push_back(path_scope(claims.root, p,
                                    {Action::kSubscribe, Action::kSubscribeNamespace, Action::kFetch,
                                     Action::kTrackStatus, Action::kRequestUpdate}));
  }
  g.expires_at = claims.exp;
  g.not_before = claims.nbf;
  g.subject = claims.sub;
  g.issuer = claims.iss;
  g.audiences = claims.aud;
  return g;
}

TokenResult<std::string> mint_jwt(const JwtClaims& claims, const Jwk& key) {
  json header = {{"alg", jws_alg_name(key.alg)}, {"typ", "JWT"}};
  if (!key.kid.empty()) header["kid"] = key.kid;
  json payload = json::object();
  payload["root"] = claims.root;
  if (claims.publish) payload["put"] = *claims.publish;
  if (claims.subscribe) payload["get"] = *claims.subscribe;
  if (claims.exp) payload["exp"] = *claims.exp;
  if (claims.nbf) payload["nbf"] = *claims.nbf;
  if (claims.iat) payload["iat"] = *claims.iat;
  if (!claims.sub.empty()) payload["sub"] = claims.sub;
  if (!claims.iss.empty()) payload["iss"] = claims.iss;
  if (claims.aud) {
    if (claims.aud->size() == 1) {
      payload["aud"] = claims.aud->front();
    } else {
      payload["aud"] = *claims.aud;
    }
  }
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  auto sig = sign(key, input);
  if (!sig) return sig.error();
  return input + "." + base64url_encode(*sig);
}

}  // namespace kinetic::auth
