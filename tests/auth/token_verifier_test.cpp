#include "kinetic/auth/token_verifier.hpp"

#include <gtest/gtest.h>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/cat.hpp"
#include "kinetic/auth/cwt.hpp"
#include "kinetic/auth/jwt.hpp"

namespace kinetic::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

wire::TrackNamespace ns(std::vector<std::string> f) { return {std::move(f)}; }

struct Keys {
  Jwk hs = *generate_jwk(KeyAlg::kHs256, "hs");
  Jwk es = *generate_jwk(KeyAlg::kEs256, "es");
  Jwk ed = *generate_jwk(KeyAlg::kEdDsa, "ed");
  TokenVerifier verifier{{hs, es.public_part(), ed.public_part()}};
};

JwtClaims publisher(std::optional<std::int64_t> exp = kNow + 60) {
  JwtClaims c;
  c.root = "demo";
  c.publish = std::vector<std::string>{"alice"};
  c.exp = exp;
  return c;
}

using Names = std::optional<std::vector<std::string>>;

struct FormatToken {
  const char* format;
  std::string token;
};

// The same grant, carrying `iss` (empty: none) and `aud`, as a JWT (ES256), a compact CAT (HS256)
// and a COSE CWT (EdDSA), each signed with `k`'s key of that algorithm.
std::vector<FormatToken> every_format(const Keys& k, const std::string& iss, const Names& aud,
                                      std::int64_t exp = kNow + 60) {
  JwtClaims jwt = publisher(exp);
  jwt.iss = iss;
  jwt.aud = aud;
  CatClaims cat;
  cat.iss = iss;
  cat.aud = aud;
  cat.exp = exp;
  Scope s;
  s.add(Action::kSubscribe);
  s.namespace_match = std::vector<Match>{{MatchType::kExact, "demo"}};
  cat.moqt.push_back(s);
  const auto cwt = *mint_cwt(cat, k.ed);
  return {{"JWT", *mint_jwt(jwt, k.es)},
          {"CAT", *mint_cat(cat, k.hs)},
          {"CWT", std::string(cwt.begin(), cwt.end())}};
}

TokenVerifier verifier_with(const Keys& k, TokenPolicy policy) {
  return TokenVerifier({k.hs, k.es.public_part(), k.ed.public_part()}, std::move(policy));
}

TEST(TokenVerifier, EveryAlgorithmVerifiesAndGrants) {
  Keys k;
  for (const Jwk* key : {&k.hs, &k.es, &k.ed}) {
    auto token = mint_jwt(publisher(), *key);
    ASSERT_TRUE(token);
    auto g = k.verifier.verify(*token, kNow);
    ASSERT_TRUE(g) << jws_alg_name(key->alg) << ": " << g.error().what;
    EXPECT_EQ(g->key_id, key->kid);
    EXPECT_TRUE(g->allows(Action::kPublish, ns({"demo", "alice"}), "video"));
    EXPECT_FALSE(g->allows(Action::kPublish, ns({"demo", "bob"}), "video"));
  }
  CatClaims cat;
  Scope s;
  s.add(Action::kSubscribe);
  s.namespace_match = std::vector<Match>{{MatchType::kExact, "demo"}};
  cat.moqt.push_back(s);
  auto token = mint_cat(cat, k.hs);
  auto g = k.verifier.verify(*token, kNow);
  ASSERT_TRUE(g) << g.error().what;
  EXPECT_TRUE(g->allows(Action::kSubscribe, ns({"demo", "x"}), "video"));
  EXPECT_FALSE(g->allows(Action::kFetch, ns({"demo", "x"}), "video"));
}

TEST(TokenVerifier, ForgedSignatureIsRefused) {
  Keys k;
  for (const Jwk* key : {&k.hs, &k.es, &k.ed}) {
    auto token = *mint_jwt(publisher(), *key);
    // Rewrite the claims (publish anywhere) and keep the old signature.
    JwtClaims wider = publisher();
    wider.publish = std::vector<std::string>{""};
    auto other = *mint_jwt(wider, *key);
    const std::string forged = other.substr(0, other.rfind('.')) + token.substr(token.rfind('.'));
    auto g = k.verifier.verify(forged, kNow);
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, TokenErrc::kBadSignature) << jws_alg_name(key->alg);
  }
  // Signed by a key with the same id that the relay does not have.
  auto stranger = *generate_jwk(KeyAlg::kHs256, "hs");
  auto g = k.verifier.verify(*mint_jwt(publisher(), stranger), kNow);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kBadSignature);
}

