// What a verified token allows: the C4M draft's model (draft-ietf-moq-c4m §"moqt claim"), which
// JWT path claims are translated into as well. A scope lists actions and, optionally, one match
// per namespace field (exact / prefix / suffix, bytewise) closed by nil or open to longer
// namespaces, and a match for the track name. Anything no scope allows is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/wire/track_name.hpp"

namespace kinetic::auth {

// The draft's action numbers.
enum class Action : std::uint8_t {
  kClientSetup = 0,
  kServerSetup = 1,
  kPublishNamespace = 2,
  kSubscribeNamespace = 3,
  kSubscribe = 4,
  kRequestUpdate = 5,
  kPublish = 6,
  kFetch = 7,
  kTrackStatus = 8,
};
inline constexpr std::uint8_t kMaxAction = 8;

const char* action_name(Action a) noexcept;  // "SUBSCRIBE", ...
// Accepts the draft's names in any case, with '-' or '_' ("subscribe-namespace"), or the number.
std::optional<Action> action_from_name(std::string_view name);

enum class MatchType : std::uint8_t { kExact = 0, kPrefix = 1, kSuffix = 2 };

struct Match {
  MatchType type = MatchType::kExact;
  std::string value;
  [[nodiscard]] bool matches(std::string_view field) const noexcept;
  friend bool operator==(const Match&, const Match&) = default;
};

struct Scope {
  std::uint16_t actions = 0;  // bit (1 << action)
  // nullopt: every namespace. Otherwise field i must pass match i; with `exact_length` (the
  // draft's trailing nil) the namespace has exactly these fields, else it may be longer.
  std::optional<std::vector<Match>> namespace_match;
  bool exact_length = false;
  std::optional<Match> track_match;  // nullopt: every track name

  [[nodiscard]] bool has(Action a) const noexcept { return (actions >> static_cast<unsigned>(a)) & 1u; }
  void add(Action a) noexcept { actions = static_cast<std::uint16_t>(actions | (1u << static_cast<unsigned>(a))); }
  [[nodiscard]] bool namespace_matches(const wire::TrackNamespace& ns) const noexcept;
  // `track` is absent for namespace-only actions (PUBLISH_NAMESPACE, SUBSCRIBE_NAMESPACE):
  // the track match then does not apply.
  [[nodiscard]] bool allows(Action a, const wire::TrackNamespace& ns,
                            std::optional<std::string_view> track) const noexcept;
  friend bool operator==(const Scope&, const Scope&) = default;
};

struct Grants {
  std::vector<Scope> scopes;
  std::optional<std::int64_t> expires_at;  // seconds since the epoch (exp)
  std::optional<std::int64_t> not_before;  // nbf
  std::string subject;                     // sub, for logs
  std::string issuer;                      // iss (empty: none)
  // aud: absent when the token has none; a token naming audiences is for them alone.
  std::optional<std::vector<std::string>> audiences;
  std::string key_id;                      // the key that verified it

  [[nodiscard]] bool allows(Action a, const wire::TrackNamespace& ns,
                            std::optional<std::string_view> track = std::nullopt) const noexcept;
};

// A slash-separated path ("demo/alice") as namespace fields; empty segments are dropped.
std::vector<std::string> path_fields(std::string_view path);

}  // namespace kinetic::auth
