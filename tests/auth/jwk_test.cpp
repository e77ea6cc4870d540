#include "kinetic/auth/jwk.hpp"

#include <gtest/gtest.h>

namespace kinetic::auth {
namespace {

TEST(Jwk, GeneratedKeysRoundTripThroughJson) {
  for (KeyAlg alg : {KeyAlg::kHs256, KeyAlg::kEs256, KeyAlg::kEdDsa}) {
    auto key = generate_jwk(alg, std::string("k-") + jws_alg_name(alg));
    ASSERT_TRUE(key) << key.error().what;
    EXPECT_TRUE(key->can_sign());
    auto parsed = parse_jwks(jwk_to_json(*key, true));
    ASSERT_TRUE(parsed) << parsed.error().what;
    ASSERT_EQ(parsed->size(), 1u);
    const Jwk& back = parsed->front();
    EXPECT_EQ(back.kid, key->kid);
    EXPECT_EQ(back.alg, alg);
    EXPECT_EQ(back.secret, key->secret);
    EXPECT_EQ(back.x, key->x);
    EXPECT_EQ(back.y, key->y);
    EXPECT_EQ(back.d, key->d);
    // The public form has no private scalar (an HMAC key has no public form).
    auto pub = parse_jwks(jwk_to_json(key->public_part(), false));
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->front().can_sign(), alg == KeyAlg::kHs256);
  }
}

TEST(Jwk, KeySetAndRfc8037Key) {
  auto keys = parse_jwks(R"({"keys": [
      {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
      {"kty":"oct","kid":"h","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","alg":"HS256"}]})");
  ASSERT_TRUE(keys) << keys.error().what;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].alg, KeyAlg::kEdDsa);
  EXPECT_FALSE((*keys)[0].can_sign());
  EXPECT_EQ((*keys)[1].secret.size(), 32u);
}

TEST(Jwk, RefusesKeysItCannotUseWithAReason) {
  const std::pair<const char*, TokenErrc> cases[] = {
      {"not json", TokenErrc::kMalformed},
      {R"({"kty":"oct","k":"AAEC"})", TokenErrc::kMalformed},  // 3-byte HMAC key
      {R"({"kty":"RSA","n":"AQAB"})", TokenErrc::kUnsupported},
      {R"({"kty":"EC","crv":"P-384","x":"AA","y":"AA"})", TokenErrc::kUnsupported},
      {R"({"kty":"EC","crv":"P-256","x":"AAEC","y":"AAEC"})", TokenErrc::kMalformed},
      {R"({"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
       TokenErrc::kUnsupported},
      {R"({"keys": []})", TokenErrc::kMalformed},
  };
  for (auto [json, code] : cases) {
    auto r = parse_jwks(json);
    ASSERT_FALSE(r) << json;
    EXPECT_EQ(r.error().code, code) << json << ": " << r.error().what;
    EXPECT_FALSE(r.error().what.empty());
  }
}

}  // namespace
}  // namespace kinetic::auth