TEST(TokenVerifier, WrongKeyIdAndWrongAlgorithmAreRefused) {
  Keys k;
  auto unknown = *generate_jwk(KeyAlg::kEs256, "nobody");
  auto g = k.verifier.verify(*mint_jwt(publisher(), unknown), kNow);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kUnknownKey);
  EXPECT_NE(g.error().what.find("nobody"), std::string::npos);
  // An HS256 token naming the ES256 key's id (the classic key-confusion attack).
  Jwk confused = k.hs;
  confused.kid = "es";
  g = k.verifier.verify(*mint_jwt(publisher(), confused), kNow);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kWrongAlgorithm);
  // alg "none".
  const std::string none = base64url_encode(std::string_view(R"({"alg":"none"})")) + "." +
                           base64url_encode(std::string_view(R"({"root":"","put":""})")) + ".";
  g = k.verifier.verify(none, kNow);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kUnsupported);
}

TEST(TokenVerifier, ExpiryAndNotBefore) {
  Keys k;
  auto token = *mint_jwt(publisher(kNow + 60), k.es);
  EXPECT_TRUE(k.verifier.verify(token, kNow + 59));
  auto g = k.verifier.verify(token, kNow + 60);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kExpired);
  JwtClaims later = publisher();
  later.nbf = kNow + 10;
  g = k.verifier.verify(*mint_jwt(later, k.es), kNow);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kNotYetValid);
  // The draft's vector "invalid_expired" (HMAC key 00..1f).
  Jwk vector_key;
  for (int i = 0; i < 32; ++i) vector_key.secret.push_back(static_cast<std::uint8_t>(i));
  TokenVerifier draft({vector_key});
  g = draft.verify("ogEjEGNDQVQ.ogF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaX14QAA.lq8nGBiZm80yUwl1kH_Tv2prKu_nV20JvxVJW8ZGkho",
                   1700000000);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kExpired);
  // "invalid_tampered_signature".
  g = draft.verify("ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQOBeBlodHRwczovL3JlbGF5LmV4YW1wbGUuY29tBBplVUKA."
                   "pF7GD7Gj-B0YtejX7fRwLlUmEkje-ME81oCc9oZaaYY",
                   1700003600);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, TokenErrc::kBadSignature);
}

TEST(TokenVerifier, SiblingNamespaceIsNotGranted) {
  Keys k;
  auto g = k.verifier.verify(*mint_jwt(publisher(), k.ed), kNow);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->allows(Action::kPublishNamespace, ns({"demo", "alice"})));
  EXPECT_FALSE(g->allows(Action::kPublishNamespace, ns({"demo", "alice2"})));
  EXPECT_FALSE(g->allows(Action::kPublishNamespace, ns({"demo", "bob"})));
  EXPECT_FALSE(g->allows(Action::kPublishNamespace, ns({"demo"})));
}

TEST(TokenVerifier, BadInputGetsAClearErrorNeverACrash) {
  Keys k;
  const std::pair<std::string, TokenErrc> cases[] = {
      {"", TokenErrc::kMalformed},
      {"hello", TokenErrc::kMalformed},
      {".x.y", TokenErrc::kMalformed},
      {"AAAA.BBBB.CCCC", TokenErrc::kMalformed},
      {std::string(kMaxTokenBytes + 1, 'e'), TokenErrc::kTooLarge},
      {"eyJ.e30.AA", TokenErrc::kMalformed},
  };
  for (const auto& [token, code] : cases) {
    auto g = k.verifier.verify(token, kNow);
    ASSERT_FALSE(g) << token.substr(0, 40);
    EXPECT_EQ(g.error().code, code) << token.substr(0, 40) << ": " << g.error().what;
    EXPECT_FALSE(g.error().what.empty());
  }
  EXPECT_EQ(detect_format(*mint_jwt(publisher(), k.hs)).value(), TokenFormat::kJwt);
  EXPECT_EQ(detect_format(*mint_cat({}, k.hs)).value(), TokenFormat::kCat);
}

TEST(TokenVerifier, WithNoAudienceConfiguredATokenWithAudIsRefused) {
  Keys k;
  for (const auto& [format, token] : every_format(k, "", std::nullopt)) {
    auto g = k.verifier.verify(token, kNow);
    ASSERT_TRUE(g) << format << ": " << g.error().what;
    EXPECT_FALSE(g->audiences) << format;
    EXPECT_TRUE(g->issuer.empty()) << format;
  }
  // Minted for some other service: RFC 7519 §4.1.3 says reject it.
  for (const auto& [format, token] : every_format(k, "", Names{{"relay.example"}})) {
    auto g = k.verifier.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kWrongAudience) << format << ": " << g.error().what;
    EXPECT_NE(g.error().what.find("relay.example"), std::string::npos) << format << ": " << g.error().what;
  }
}

