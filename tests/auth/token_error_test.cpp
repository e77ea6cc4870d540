#include "kinetic/auth/token_error.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <variant>

namespace kinetic::auth {
namespace {

constexpr TokenErrc kAllCodes[] = {
    TokenErrc::kMalformed,      TokenErrc::kTooLarge,     TokenErrc::kUnsupported, TokenErrc::kUnknownKey,
    TokenErrc::kWrongAlgorithm, TokenErrc::kBadSignature, TokenErrc::kExpired,     TokenErrc::kNotYetValid,
    TokenErrc::kWrongIssuer,    TokenErrc::kWrongAudience};

TEST(TokenErrcName, EachKindHasItsOwnReadableName) {
  EXPECT_STREQ(token_errc_name(TokenErrc::kMalformed), "malformed");
  EXPECT_STREQ(token_errc_name(TokenErrc::kTooLarge), "too large");
  EXPECT_STREQ(token_errc_name(TokenErrc::kUnsupported), "unsupported");
  EXPECT_STREQ(token_errc_name(TokenErrc::kUnknownKey), "unknown key");
  EXPECT_STREQ(token_errc_name(TokenErrc::kWrongAlgorithm), "wrong algorithm");
  EXPECT_STREQ(token_errc_name(TokenErrc::kBadSignature), "bad signature");
  EXPECT_STREQ(token_errc_name(TokenErrc::kExpired), "expired");
  EXPECT_STREQ(token_errc_name(TokenErrc::kNotYetValid), "not yet valid");
  EXPECT_STREQ(token_errc_name(TokenErrc::kWrongIssuer), "wrong issuer");
  EXPECT_STREQ(token_errc_name(TokenErrc::kWrongAudience), "wrong audience");

  // Logs tell refusals apart by name, so no two kinds may share one, and none may fall
  // through to the out-of-range answer.
  std::set<std::string> names;
  for (const TokenErrc code : kAllCodes) {
    const char* name = token_errc_name(code);
    ASSERT_NE(name, nullptr);
    EXPECT_STRNE(name, "unknown") << static_cast<int>(code);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
}

TEST(TokenErrcName, ValueOutsideTheEnumIsNamedUnknown) {
  // A code read back from a log or a peer may be out of range; naming it must not crash.
  EXPECT_STREQ(token_errc_name(static_cast<TokenErrc>(-1)), "unknown");
  EXPECT_STREQ(token_errc_name(static_cast<TokenErrc>(std::size(kAllCodes))), "unknown");
  EXPECT_STREQ(token_errc_name(static_cast<TokenErrc>(1000)), "unknown");
}

TEST(TokenError, DefaultIsMalformedAndHelperKeepsCodeAndText) {
  // A refusal built without a code fails as malformed, never as a pass-through kind.
  const TokenError blank;
  EXPECT_EQ(blank.code, TokenErrc::kMalformed);
  EXPECT_TRUE(blank.what.empty());

  const TokenError e = token_error(TokenErrc::kExpired, "exp 10 is before now 20");
  EXPECT_EQ(e.code, TokenErrc::kExpired);
  EXPECT_EQ(e.what, "exp 10 is before now 20");
}

TEST(TokenResult, HoldsAValueOrAnError) {
  TokenResult<int> good = 42;
  EXPECT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 42);
  EXPECT_EQ(good.value(), 42);
  *good = 7;
  EXPECT_EQ(good.value(), 7);

  const TokenResult<int> bad = token_error(TokenErrc::kBadSignature, "mac mismatch");
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().code, TokenErrc::kBadSignature);
  EXPECT_EQ(bad.error().what, "mac mismatch");
}

TEST(TokenResult, MemberAccessAndMoveOutOfTheValue) {
  struct Claims {
    std::string sub;
  };
  TokenResult<Claims> r = Claims{"alice"};
  EXPECT_EQ(r->sub, "alice");
  const auto& cr = r;
  EXPECT_EQ(cr->sub, "alice");

  TokenResult<std::unique_ptr<int>> owned = std::make_unique<int>(5);
  std::unique_ptr<int> taken = std::move(owned).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
}

TEST(TokenResult, ReadingTheWrongSideThrowsRatherThanReadingGarbage) {
  TokenResult<int> bad = token_error(TokenErrc::kTooLarge, "");
  EXPECT_THROW(static_cast<void>(bad.value()), std::bad_variant_access);
  const TokenResult<int> good = 1;
  EXPECT_THROW(static_cast<void>(good.error()), std::bad_variant_access);
}

}  // namespace
}  // namespace kinetic::auth
