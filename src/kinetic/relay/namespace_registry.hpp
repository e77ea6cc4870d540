// Which session publishes which namespace, and which sessions asked to hear about which
// prefixes (SUBSCRIBE_NAMESPACE), kept in a prefix tree over namespace fields. The registry
// decides; it never sends. Every change returns the NAMESPACE / NAMESPACE_DONE notices and the
// forwarding targets, so the session layer (or a test) acts on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kinetic/relay/relay_error.hpp"
#include "kinetic/wire/track_name.hpp"

namespace kinetic::relay {

using SessionId = std::uint64_t;

struct NamespaceNotice {
  enum class Kind { kNamespace, kNamespaceDone };
  Kind kind = Kind::kNamespace;
  SessionId subscriber = 0;
  wire::TrackNamespace prefix;  // the subscriber's SUBSCRIBE_NAMESPACE prefix
  wire::TrackNamespace suffix;  // what NAMESPACE / NAMESPACE_DONE carries: the rest after prefix
  friend bool operator==(const NamespaceNotice&, const NamespaceNotice&) = default;
};

struct NamespaceSubscription {
  // Namespaces already published under the prefix, as suffixes: one NAMESPACE each, now.
  std::vector<wire::TrackNamespace> existing;
  // Publishers that may own tracks under the prefix; the relay forwards the interest to them.
  std::vector<SessionId> forward_to;
};

struct NamespaceLimits {
  std::size_t max_published_per_session = 1024;
  std::size_t max_interests_per_session = 256;
};

class NamespaceRegistry {
 public:
  explicit NamespaceRegistry(NamespaceLimits limits = {});
  ~NamespaceRegistry();
  NamespaceRegistry(const NamespaceRegistry&) = delete;
  NamespaceRegistry& operator=(const NamespaceRegistry&) = delete;

  // PUBLISH_NAMESPACE accepted from `publisher`. Interested sessions hear NAMESPACE only when
  // the namespace was not already published by someone else (they know it already), and the
  // publisher never hears its own namespace echoed back (two relays would bounce it forever).
  Outcome<std::vector<NamespaceNotice>> publish(SessionId publisher, const wire::TrackNamespace& ns);
  // The publisher withdrew (or its request was cancelled); NAMESPACE_DONE when it was the last.
  std::vector<NamespaceNotice> withdraw(SessionId publisher, const wire::TrackNamespace& ns);

  // SUBSCRIBE_NAMESPACE from `subscriber`. A prefix sharing a common prefix with another of
  // the same session's prefixes is PREFIX_OVERLAP, as the draft requires.
  Outcome<NamespaceSubscription> subscribe(SessionId subscriber, const wire::TrackNamespace& prefix);
  bool unsubscribe(SessionId subscriber, const wire::TrackNamespace& prefix);

  // A session went away: its interests vanish and its namespaces are withdrawn.
  std::vector<NamespaceNotice> remove_session(SessionId session);

  // The publisher to route a track request in `ns` to: the one with the longest published
  // prefix of `ns`, earliest first among equals. Skips `except` (the asking session).
  [[nodiscard]] std::optional<SessionId> route(const wire::TrackNamespace& ns,
                                               std::optional<SessionId> except = std::nullopt) const;
  // route(), with how many fields of `ns` the publisher's prefix has.
  struct Match {
    SessionId session = 0;
    std::size_t fields = 0;
  };
  [[nodiscard]] std::optional<Match> match(const wire::TrackNamespace& ns,
                                           std::optional<SessionId> except = std::nullopt) const;
  // Sessions whose SUBSCRIBE_NAMESPACE prefix covers `ns`.
  [[nodiscard]] std::vector<SessionId> interested_in(const wire::TrackNamespace& ns) const;
  [[nodiscard]] std::size_t published_count() const noexcept { return published_; }

 private:
  struct Node;
  Node* find(const wire::TrackNamespace& ns) const;
  Node* find_or_make(const wire::TrackNamespace& ns);
  void prune(Node* node);
  std::vector<NamespaceNotice> notices_along(const wire::TrackNamespace& ns, NamespaceNotice::Kind kind,
                                             std::optional<SessionId> except) const;

  NamespaceLimits limits_;
  std::unique_ptr<Node> root_;
  std::unordered_map<SessionId, std::vector<wire::TrackNamespace>> published_by_;
  std::unordered_map<SessionId, std::vector<wire::TrackNamespace>> interests_of_;
  std::size_t published_ = 0;
};

}  // namespace kinetic::relay
