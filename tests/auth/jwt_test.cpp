#include "kinetic/auth/jwt.hpp"

#include <gtest/gtest.h>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

wire::TrackNamespace ns(std::vector<std::string> f) { return {std::move(f)}; }

TEST(Jwt, MintedTokenDecodesToTheSameClaims) {
  auto key = generate_jwk(KeyAlg::kEs256, "relay-1");
  JwtClaims c;
  c.root = "demo";
  c.publish = std::vector<std::string>{"alice"};
  c.subscribe = std::vector<std::string>{""};
  c.exp = 2000000000;
  c.iat = 1700000000;
  c.sub = "alice";
  auto token = mint_jwt(c, *key);
  ASSERT_TRUE(token) << token.error().what;
  auto d = decode_jwt(*token);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->alg, "ES256");
  EXPECT_EQ(d->kid, "relay-1");
  EXPECT_EQ(d->claims.root, "demo");
  EXPECT_EQ(d->claims.publish, c.publish);
  EXPECT_EQ(d->claims.subscribe, c.subscribe);
  EXPECT_EQ(d->claims.exp, c.exp);
  EXPECT_EQ(d->claims.sub, "alice");
  EXPECT_TRUE(verify(key->public_part(), d->signing_input, d->signature));
}

TEST(Jwt, PathClaimsBecomeSegmentScopes) {
  JwtClaims c;
  c.root = "demo";
  c.publish = std::vector<std::string>{"alice"};
  c.subscribe = std::vector<std::string>{""};
  const Grants g = jwt_grants(c);
  EXPECT_TRUE(g.allows(Action::kPublishNamespace, ns({"demo", "alice"})));
  EXPECT_TRUE(g.allows(Action::kPublish, ns({"demo", "alice", "cam"}), "video"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"demo", "alicia"}), "video"));   // sibling
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"demo"}), "video"));             // above the grant
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"demo2", "alice"}), "video"));
  EXPECT_TRUE(g.allows(Action::kSubscribe, ns({"demo", "bob"}), "video"));
  EXPECT_TRUE(g.allows(Action::kFetch, ns({"demo"}), "catalog"));
  EXPECT_TRUE(g.allows(Action::kTrackStatus, ns({"demo"}), "catalog"));
  EXPECT_TRUE(g.allows(Action::kSubscribeNamespace, ns({"demo"})));
  EXPECT_FALSE(g.allows(Action::kSubscribe, ns({"other"}), "video"));
  // No "put": nothing may be published.
  JwtClaims viewer;
  viewer.root = "demo";
  viewer.subscribe = std::vector<std::string>{"bob"};
  EXPECT_FALSE(jwt_grants(viewer).allows(Action::kPublishNamespace, ns({"demo", "bob"})));
  EXPECT_TRUE(jwt_grants(viewer).allows(Action::kSubscribe, ns({"demo", "bob"}), "audio"));
}

TEST(Jwt, MalformedTokensAreRefusedWithAReason) {
  const std::string header = base64url_encode(std::string_view(R"({"alg":"HS256"})"));
  const std::string payload = base64url_encode(std::string_view(R"({"root":"demo","put":"x"})"));
  const std::string cases[] = {
      "",
      "abc",
      "a.b",
      header + "." + payload,
      header + "." + payload + ".sig.extra",
      header + ".!!!." + "AAAA",
      base64url_encode(std::string_view("[1]")) + "." + payload + ".AAAA",
      base64url_encode(std::string_view(R"({"typ":"JWT"})")) + "." + payload + ".AAAA",
      header + "." + base64url_encode(std::string_view(R"({"put":5})")) + ".AAAA",
      header + "." + base64url_encode(std::string_view(R"({"exp":"soon"})")) + ".AAAA",
      header + "." + base64url_encode(std::string_view(R"({"exp":1e300})")) + ".AAAA",
      header + "." + base64url_encode(std::string_view(R"({"root":"demo")")) + ".AAAA",
  };
  for (const auto& t : cases) {
    auto d = decode_jwt(t);
    ASSERT_FALSE(d) << t;
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << t;
    EXPECT_NE(d.error().what.find("JWT"), std::string::npos);
  }
}

}  // namespace
}  // namespace kinetic::auth
