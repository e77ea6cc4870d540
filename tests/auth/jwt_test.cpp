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

TEST(Jwt, IssuerAndAudienceRoundTrip) {
  auto key = generate_jwk(KeyAlg::kHs256, "k");
  const auto payload_of = [](const std::string& token) {
    const auto first = token.find('.');
    const auto bytes =
        base64url_decode(std::string_view(token).substr(first + 1, token.rfind('.') - first - 1));
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
  };
  JwtClaims c;
  c.root = "demo";
  c.iss = "https://issuer.example";
  c.aud = std::vector<std::string>{"relay.example"};
  auto token = mint_jwt(c, *key);
  ASSERT_TRUE(token) << token.error().what;
  // One audience is a plain string (RFC 7519 §4.1.3), as most issuers write it.
  EXPECT_NE(payload_of(*token).find(R"("aud":"relay.example")"), std::string::npos) << payload_of(*token);
  EXPECT_NE(payload_of(*token).find(R"("iss":"https://issuer.example")"), std::string::npos)
      << payload_of(*token);
  auto d = decode_jwt(*token);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->claims.iss, "https://issuer.example");
  EXPECT_EQ(d->claims.aud, c.aud);
  EXPECT_EQ(jwt_grants(d->claims).issuer, "https://issuer.example");
  EXPECT_EQ(jwt_grants(d->claims).audiences, c.aud);

  c.aud = std::vector<std::string>{"relay.example", "cdn.example"};
  token = mint_jwt(c, *key);
  ASSERT_TRUE(token) << token.error().what;
  EXPECT_NE(payload_of(*token).find(R"("aud":["relay.example","cdn.example"])"), std::string::npos)
      << payload_of(*token);
  d = decode_jwt(*token);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->claims.aud, c.aud);

  // Neither claim: none written, none read back.
  c.iss.clear();
  c.aud.reset();
  token = mint_jwt(c, *key);
  ASSERT_TRUE(token) << token.error().what;
  EXPECT_EQ(payload_of(*token).find("iss"), std::string::npos) << payload_of(*token);
  EXPECT_EQ(payload_of(*token).find("aud"), std::string::npos) << payload_of(*token);
  d = decode_jwt(*token);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_TRUE(d->claims.iss.empty());
  EXPECT_FALSE(d->claims.aud);
  EXPECT_FALSE(jwt_grants(d->claims).audiences);
}

TEST(Jwt, IssuerAndAudienceOfTheWrongTypeAreMalformed) {
  const std::string header = base64url_encode(std::string_view(R"({"alg":"HS256"})"));
  // A verifier may be told which issuers and audiences it takes: a claim it cannot read must not
  // pass as "absent".
  for (const std::string_view payload :
       {R"({"iss":5})", R"({"iss":["issuer-a"]})", R"({"iss":true})", R"({"aud":5})",
        R"({"aud":["relay.example",5]})", R"({"aud":{"a":"b"}})", R"({"aud":[["relay.example"]]})",
        R"({"aud":null})"}) {
    auto d = decode_jwt(header + "." + base64url_encode(payload) + ".AAAA");
    ASSERT_FALSE(d) << payload;
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << payload;
    EXPECT_NE(d.error().what.find(payload.find("iss") != std::string_view::npos ? "iss" : "aud"),
              std::string::npos)
        << payload << ": " << d.error().what;
  }
  // Hand-written claims as other issuers send them.
  auto one =
      decode_jwt(header + "." + base64url_encode(std::string_view(R"({"iss":"a","aud":"r"})")) + ".AAAA");
  ASSERT_TRUE(one) << one.error().what;
  EXPECT_EQ(one->claims.iss, "a");
  EXPECT_EQ(one->claims.aud, std::vector<std::string>{"r"});
  auto several =
      decode_jwt(header + "." + base64url_encode(std::string_view(R"({"aud":["r","s"]})")) + ".AAAA");
  ASSERT_TRUE(several) << several.error().what;
  EXPECT_EQ(several->claims.aud, (std::vector<std::string>{"r", "s"}));
}

}  // namespace
TEST(Jwt, ASubjectThatIsNotAStringIsMalformed) {
  const std::string header = base64url_encode(std::string_view(R"({"alg":"HS256"})"));
  for (const std::string_view payload : {R"({"sub":5})", R"({"sub":["alice"]})", R"({"sub":null})"}) {
    auto d = decode_jwt(header + "." + base64url_encode(payload) + ".AAAA");
    ASSERT_FALSE(d) << payload;
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << payload;
    EXPECT_NE(d.error().what.find("sub"), std::string::npos) << payload << ": " << d.error().what;
  }
  auto named = decode_jwt(header + "." + base64url_encode(std::string_view(R"({"sub":"alice"})")) + ".AAAA");
  ASSERT_TRUE(named) << named.error().what;
  EXPECT_EQ(named->claims.sub, "alice");
}

}  // namespace kinetic::auth
