#include "kinetic/relay/namespace_registry.hpp"

#include <algorithm>

namespace kinetic::relay {

using wire::RequestErrorCode;
using wire::TrackNamespace;

struct NamespaceRegistry::Node {
  Node* parent = nullptr;
  std::string key;  // this node's field within its parent
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  std::vector<SessionId> publishers;  // in order of arrival: the first one is routed to
  std::vector<SessionId> interested;

  [[nodiscard]] bool empty() const noexcept {
    return children.empty() && publishers.empty() && interested.empty();
  }
};

namespace {

TrackNamespace suffix_after(const TrackNamespace& prefix, const TrackNamespace& ns) {
  TrackNamespace out;
  out.fields.assign(ns.fields.begin() + static_cast<std::ptrdiff_t>(prefix.fields.size()), ns.fields.end());
  return out;
}

bool erase_value(std::vector<SessionId>& v, SessionId id) {
  auto it = std::find(v.begin(), v.end(), id);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

bool erase_namespace(std::vector<TrackNamespace>& v, const TrackNamespace& ns) {
  auto it = std::find(v.begin(), v.end(), ns);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

}  // namespace

NamespaceRegistry::NamespaceRegistry(NamespaceLimits limits)
    : limits_(limits), root_(std::make_unique<Node>()) {}
NamespaceRegistry::~NamespaceRegistry() = default;

NamespaceRegistry::Node* NamespaceRegistry::find(const TrackNamespace& ns) const {
  Node* node = root_.get();
  for (const auto& field : ns.fields) {
    auto it = node->children.find(field);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node;
}

NamespaceRegistry::Node* NamespaceRegistry::find_or_make(const TrackNamespace& ns) {
  Node* node = root_.get();
  for (const auto& field : ns.fields) {
    auto& child = node->children[field];
    if (!child) {
      child = std::make_unique<Node>();
      child->parent = node;
      child->key = field;
    }
    node = child.get();
  }
  return node;
}

void NamespaceRegistry::prune(Node* node) {
  while (node != nullptr && node != root_.get() && node->empty()) {
    Node* parent = node->parent;
    parent->children.erase(node->key);  // destroys node
    node = parent;
  }
}

std::vector<NamespaceNotice> NamespaceRegistry::notices_along(const TrackNamespace& ns, NamespaceNotice::Kind kind,
                                                              std::optional<SessionId> except) const {
  std::vector<NamespaceNotice> out;
  const Node* node = root_.get();
  TrackNamespace prefix;
  for (std::size_t depth = 0;; ++depth) {
    for (SessionId s : node->interested) {
      if (except && *except == s) continue;
      out.push_back({kind, s, prefix, suffix_after(prefix, ns)});
    }
    if (depth == ns.fields.size()) break;
    auto it = node->children.find(ns.fields[depth]);
    if (it == node->children.end()) break;
    node = it->second.get();
    prefix.fields.push_back(ns.fields[depth]);
  }
  return out;
}

Outcome<std::vector<NamespaceNotice>> NamespaceRegistry::publish(SessionId publisher, const TrackNamespace& ns) {
  if (!wire::validate_namespace(ns)) return RelayError{RequestErrorCode::kNamespaceTooLarge, "invalid namespace"};
  auto& mine = published_by_[publisher];
  if (std::find(mine.begin(), mine.end(), ns) != mine.end())
    return RelayError{RequestErrorCode::kDuplicateSubscription, "namespace already published by this session"};
  if (mine.size() >= limits_.max_published_per_session)
    return RelayError{RequestErrorCode::kExcessiveLoad, "too many namespaces published by this session"};
  Node* node = find_or_make(ns);
  const bool first = node->publishers.empty();
  node->publishers.push_back(publisher);
  mine.push_back(ns);
  ++published_;
  if (!first) return std::vector<NamespaceNotice>{};
  return notices_along(ns, NamespaceNotice::Kind::kNamespace, publisher);
}

std::vector<NamespaceNotice> NamespaceRegistry::withdraw(SessionId publisher, const TrackNamespace& ns) {
  auto mine = published_by_.find(publisher);
  if (mine == published_by_.end() || !erase_namespace(mine->second, ns)) return {};
  if (mine->second.empty()) published_by_.erase(mine);
  Node* node = find(ns);
  if (node == nullptr || !erase_value(node->publishers, publisher)) return {};
  --published_;
  std::vector<NamespaceNotice> out;
  if (node->publishers.empty()) out = notices_along(ns, NamespaceNotice::Kind::kNamespaceDone, publisher);
  prune(node);
  return out;
}

Outcome<NamespaceSubscription> NamespaceRegistry::subscribe(SessionId subscriber, const TrackNamespace& prefix) {
  if (!prefix.fields.empty() && !wire::validate_namespace(prefix))
    return RelayError{RequestErrorCode::kNamespaceTooLarge, "invalid namespace prefix"};
  auto& mine = interests_of_[subscriber];
  for (const auto& other : mine) {
    if (other.is_prefix_of(prefix) || prefix.is_prefix_of(other))
      return RelayError{RequestErrorCode::kPrefixOverlap, "prefix overlaps another SUBSCRIBE_NAMESPACE"};
  }
  if (mine.size() >= limits_.max_interests_per_session)
    return RelayError{RequestErrorCode::kExcessiveLoad, "too many SUBSCRIBE_NAMESPACE on this session"};

  NamespaceSubscription result;
  auto add_publisher = [&](SessionId s) {
    if (s != subscriber && std::find(result.forward_to.begin(), result.forward_to.end(), s) == result.forward_to.end())
      result.forward_to.push_back(s);
  };
  // A publisher of an ancestor namespace may own tracks under the prefix too.
  const Node* walk = root_.get();
  for (const auto& field : prefix.fields) {
    for (SessionId s : walk->publishers) add_publisher(s);
    auto it = walk->children.find(field);
    if (it == walk->children.end()) { walk = nullptr; break; }
    walk = it->second.get();
  }
  if (walk != nullptr) {
    // Depth-first over the subtree; `path` holds the suffix of the node being visited.
    struct Frame { const Node* node; std::size_t depth; };
    std::vector<Frame> stack{{walk, 0}};
    TrackNamespace path;
    while (!stack.empty()) {
      auto [node, depth] = stack.back();
      stack.pop_back();
      path.fields.resize(depth);
      if (node != walk) path.fields.push_back(node->key);
      const bool others = std::any_of(node->publishers.begin(), node->publishers.end(),
                                      [&](SessionId s) { return s != subscriber; });
      if (others) result.existing.push_back(path);
      for (SessionId s : node->publishers) add_publisher(s);
      // Reverse so that children come off the stack in field order.
      for (auto it = node->children.rbegin(); it != node->children.rend(); ++it)
        stack.push_back({it->second.get(), path.fields.size()});
    }
  }

  find_or_make(prefix)->interested.push_back(subscriber);
  mine.push_back(prefix);
  return result;
}

bool NamespaceRegistry::unsubscribe(SessionId subscriber, const TrackNamespace& prefix) {
  auto mine = interests_of_.find(subscriber);
  if (mine == interests_of_.end() || !erase_namespace(mine->second, prefix)) return false;
  if (mine->second.empty()) interests_of_.erase(mine);
  Node* node = find(prefix);
  if (node != nullptr) {
    erase_value(node->interested, subscriber);
    prune(node);
  }
  return true;
}

std::vector<NamespaceNotice> NamespaceRegistry::remove_session(SessionId session) {
  if (auto it = interests_of_.find(session); it != interests_of_.end()) {
    const auto prefixes = it->second;
    for (const auto& p : prefixes) unsubscribe(session, p);
  }
  std::vector<NamespaceNotice> out;
  if (auto it = published_by_.find(session); it != published_by_.end()) {
    const auto namespaces = it->second;
    for (const auto& ns : namespaces) {
      auto notices = withdraw(session, ns);
      out.insert(out.end(), notices.begin(), notices.end());
    }
  }
  return out;
}

std::optional<SessionId> NamespaceRegistry::route(const TrackNamespace& ns, std::optional<SessionId> except) const {
  auto m = match(ns, except);
  if (!m) return std::nullopt;
  return m->session;
}

std::optional<NamespaceRegistry::Match> NamespaceRegistry::match(const TrackNamespace& ns,
                                                                 std::optional<SessionId> except) const {
  std::optional<Match> best;
  const Node* node = root_.get();
  for (std::size_t depth = 0;; ++depth) {
    for (SessionId s : node->publishers) {
      if (except && *except == s) continue;
      best = Match{s, depth};
      break;
    }
    if (depth == ns.fields.size()) break;
    auto it = node->children.find(ns.fields[depth]);
    if (it == node->children.end()) break;
    node = it->second.get();
  }
  return best;
}

std::vector<SessionId> NamespaceRegistry::interested_in(const TrackNamespace& ns) const {
  std::vector<SessionId> out;
  for (const auto& n : notices_along(ns, NamespaceNotice::Kind::kNamespace, std::nullopt)) out.push_back(n.subscriber);
  return out;
}

}  // namespace kinetic::relay
