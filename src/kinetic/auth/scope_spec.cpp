#include "kinetic/auth/scope_spec.hpp"

#include <vector>

namespace kinetic::auth {
namespace {

Match parse_match(std::string_view text) {
  if (text.size() >= 1 && text.back() == '*') return {MatchType::kPrefix, std::string(text.substr(0, text.size() - 1))};
  if (text.size() >= 1 && text.front() == '*') return {MatchType::kSuffix, std::string(text.substr(1))};
  return {MatchType::kExact, std::string(text)};
}

std::string match_text(const Match& m) {
  switch (m.type) {
    case MatchType::kExact: return m.value;
    case MatchType::kPrefix: return m.value + "*";
    case MatchType::kSuffix: return "*" + m.value;
  }
  return m.value;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

TokenError bad(std::string what) { return token_error(TokenErrc::kMalformed, "scope: " + std::move(what)); }

}  // namespace

TokenResult<Scope> parse_scope_spec(std::string_view spec) {
  const auto parts = split(spec, ':');
  if (parts.size() > 3) return bad("more than ACTIONS:NAMESPACE:TRACK in '" + std::string(spec) + "'");
  Scope s;
  if (parts[0] == "all") {
    for (unsigned a = 0; a <= kMaxAction; ++a) s.add(static_cast<Action>(a));
  } else {
    for (auto name : split(parts[0], ',')) {
      auto a = action_from_name(name);
      if (!a) return bad("unknown action '" + std::string(name) + "'");
      s.add(*a);
    }
  }
  if (parts.size() >= 2 && !parts[1].empty()) {
    std::vector<Match> fields;
    const auto names = split(parts[1], '/');
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "$") {
        if (i + 1 != names.size()) return bad("'$' is only allowed as the last namespace field");
        s.exact_length = true;
        continue;
      }
      if (names[i].empty()) return bad("empty namespace field in '" + std::string(parts[1]) + "'");
      fields.push_back(parse_match(names[i]));
    }
    s.namespace_match = std::move(fields);
  }
  if (parts.size() == 3) s.track_match = parse_match(parts[2]);
  return s;
}

std::string scope_to_spec(const Scope& scope) {
  std::string out;
  for (unsigned a = 0; a <= kMaxAction; ++a) {
    if (!scope.has(static_cast<Action>(a))) continue;
    if (!out.empty()) out += ',';
    for (const char* p = action_name(static_cast<Action>(a)); *p; ++p)
      out += *p == '_' ? '-' : static_cast<char>(*p - 'A' + 'a');
  }
  if (!scope.namespace_match && !scope.track_match) return out;
  out += ':';
  if (scope.namespace_match) {
    bool first = true;
    for (const auto& m : *scope.namespace_match) {
      if (!first) out += '/';
      out += match_text(m);
      first = false;
    }
    if (scope.exact_length) out += first ? "$" : "/$";
  }
  if (scope.track_match) out += ":" + match_text(*scope.track_match);
  return out;
}

}  // namespace kinetic::auth
