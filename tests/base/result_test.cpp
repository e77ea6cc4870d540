#include "kinetic/base/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace kinetic {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{Errc::kInvalidValue, "not a digit"};
  return c - '0';
}

Result<int> sum_of_two(const char* s) {
  KINETIC_TRY(int a, parse_digit(s[0]));
  KINETIC_TRY(int b, parse_digit(s[1]));
  return a + b;
}

TEST(Result, CarriesAValueOrAnError) {
  auto good = parse_digit('7');
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  auto bad = parse_digit('x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidValue);
  EXPECT_STREQ(bad.error().what, "not a digit");
}

TEST(Result, TryReturnsTheFirstErrorAndBindsValues) {
  EXPECT_EQ(*sum_of_two("34"), 7);
  auto r = sum_of_two("3y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidValue);
}

TEST(Result, MovesOutValuesThatCannotBeCopied) {
  Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("kept");
  auto p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, "kept");
}

TEST(Result, NeedMoreIsTellingTheParserToWait) {
  EXPECT_TRUE(need_more().need_more());
  EXPECT_FALSE((Error{Errc::kProtocolViolation, "x"}).need_more());
  EXPECT_EQ(errc_name(Errc::kLimitExceeded), "limit exceeded");
  Status s = ok_status();
  EXPECT_TRUE(s.ok());
}

}  // namespace
}  // namespace kinetic
