// AUTHORIZATION TOKEN aliases: the receiver's cache and its session errors, the sender's
// choice of value / REGISTER / USE_ALIAS / DELETE, and both together over a session.
#include "kinetic/moqt/token_cache.hpp"

#include <gtest/gtest.h>

#include "kinetic/wire/control_message.hpp"
#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

using wire::AuthorizationToken;
using wire::SessionError;

TEST(PeerTokenCacheTest, RegisterUseAndDelete) {
  PeerTokenCache cache(100);
  std::vector<AuthToken> out;
  EXPECT_FALSE(cache.resolve({AuthorizationToken::enroll(3, 1, "abcd")}, out));
  EXPECT_EQ(cache.bytes(), 20u);
  EXPECT_FALSE(cache.resolve({AuthorizationToken::use_alias(3)}, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (AuthToken{1, "abcd"}));
  EXPECT_FALSE(cache.resolve({AuthorizationToken::remove(3)}, out));
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(cache.size(), 0u);
  // Deleted aliases are unknown again, and may be registered anew.
  EXPECT_EQ(cache.resolve({AuthorizationToken::use_alias(3)}, out), SessionError::kUnknownAuthTokenAlias);
  EXPECT_FALSE(cache.resolve({AuthorizationToken::enroll(3, 1, "abcd")}, out));
}

TEST(PeerTokenCacheTest, AliasErrorsAreSessionErrors) {
  PeerTokenCache cache(40);
  std::vector<AuthToken> out;
  EXPECT_EQ(cache.resolve({AuthorizationToken::use_alias(9)}, out), SessionError::kUnknownAuthTokenAlias);
  EXPECT_EQ(cache.resolve({AuthorizationToken::remove(9)}, out), SessionError::kUnknownAuthTokenAlias);
  EXPECT_FALSE(cache.resolve({AuthorizationToken::enroll(1, 0, "0123456789")}, out));  // 26 bytes
  EXPECT_EQ(cache.resolve({AuthorizationToken::enroll(1, 0, "x")}, out), SessionError::kDuplicateAuthTokenAlias);
  EXPECT_EQ(cache.resolve({AuthorizationToken::enroll(2, 0, "x")}, out), SessionError::kAuthTokenCacheOverflow);
  // A cache of 0 (the default) takes no aliases at all.
  PeerTokenCache none;
  EXPECT_EQ(none.resolve({AuthorizationToken::enroll(1, 0, "")}, out), SessionError::kAuthTokenCacheOverflow);
}

TEST(PeerTokenCacheTest, SetupRules) {
  std::vector<AuthToken> out;
  PeerTokenCache cache(0);
  // A registration in SETUP that does not fit counts as a value, not an overflow.
  EXPECT_FALSE(cache.resolve_setup({AuthorizationToken::enroll(1, 5, "big")}, true, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (AuthToken{5, "big"}));
  EXPECT_EQ(cache.size(), 0u);
  // A client may not refer to or delete aliases in SETUP.
  EXPECT_EQ(cache.resolve_setup({AuthorizationToken::use_alias(1)}, true, out), SessionError::kProtocolViolation);
  EXPECT_EQ(cache.resolve_setup({AuthorizationToken::remove(1)}, true, out), SessionError::kProtocolViolation);
}

TEST(TokenAliaserTest, ValueThenRegisterThenAlias) {
  TokenAliaser a;
  a.set_capacity(1000);
  const AuthToken t{1, "tok"};
  auto first = a.encode({t}, 4);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].alias_type, wire::AliasType::kUseValue);
  a.answered(4);
  auto second = a.encode({t}, 8);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].alias_type, wire::AliasType::kRegister);
  const auto alias = second[0].token_alias;
  // Same stream: the alias may be used before the answer; another stream must wait for it.
  EXPECT_EQ(a.encode({t}, 8)[0].alias_type, wire::AliasType::kUseAlias);
  EXPECT_EQ(a.encode({t}, 12)[0].alias_type, wire::AliasType::kUseValue);
  a.answered(8);
  auto later = a.encode({t}, 16);
  EXPECT_EQ(later[0].alias_type, wire::AliasType::kUseAlias);
  EXPECT_EQ(later[0].token_alias, alias);
  EXPECT_EQ(a.bytes(), 19u);
}

TEST(TokenAliaserTest, RespectsThePeersCacheSize) {
  TokenAliaser a;
  a.set_capacity(20);
  const AuthToken big{1, "0123456789"};  // 26 bytes
  a.encode({big}, 0);
  EXPECT_EQ(a.encode({big}, 0)[0].alias_type, wire::AliasType::kUseValue);
  TokenAliaser none;  // the peer announced no cache
  none.encode({{1, "t"}}, 0);
  EXPECT_EQ(none.encode({{1, "t"}}, 0)[0].alias_type, wire::AliasType::kUseValue);
}

