#include "kinetic/moqt/token_cache.hpp"

#include <algorithm>

namespace kinetic::moqt {

using wire::AliasType;
using wire::SessionError;

namespace {

std::uint64_t cache_size_of(const AuthToken& t) { return 16 + t.value.size(); }

}  // namespace

// ------------------------------------------------------------------ PeerTokenCache

std::optional<SessionError> PeerTokenCache::one(const wire::AuthorizationToken& t, bool in_setup,
                                                std::vector<AuthToken>& out) {
  switch (t.alias_type) {
    case AliasType::kUseValue: out.push_back({t.token_type, t.token_value}); return std::nullopt;
    case AliasType::kRegister: {
      if (aliases_.contains(t.token_alias)) return SessionError::kDuplicateAuthTokenAlias;
      const AuthToken token{t.token_type, t.token_value};
      out.push_back(token);
      if (bytes_ + t.cache_size() > capacity_) {
        // SETUP may be sent before the peer knows our limit: the token still counts, by value.
        if (in_setup) return std::nullopt;
        return SessionError::kAuthTokenCacheOverflow;
      }
      bytes_ += t.cache_size();
      aliases_.emplace(t.token_alias, token);
      return std::nullopt;
    }
    case AliasType::kUseAlias: {
      auto it = aliases_.find(t.token_alias);
      if (it == aliases_.end()) return SessionError::kUnknownAuthTokenAlias;
      out.push_back(it->second);
      return std::nullopt;
    }
    case AliasType::kDelete: {
      auto it = aliases_.find(t.token_alias);
      if (it == aliases_.end()) return SessionError::kUnknownAuthTokenAlias;
      bytes_ -= cache_size_of(it->second);
      aliases_.erase(it);
      return std::nullopt;
    }
  }
  return SessionError::kKeyValueFormattingError;
}

std::optional<SessionError> PeerTokenCache::resolve(const std::vector<wire::AuthorizationToken>& tokens,
                                                    std::vector<AuthToken>& out) {
  for (const auto& t : tokens) {
    if (auto e = one(t, false, out)) return e;
  }
  return std::nullopt;
}

std::optional<SessionError> PeerTokenCache::resolve_setup(const std::vector<wire::AuthorizationToken>& tokens,
                                                          bool from_client, std::vector<AuthToken>& out) {
  for (const auto& t : tokens) {
    if (from_client && (t.alias_type == AliasType::kDelete || t.alias_type == AliasType::kUseAlias)) {
      return SessionError::kProtocolViolation;
    }
    if (auto e = one(t, true, out)) return e;
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ TokenAliaser

TokenAliaser::Entry* TokenAliaser::find_alias(std::uint64_t alias) {
  for (auto& [key, e] : registered_) {
    if (e.alias == alias) return &e;
  }
  return nullptr;
}

std::vector<wire::AuthorizationToken> TokenAliaser::encode(const std::vector<AuthToken>& tokens, std::uint64_t stream) {
  std::vector<wire::AuthorizationToken> out;
  Sent sent;
  for (auto it = registered_.begin(); it != registered_.end();) {
    if (it->second.retiring && it->second.in_flight == 0) {
      out.push_back(wire::AuthorizationToken::remove(it->second.alias));
      bytes_ -= 16 + it->first.second.size();
      it = registered_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& t : tokens) {
    const auto key = std::make_pair(t.type, t.value);
    if (auto it = registered_.find(key); it != registered_.end()) {
      auto& e = it->second;
      if (!e.retiring && (e.confirmed || e.stream == stream)) {
        out.push_back(wire::AuthorizationToken::use_alias(e.alias));
        ++e.in_flight;
        sent.used.push_back(e.alias);
        continue;
      }
      out.push_back(wire::AuthorizationToken::use_value(t.type, t.value));
      continue;
    }
    if (seen_once_.contains(key) && bytes_ + cache_size_of(t) <= capacity_) {
      const auto alias = next_alias_++;
      registered_[key] = Entry{alias, stream, false, 1, false};
      bytes_ += cache_size_of(t);
      seen_once_.erase(key);
      out.push_back(wire::AuthorizationToken::enroll(alias, t.type, t.value));
      sent.registered.push_back(alias);
      continue;
    }
    seen_once_.insert(key);
    out.push_back(wire::AuthorizationToken::use_value(t.type, t.value));
  }
  unanswered_[stream].push_back(std::move(sent));
  return out;
}

void TokenAliaser::settle(const Sent& sent, bool answered) {
  for (auto alias : sent.registered) {
    if (auto* e = find_alias(alias)) {
      if (answered) e->confirmed = true;
      if (e->in_flight > 0) --e->in_flight;
    }
  }
  for (auto alias : sent.used) {
    if (auto* e = find_alias(alias); e && e->in_flight > 0) --e->in_flight;
  }
}

void TokenAliaser::answered(std::uint64_t stream) {
  auto it = unanswered_.find(stream);
  if (it == unanswered_.end() || it->second.empty()) return;
  settle(it->second.front(), true);
  it->second.pop_front();
  if (it->second.empty()) unanswered_.erase(it);
}

void TokenAliaser::stream_closed(std::uint64_t stream) {
  auto it = unanswered_.find(stream);
  if (it == unanswered_.end()) return;
  for (const auto& sent : it->second) settle(sent, false);
  unanswered_.erase(it);
}

void TokenAliaser::retire(const AuthToken& token) {
  seen_once_.erase({token.type, token.value});
  if (auto it = registered_.find({token.type, token.value}); it != registered_.end()) it->second.retiring = true;
}

std::optional<std::uint64_t> TokenAliaser::alias_of(const AuthToken& token) const {
  auto it = registered_.find({token.type, token.value});
  if (it == registered_.end() || it->second.retiring) return std::nullopt;
  return it->second.alias;
}

}  // namespace kinetic::moqt
