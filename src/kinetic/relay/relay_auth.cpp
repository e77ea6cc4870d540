#include "kinetic/relay/relay_auth.hpp"

#include <fstream>
#include <sstream>

namespace kinetic::relay {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string where(const wire::TrackNamespace& ns, std::optional<std::string_view> track) {
  std::string out;
  for (const auto& f : ns.fields) {
    if (!out.empty()) out += '/';
    out += f;
  }
  if (track) out += " track '" + std::string(*track) + "'";
  return out;
}

}  // namespace

std::optional<std::string> token_from_path(std::string_view path) {
  const auto q = path.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = path.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view name = pair.substr(0, eq);
      if (name == "jwt" || name == "cat") return percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

moqt::AuthToken auth_token_param(std::string token) {
  auto format = auth::detect_format(token);
  moqt::AuthToken t;
  t.type = format && *format != auth::TokenFormat::kJwt ? auth::kTokenTypeCat : auth::kTokenTypeJwt;
  t.value = std::move(token);
  return t;
}

std::string resolve_token_arg(const std::string& arg, std::string& out) {
  if (arg.empty() || arg.front() != '@') {
    out = trim(arg);
    return {};
  }
  std::ifstream in(arg.substr(1));
  if (!in) return "cannot read token file " + arg.substr(1);
  std::ostringstream ss;
  ss << in.rdbuf();
  out = trim(ss.str());
  if (out.empty()) return "token file " + arg.substr(1) + " is empty";
  return {};
}

std::string load_jwk_files(const std::vector<std::string>& files, std::vector<auth::Jwk>& out) {
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) return "cannot read key file " + file;
    std::ostringstream ss;
    ss << in.rdbuf();
    auto keys = auth::parse_jwks(ss.str());
    if (!keys) return file + ": " + keys.error().what;
    for (auto& k : *keys) out.push_back(std::move(k));
  }
  return {};
}

wire::SessionError session_error_for(auth::TokenErrc code) noexcept {
  switch (code) {
    case auth::TokenErrc::kMalformed:
    case auth::TokenErrc::kTooLarge:
    case auth::TokenErrc::kUnsupported: return wire::SessionError::kMalformedAuthToken;
    case auth::TokenErrc::kExpired: return wire::SessionError::kExpiredAuthToken;
    case auth::TokenErrc::kUnknownKey:
    case auth::TokenErrc::kWrongAlgorithm:
    case auth::TokenErrc::kBadSignature:
    case auth::TokenErrc::kNotYetValid:
    case auth::TokenErrc::kWrongIssuer:
    case auth::TokenErrc::kWrongAudience:
      return wire::SessionError::kUnauthorized;
  }
  return wire::SessionError::kUnauthorized;
}

wire::RequestErrorCode request_error_for(auth::TokenErrc code) noexcept {
  switch (code) {
    case auth::TokenErrc::kMalformed:
    case auth::TokenErrc::kTooLarge:
    case auth::TokenErrc::kUnsupported: return wire::RequestErrorCode::kMalformedAuthToken;
    case auth::TokenErrc::kExpired: return wire::RequestErrorCode::kExpiredAuthToken;
    case auth::TokenErrc::kUnknownKey:
    case auth::TokenErrc::kWrongAlgorithm:
    case auth::TokenErrc::kBadSignature:
    case auth::TokenErrc::kNotYetValid:
    case auth::TokenErrc::kWrongIssuer:
    case auth::TokenErrc::kWrongAudience:
      return wire::RequestErrorCode::kUnauthorized;
  }
  return wire::RequestErrorCode::kUnauthorized;
}

SessionAuth verify_session_tokens(const auth::TokenVerifier& verifier, const std::vector<std::string>& tokens,
                                  std::int64_t now) {
  SessionAuth out;
  for (const auto& t : tokens) {
    auto g = verifier.verify(t, now);
    if (!g) {
      out.error = g.error();
      out.grants.reset();
      return out;
    }
    if (!out.grants) {
      out.grants = std::move(*g);
      continue;
    }
    auto& merged = *out.grants;
    merged.scopes.insert(merged.scopes.end(), g->scopes.begin(), g->scopes.end());
    if (g->expires_at && (!merged.expires_at || *g->expires_at < *merged.expires_at)) merged.expires_at = g->expires_at;
  }
  return out;
}

AuthDecision authorize_request(const auth::TokenVerifier& verifier, auth::Action action, const wire::TrackNamespace& ns,
                               std::optional<std::string_view> track, const std::vector<moqt::AuthToken>& tokens,
                               const std::optional<auth::Grants>& session, std::int64_t now) {
  AuthDecision d;
  const std::string denied = std::string("token does not allow ") + auth::action_name(action) + " on " + where(ns, track);
  if (!tokens.empty()) {
    std::optional<auth::TokenError> first_error;
    bool verified = false;
    for (const auto& t : tokens) {
      auto g = verifier.verify(t.value, now);
      if (!g) {
        if (!first_error) first_error = g.error();
        continue;
      }
      verified = true;
      if (g->allows(action, ns, track)) {
        d.allowed = true;
        d.expires_at = g->expires_at;
        return d;
      }
    }
    if (!verified && first_error) {
      d.code = static_cast<std::uint64_t>(request_error_for(first_error->code));
      d.reason = std::string("token refused: ") + first_error->what;
      return d;
    }
    d.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kUnauthorized);
    d.reason = denied;
    return d;
  }
  if (!session) {
    d.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kUnauthorized);
    d.reason = "no token: this relay requires one (SETUP, ?jwt= in the URL, or on the request)";
    return d;
  }
  if (session->expires_at && now >= *session->expires_at) {
    d.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kExpiredAuthToken);
    d.reason = "the session's token expired";
    return d;
  }
  if (!session->allows(action, ns, track)) {
    d.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kUnauthorized);
    d.reason = denied;
    return d;
  }
  d.allowed = true;
  d.expires_at = session->expires_at;
  return d;
}

}  // namespace kinetic::relay
