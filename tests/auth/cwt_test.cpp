#include "kinetic/auth/cwt.hpp"

#include <gtest/gtest.h>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/signature.hpp"
#include "kinetic/auth/token_verifier.hpp"

namespace kinetic::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

CatClaims claims() {
  CatClaims c;
  c.iss = "https://issuer.example";
  c.exp = kNow + 60;
  Scope s;
  s.add(Action::kSubscribe);
  s.namespace_match = std::vector<Match>{{MatchType::kExact, "demo"}};
  c.moqt.push_back(s);
  return c;
}

std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

TEST(Cwt, MacAndSignaturesRoundTripAndVerify) {
  for (KeyAlg alg : {KeyAlg::kHs256, KeyAlg::kEs256, KeyAlg::kEdDsa}) {
    auto key = *generate_jwk(alg, std::string("cwt-") + jws_alg_name(alg));
    auto token = mint_cwt(claims(), key);
    ASSERT_TRUE(token) << token.error().what;
    // COSE_Mac0 is tag 17 (0xD1), COSE_Sign1 tag 18 (0xD2).
    EXPECT_EQ(token->front(), alg == KeyAlg::kHs256 ? 0xD1 : 0xD2);
    auto d = decode_cwt(*token);
    ASSERT_TRUE(d) << d.error().what;
    EXPECT_EQ(d->alg, alg);
    EXPECT_EQ(d->kid, key.kid);
    EXPECT_EQ(d->claims.iss, "https://issuer.example");
    EXPECT_EQ(d->claims.moqt, claims().moqt);
    EXPECT_TRUE(verify(key.public_part(), d->signing_input, d->signature));
    // The verifier takes it as bytes (SETUP's token value) and as base64url text (a URL).
    TokenVerifier verifier({key.public_part()});
    for (const std::string& form : {text(*token), base64url_encode(*token)}) {
      EXPECT_EQ(detect_format(form).value(), TokenFormat::kCwt);
      auto g = verifier.verify(form, kNow);
      ASSERT_TRUE(g) << g.error().what;
      EXPECT_TRUE(g->allows(Action::kSubscribe, {{"demo", "x"}}, std::string_view("video")));
      EXPECT_FALSE(g->allows(Action::kPublish, {{"demo", "x"}}, std::string_view("video")));
    }
    EXPECT_EQ(verifier.verify(text(*token), kNow + 60).error().code, TokenErrc::kExpired);
    // One flipped payload byte: the MAC / signature no longer verifies.
    auto tampered = *token;
    tampered[tampered.size() / 2] ^= 0x01;
    auto g = verifier.verify(text(tampered), kNow);
    ASSERT_FALSE(g);
  }
}

TEST(Cwt, WrappedInTheCwtTagAndUntagged) {
  auto key = *generate_jwk(KeyAlg::kHs256, "k");
  auto token = *mint_cwt(claims(), key);
  std::vector<std::uint8_t> tagged = {0xD8, 0x3D};  // tag 61
  tagged.insert(tagged.end(), token.begin(), token.end());
  ASSERT_TRUE(decode_cwt(tagged)) << decode_cwt(tagged).error().what;
  std::vector<std::uint8_t> untagged(token.begin() + 1, token.end());
  auto d = decode_cwt(untagged);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_TRUE(verify(key, d->signing_input, d->signature));
}

TEST(Cwt, RefusesWhatIsNotACoseMessage) {
  const std::vector<std::vector<std::uint8_t>> cases = {
      {},
      {0xD1, 0x80},                                      // Mac0 of an empty array
      {0xD1, 0x84, 0x40, 0xA0, 0x40},                    // three elements
      {0xD1, 0x84, 0x01, 0xA0, 0x40, 0x40},              // protected header not bytes
      {0xD1, 0x84, 0x43, 0xA1, 0x01, 0x05, 0xA0, 0x41, 0x00, 0x40},  // claims not CBOR map... (0x00)
      {0xD1, 0x84, 0x40, 0xA0, 0x41, 0xA0, 0x40},        // no alg anywhere
      {0xD2, 0x84, 0x43, 0xA1, 0x01, 0x05, 0xA0, 0x41, 0xA0, 0x40},  // Sign1 with an HMAC alg
  };
  for (const auto& c : cases) {
    auto d = decode_cwt(c);
    ASSERT_FALSE(d) << c.size();
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << d.error().what;
  }
  auto detached = decode_cwt(std::vector<std::uint8_t>{0xD1, 0x84, 0x43, 0xA1, 0x01, 0x05, 0xA0, 0xF6, 0x40});
  ASSERT_FALSE(detached);
  EXPECT_EQ(detached.error().code, TokenErrc::kUnsupported);
  auto encrypt = decode_cwt(std::vector<std::uint8_t>{0xD0, 0x83, 0x40, 0xA0, 0x40});  // COSE_Encrypt0
  ASSERT_FALSE(encrypt);
  EXPECT_EQ(encrypt.error().code, TokenErrc::kUnsupported);
}

}  // namespace
}  // namespace kinetic::auth