TEST(TokenAliaserTest, DeleteWaitsForMessagesUsingTheAlias) {
  TokenAliaser a;
  a.set_capacity(1000);
  const AuthToken t{1, "tok"};
  a.encode({t}, 0);
  a.answered(0);
  auto reg = a.encode({t}, 4);
  ASSERT_EQ(reg[0].alias_type, wire::AliasType::kRegister);
  a.retire(t);
  // The REGISTER is unanswered: no DELETE yet, and the token travels by value meanwhile.
  auto during = a.encode({t}, 8);
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(during[0].alias_type, wire::AliasType::kUseValue);
  a.answered(4);
  auto after = a.encode({}, 12);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].alias_type, wire::AliasType::kDelete);
  EXPECT_EQ(after[0].token_alias, reg[0].token_alias);
  EXPECT_EQ(a.bytes(), 0u);
}

class TokenAliasSessionTest : public MoqtTest {};

TEST_P(TokenAliasSessionTest, ReusedTokensTravelByAliasAndArriveByValue) {
  connect();
  EXPECT_EQ(client->peer_setup().max_auth_token_cache_size, 4096u);
  sh.on_req = [](IncomingRequest& r) { r.accept(); };
  const AuthToken token{2, "bearer-abc"};
  std::vector<RecordingRequest> handlers(4);
  std::vector<std::shared_ptr<OutgoingRequest>> reqs;
  for (int i = 0; i < 4; ++i) {
    reqs.push_back(client->publish_namespace({{"ns" + std::to_string(i)}}, &handlers[i], {token}));
    run();
    ASSERT_TRUE(handlers[i].ok) << i;
  }
  // The second request registered it; the others used the value or the alias.
  EXPECT_TRUE(client->token_alias(token));
  ASSERT_EQ(sh.requests.size(), 4u);
  for (const auto& r : sh.requests) {
    ASSERT_EQ(r->tokens().size(), 1u);
    EXPECT_EQ(r->tokens()[0], token);
  }
  client->retire_token(token);
  EXPECT_FALSE(client->token_alias(token));
  RecordingRequest last;
  auto r = client->publish_namespace({{"after"}}, &last, {token});
  run();
  EXPECT_TRUE(last.ok);
  EXPECT_EQ(sh.requests.back()->tokens()[0], token);
  EXPECT_FALSE(sh.closed);
}

// A raw REQUEST stream with one PUBLISH_NAMESPACE carrying `token`.
std::vector<std::uint8_t> publish_namespace_with(wire::Version v, std::uint64_t rid, const AuthorizationToken& token) {
  wire::PublishNamespace m{rid, {{"ns" + std::to_string(rid)}}, {}};
  m.parameters.authorization_tokens.push_back(token);
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(wire::encode_control_message(v, m, out).ok());
  return out;
}

TEST_P(TokenAliasSessionTest, UnknownAliasClosesTheSession) {
  connect();
  auto* s = client->transport().open_bidi();
  auto msg = publish_namespace_with(client->version(), 0, AuthorizationToken::use_alias(42));
  s->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kUnknownAuthTokenAlias));
}

TEST_P(TokenAliasSessionTest, DuplicateAliasAndOverflowCloseTheSession) {
  connect();
  sh.on_req = [](IncomingRequest& r) { r.accept(); };
  auto msg = publish_namespace_with(client->version(), 0, AuthorizationToken::enroll(1, 0, "a"));
  client->transport().open_bidi()->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_FALSE(sh.closed);
  msg = publish_namespace_with(client->version(), 2, AuthorizationToken::enroll(1, 0, "b"));
  client->transport().open_bidi()->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kDuplicateAuthTokenAlias));
}

TEST_P(TokenAliasSessionTest, RegistrationPastTheCacheSizeOverflows) {
  connect();
  auto msg = publish_namespace_with(client->version(), 0, AuthorizationToken::enroll(1, 0, std::string(5000, 'x')));
  client->transport().open_bidi()->write(std::span<const std::uint8_t>(msg));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kAuthTokenCacheOverflow));
}

TEST_P(TokenAliasSessionTest, ClientSetupMayNotUseAnAlias) {
  RawPeer raw;
  auto peer = serve_raw(raw);
  // The codec will not write USE_ALIAS into SETUP: write USE_VALUE {type 1, empty value} and
  // turn its Alias Type (the token's first byte) into USE_ALIAS, whose alias is then 1.
  wire::Setup setup;
  setup.options.authorization_tokens.push_back(AuthorizationToken::use_value(1, ""));
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(wire::encode_control_message(server->version(), setup, out).ok());
  ASSERT_EQ(out[out.size() - 2], 0x03);
  out[out.size() - 2] = 0x02;
  peer->open_uni()->write(std::span<const std::uint8_t>(out));
  run();
  EXPECT_TRUE(sh.closed);
  EXPECT_EQ(sh.code, static_cast<std::uint64_t>(SessionError::kProtocolViolation));
  EXPECT_EQ(raw.closed, static_cast<std::uint64_t>(SessionError::kProtocolViolation));
}

INSTANTIATE_TEST_SUITE_P(Drafts, TokenAliasSessionTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
