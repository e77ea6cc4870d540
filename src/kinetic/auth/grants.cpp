#include "kinetic/auth/grants.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace kinetic::auth {
namespace {

constexpr std::array<const char*, kMaxAction + 1> kNames = {
    "CLIENT_SETUP", "SERVER_SETUP", "PUBLISH_NAMESPACE", "SUBSCRIBE_NAMESPACE", "SUBSCRIBE",
    "REQUEST_UPDATE", "PUBLISH", "FETCH", "TRACK_STATUS"};

}  // namespace

const char* action_name(Action a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < kNames.size() ? kNames[i] : "UNKNOWN";
}

std::optional<Action> action_from_name(std::string_view name) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec == std::errc{} && end == name.data() + name.size()) {
    if (n <= kMaxAction) return static_cast<Action>(n);
    return std::nullopt;
  }
  std::string norm;
  for (char c : name) norm += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (norm == kNames[i]) return static_cast<Action>(i);
  }
  return std::nullopt;
}

bool Match::matches(std::string_view field) const noexcept {
  switch (type) {
    case MatchType::kExact: return field == value;
    case MatchType::kPrefix: return field.size() >= value.size() && field.substr(0, value.size()) == value;
    case MatchType::kSuffix:
      return field.size() >= value.size() && field.substr(field.size() - value.size()) == value;
  }
  return false;
}

bool Scope::namespace_matches(const wire::TrackNamespace& ns) const noexcept {
  if (!namespace_match) return true;
  const auto& m = *namespace_match;
  if (ns.fields.size() < m.size()) return false;
  if (exact_length && ns.fields.size() != m.size()) return false;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (!m[i].matches(ns.fields[i])) return false;
  }
  return true;
}

bool Scope::allows(Action a, const wire::TrackNamespace& ns, std::optional<std::string_view> track) const noexcept {
  if (!has(a) || !namespace_matches(ns)) return false;
  if (track && track_match && !track_match->matches(*track)) return false;
  return true;
}

bool Grants::allows(Action a, const wire::TrackNamespace& ns, std::optional<std::string_view> track) const noexcept {
  for (const auto& s : scopes) {
    if (s.allows(a, ns, track)) return true;
  }
  return false;
}

std::vector<std::string> path_fields(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto seg = path.substr(0, slash);
    if (!seg.empty()) out.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace kinetic::auth