TEST(TokenVerifier, ConfiguredAudienceMustBeNamedInAud) {
  Keys k;
  const TokenVerifier relay = verifier_with(k, {{}, {"relay.example"}});
  EXPECT_EQ(relay.policy().audiences, (std::vector<std::string>{"relay.example"}));
  for (const auto& [format, token] : every_format(k, "", Names{{"relay.example"}})) {
    auto g = relay.verify(token, kNow);
    ASSERT_TRUE(g) << format << ": " << g.error().what;
    EXPECT_EQ(g->audiences, Names{{"relay.example"}}) << format;
  }
  // One name among several is enough.
  for (const auto& [format, token] : every_format(k, "", Names{{"other", "relay.example"}})) {
    auto g = relay.verify(token, kNow);
    ASSERT_TRUE(g) << format << ": " << g.error().what;
    EXPECT_EQ(g->audiences, (Names{{"other", "relay.example"}})) << format;
  }
  for (const auto& [format, token] : every_format(k, "", Names{{"other"}})) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kWrongAudience) << format << ": " << g.error().what;
  }
  // With an audience configured, a token without aud is not for this relay either.
  for (const auto& [format, token] : every_format(k, "", std::nullopt)) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kWrongAudience) << format << ": " << g.error().what;
  }
}

TEST(TokenVerifier, ConfiguredIssuersMustMatchIss) {
  Keys k;
  const TokenVerifier relay = verifier_with(k, {{"issuer-a"}, {}});
  for (const auto& [format, token] : every_format(k, "issuer-a", std::nullopt)) {
    auto g = relay.verify(token, kNow);
    ASSERT_TRUE(g) << format << ": " << g.error().what;
    EXPECT_EQ(g->issuer, "issuer-a") << format;
  }
  for (const auto& [format, token] : every_format(k, "issuer-b", std::nullopt)) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kWrongIssuer) << format << ": " << g.error().what;
    EXPECT_NE(g.error().what.find("issuer-b"), std::string::npos) << format << ": " << g.error().what;
  }
  for (const auto& [format, token] : every_format(k, "", std::nullopt)) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kWrongIssuer) << format << ": " << g.error().what;
  }
  // Without issuers configured, any iss is taken and passed on.
  for (const auto& [format, token] : every_format(k, "issuer-b", std::nullopt)) {
    auto g = k.verifier.verify(token, kNow);
    ASSERT_TRUE(g) << format << ": " << g.error().what;
    EXPECT_EQ(g->issuer, "issuer-b") << format;
  }
}

// A forgery must read as one, not as a token the policy merely dislikes: the signature comes
// first, then exp / nbf, then iss / aud.
TEST(TokenVerifier, SignatureAndExpiryAreCheckedBeforeThePolicy) {
  Keys k;
  const TokenVerifier relay = verifier_with(k, {{"issuer-a"}, {"relay.example"}});
  // Signed by keys with the same ids and algorithms that the relay does not have.
  Keys stranger;
  for (const auto& [format, token] : every_format(stranger, "issuer-b", Names{{"other"}})) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kBadSignature) << format << ": " << g.error().what;
  }
  // The claims rewritten to suit the policy, the old signature kept.
  const auto wrong = every_format(k, "issuer-b", Names{{"other"}});
  const auto right = every_format(k, "issuer-a", Names{{"relay.example"}});
  for (std::size_t i = 0; i < 2; ++i) {  // the dot-separated forms
    const std::string& good = right[i].token;
    const std::string& bad = wrong[i].token;
    const std::string forged = good.substr(0, good.rfind('.')) + bad.substr(bad.rfind('.'));
    auto g = relay.verify(forged, kNow);
    ASSERT_FALSE(g) << right[i].format;
    EXPECT_EQ(g.error().code, TokenErrc::kBadSignature) << right[i].format << ": " << g.error().what;
    EXPECT_TRUE(relay.verify(good, kNow)) << right[i].format;
  }
  for (const auto& [format, token] : every_format(k, "issuer-b", Names{{"other"}}, kNow - 1)) {
    auto g = relay.verify(token, kNow);
    ASSERT_FALSE(g) << format;
    EXPECT_EQ(g.error().code, TokenErrc::kExpired) << format << ": " << g.error().what;
  }
}

}  // namespace
}  // namespace kinetic::auth
