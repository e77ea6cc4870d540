// AUTHORIZATION TOKEN aliases (draft §"AUTHORIZATION TOKEN Parameter"), one direction each:
// `PeerTokenCache` holds what the peer registered with us, bounded by the
// MAX_AUTH_TOKEN_CACHE_SIZE we announced; `TokenAliaser` decides how our own tokens travel,
// bounded by the size the peer announced. Aliases only save bytes: the application always
// sees and gives tokens by value.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "kinetic/moqt/types.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "kinetic/wire/parameters.hpp"

namespace kinetic::moqt {

class PeerTokenCache {
 public:
  explicit PeerTokenCache(std::uint64_t capacity = 0) : capacity_(capacity) {}

  // The tokens of one message by value, after its registrations and deletions took effect;
  // the session error to close with when the message breaks the alias rules.
  std::optional<wire::SessionError> resolve(const std::vector<wire::AuthorizationToken>& tokens,
                                            std::vector<AuthToken>& out);
  // SETUP's tokens: a registration that does not fit is used as a value, and a client may
  // only register or give values (`from_client`).
  std::optional<wire::SessionError> resolve_setup(const std::vector<wire::AuthorizationToken>& tokens, bool from_client,
                                                  std::vector<AuthToken>& out);

  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::size_t size() const noexcept { return aliases_.size(); }

 private:
  std::optional<wire::SessionError> one(const wire::AuthorizationToken& t, bool in_setup, std::vector<AuthToken>& out);

  std::uint64_t capacity_;
  std::uint64_t bytes_ = 0;
  std::map<std::uint64_t, AuthToken> aliases_;
};

class TokenAliaser {
 public:
  // The peer's MAX_AUTH_TOKEN_CACHE_SIZE (0 until its SETUP says more: no aliases).
  void set_capacity(std::uint64_t capacity) noexcept { capacity_ = capacity; }

  // The wire form of `tokens` for one message on request stream `stream`. A token is sent by
  // value the first time, registered the second time (it is being reused) when the peer's
  // cache has room, and referred to by alias after that; an alias registered on another
  // stream is used only once the peer answered the registering message.
  std::vector<wire::AuthorizationToken> encode(const std::vector<AuthToken>& tokens, std::uint64_t stream);
  // The peer answered the oldest message still unanswered on `stream`.
  void answered(std::uint64_t stream);
  // The stream ended: none of its messages will be answered.
  void stream_closed(std::uint64_t stream);
  // Frees the token's alias: DELETE rides on the next message once no message that used
  // the alias waits for its answer.
  void retire(const AuthToken& token);

  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::optional<std::uint64_t> alias_of(const AuthToken& token) const;

 private:
  struct Entry {
    std::uint64_t alias = 0;
    std::uint64_t stream = 0;  // where REGISTER went
    bool confirmed = false;    // the registering message was answered
    std::size_t in_flight = 0;  // unanswered messages that use the alias
    bool retiring = false;
  };
  struct Sent {
    std::vector<std::uint64_t> registered;
    std::vector<std::uint64_t> used;
  };
  Entry* find_alias(std::uint64_t alias);
  void settle(const Sent& sent, bool answered);

  std::uint64_t capacity_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t next_alias_ = 0;
  std::map<std::pair<std::uint64_t, std::string>, Entry> registered_;
  std::set<std::pair<std::uint64_t, std::string>> seen_once_;
  std::map<std::uint64_t, std::deque<Sent>> unanswered_;
};

}  // namespace kinetic::moqt
