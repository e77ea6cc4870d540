#include "kinetic/auth/signature.hpp"

#include <gtest/gtest.h>

#include "kinetic/auth/base64url.hpp"

namespace kinetic::auth {
namespace {

std::vector<std::uint8_t> b64(std::string_view s) { return *base64url_decode(s); }

std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  return out;
}

TEST(Signature, SignAndVerifyEveryAlgorithm) {
  for (KeyAlg alg : {KeyAlg::kHs256, KeyAlg::kEs256, KeyAlg::kEdDsa}) {
    auto key = generate_jwk(alg, "k");
    ASSERT_TRUE(key);
    auto sig = sign(*key, "header.payload");
    ASSERT_TRUE(sig) << sig.error().what;
    EXPECT_EQ(sig->size(), alg == KeyAlg::kHs256 ? 32u : 64u);
    EXPECT_TRUE(verify(key->public_part(), "header.payload", *sig)) << jws_alg_name(alg);
    EXPECT_FALSE(verify(key->public_part(), "header.payloaD", *sig)) << jws_alg_name(alg);
    auto forged = *sig;
    forged[5] ^= 1;
    EXPECT_FALSE(verify(key->public_part(), "header.payload", forged)) << jws_alg_name(alg);
    auto other = generate_jwk(alg, "k2");
    EXPECT_FALSE(verify(other->public_part(), "header.payload", *sig)) << jws_alg_name(alg);
    EXPECT_FALSE(verify(key->public_part(), "header.payload", std::vector<std::uint8_t>{1, 2, 3}));
  }
}

TEST(Signature, PublicKeyCannotSign) {
  auto key = generate_jwk(KeyAlg::kEs256, "k");
  auto sig = sign(key->public_part(), "x");
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, TokenErrc::kUnknownKey);
}

// RFC 8037 §A.4: Ed25519 is deterministic, so the RFC's signature is reproduced exactly.
TEST(Signature, Rfc8037Ed25519Vector) {
  Jwk key;
  key.alg = KeyAlg::kEdDsa;
  key.d = b64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  key.x = b64("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const auto expected = b64("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  auto sig = sign(key, input);
  ASSERT_TRUE(sig) << sig.error().what;
  EXPECT_EQ(*sig, expected);
  EXPECT_TRUE(verify(key.public_part(), input, expected));
}

// draft-ietf-moq-c4m Appendix A "token_es256": an ES256 signature made elsewhere verifies here.
TEST(Signature, C4mEs256Vector) {
  Jwk key;
  key.alg = KeyAlg::kEs256;
  key.x = hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  key.y = hex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  const std::string input =
      "ogEmEGNDQVQ.pAF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQOBeB1odHRwczovL21vcS1yZWxheS5leGFtcGxlLmNvbQQaZVVCgAUaZVPxAA";
  const auto sig = b64("-jMV6d4GH9d9gUOUQormHaPXoh_f-xmAKwxXXFeAmOfNS2t1oWkN7tTCuq6ZS_xGLg2KIAbz6JeA80NXOClNeg");
  EXPECT_TRUE(verify(key, input, sig));
  EXPECT_FALSE(verify(key, input + "A", sig));
}

// Appendix A "token_hmac_minimal".
TEST(Signature, C4mHmacVector) {
  Jwk key;
  key.alg = KeyAlg::kHs256;
  key.secret = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const std::string input = "ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQOBeBlodHRwczovL3JlbGF5LmV4YW1wbGUuY29tBBplVUKA";
  EXPECT_EQ(base64url_encode(*sign(key, input)), "W17GD7Gj-B0YtejX7fRwLlUmEkje-ME81oCc9oZaaYY");
}

}  // namespace
}  // namespace kinetic::auth
