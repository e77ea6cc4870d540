#include "kinetic/auth/cat_cbor.hpp"

#include <gtest/gtest.h>

namespace kinetic::auth {
namespace {

TEST(CatCbor, HeaderBothWays) {
  const auto bytes = encode_cose_header(-4, "", true);
  // The draft's vectors: {1: -4, 16: "CAT"}.
  EXPECT_EQ(bytes, (std::vector<std::uint8_t>{0xa2, 0x01, 0x23, 0x10, 0x63, 'C', 'A', 'T'}));
  auto h = parse_cose_header(encode_cose_header(-7, "key-1", false));
  ASSERT_TRUE(h) << h.error().what;
  EXPECT_EQ(h->alg, -7);
  EXPECT_EQ(h->kid, "key-1");
  auto empty = parse_cose_header({});
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->alg);
  auto crit = parse_cose_header(std::vector<std::uint8_t>{0xa1, 0x02, 0x81, 0x01});
  ASSERT_FALSE(crit);
  EXPECT_EQ(crit.error().code, TokenErrc::kUnsupported);
  EXPECT_FALSE(parse_cose_header(std::vector<std::uint8_t>{0x80}));
}

TEST(CatCbor, ClaimsBothWays) {
  CatClaims c;
  c.iss = "i";
  c.sub = "s";
  c.exp = 4'000'000'000;  // needs 32 bits
  c.nbf = 1;
  c.iat = 70'000;
  c.reval = 300;
  Scope s;
  s.add(Action::kTrackStatus);
  s.track_match = Match{MatchType::kPrefix, "v"};
  c.moqt.push_back(s);
  auto back = parse_cat_claims(encode_cat_claims(c));
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->iss, "i");
  EXPECT_EQ(back->sub, "s");
  EXPECT_EQ(back->exp, c.exp);
  EXPECT_EQ(back->nbf, 1);
  EXPECT_EQ(back->iat, 70'000);
  EXPECT_EQ(back->reval, 300.0);
  EXPECT_EQ(back->moqt, c.moqt);
  EXPECT_EQ(cose_alg_for(KeyAlg::kHs256, true), -4);
  EXPECT_EQ(cose_alg_for(KeyAlg::kHs256, false), 5);
  EXPECT_EQ(key_alg_from_cose(5), KeyAlg::kHs256);
  EXPECT_FALSE(key_alg_from_cose(-35));
}

TEST(CatCbor, UnknownClaimsAreRefused) {
  // {311 (catnip): []}
  auto r = parse_cat_claims(std::vector<std::uint8_t>{0xa1, 0x19, 0x01, 0x37, 0x80});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TokenErrc::kUnsupported);
  auto empty = parse_cat_claims(std::vector<std::uint8_t>{0xa0});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->moqt.empty());
}

TEST(CatCbor, AudienceIsATextStringOrAnArrayOfThem) {
  CatClaims c;
  c.aud = std::vector<std::string>{"r"};
  // One audience: {3: "r"}, RFC 8392's StringOrURI.
  EXPECT_EQ(encode_cat_claims(c), (std::vector<std::uint8_t>{0xa1, 0x03, 0x61, 'r'}));
  auto back = parse_cat_claims(encode_cat_claims(c));
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->aud, c.aud);
  // Several: {3: ["r", "s"]}.
  c.aud = std::vector<std::string>{"r", "s"};
  EXPECT_EQ(encode_cat_claims(c), (std::vector<std::uint8_t>{0xa1, 0x03, 0x82, 0x61, 'r', 0x61, 's'}));
  back = parse_cat_claims(encode_cat_claims(c));
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->aud, c.aud);
  // With the other claims around it.
  c.iss = "i";
  c.sub = "s";
  c.exp = 10;
  back = parse_cat_claims(encode_cat_claims(c));
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->aud, c.aud);
  EXPECT_EQ(back->iss, "i");
  EXPECT_EQ(back->exp, 10);
  // None: none written, none read back.
  EXPECT_EQ(encode_cat_claims({}), (std::vector<std::uint8_t>{0xa0}));
  auto none = parse_cat_claims(std::vector<std::uint8_t>{0xa0});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->aud);
}

TEST(CatCbor, AudienceOfAnotherTypeIsMalformed) {
  const std::vector<std::uint8_t> cases[] = {
      {0xa1, 0x03, 0x05},                   // {3: 5}
      {0xa1, 0x03, 0x41, 'r'},              // {3: h'72'}: a byte string, not text
      {0xa1, 0x03, 0x82, 0x61, 'r', 0x05},  // {3: ["r", 5]}
      {0xa1, 0x03, 0xa1, 0x61, 'r', 0x01},  // {3: {"r": 1}}
  };
  for (const auto& bytes : cases) {
    auto r = parse_cat_claims(bytes);
    ASSERT_FALSE(r) << bytes.size();
    EXPECT_EQ(r.error().code, TokenErrc::kMalformed) << r.error().what;
    EXPECT_NE(r.error().what.find("aud"), std::string::npos) << r.error().what;
  }
}

}  // namespace
}  // namespace kinetic::auth
