#include "kinetic/auth/cat.hpp"

#include <gtest/gtest.h>

#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/signature.hpp"

namespace kinetic::auth {
namespace {

wire::TrackNamespace ns(std::vector<std::string> f) { return {std::move(f)}; }

// draft-ietf-moq-c4m Appendix A, "MOQT Authorization Scopes": each vector's token decodes and its
// authorization tests give the expected answers.
struct ScopeVector {
  const char* id;
  const char* token;
  struct Check {
    Action action;
    std::vector<std::string> ns;
    const char* track;
    bool expected;
  };
  std::vector<Check> checks;
};

const ScopeVector kVectors[] = {
    {"moqt_publisher_exact",
     "ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaZVVCgBkBR4GDggIGgktleGFtcGxlLmNvbUVhbGljZYIBRnZpZGVvLQ."
     "oAPD24Wu_zHnDcuM6a-ePeGvRJjbCa6U7iswdsKzFDk",
     {{Action::kPublishNamespace, {"example.com", "alice"}, "video-hd", true},
      {Action::kPublish, {"example.com", "alice"}, "video-sd", true},
      {Action::kPublish, {"example.com", "alice"}, "audio-main", false},
      {Action::kSubscribe, {"example.com", "alice"}, "video-hd", false},
      {Action::kPublish, {"example.com", "bob"}, "video-hd", false}}},
    {"moqt_subscriber_prefix",
     "ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaZVVCgBkBR4GCgwMEB4GCAVJjb25mZXJlbmNlLmV4YW1wbGU."
     "pfUPZultmyCm1GF2PvPXAYXzvK6d1D-OFNBLG1AwjDg",
     {{Action::kSubscribe, {"conference.example.room1"}, "audio", true},
      {Action::kFetch, {"conference.example.room2"}, "video", true},
      {Action::kSubscribe, {"other.domain"}, "audio", false},
      {Action::kPublish, {"conference.example.room1"}, "audio", false}}},
    {"moqt_multi_scope",
     "ogEjEGNDQVQ.pAF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaZVVCgBkBR4KCggIGgkxsaXZlLmV4YW1wbGVIc3R1ZGlvLWGCggQHgYIBTGxpdmUuZXhhbXBsZRkBSPlcsA."
     "byEzQmxc28UXFyFekHtgOtaVmWyIPl-63xNMOF0Q_IU",
     {{Action::kPublish, {"live.example", "studio-a"}, "cam1", true},
      {Action::kSubscribe, {"live.example.studio-b"}, "cam1", true},
      {Action::kPublish, {"live.example", "studio-b"}, "cam1", false},
      {Action::kPublishNamespace, {"other.example", "studio-a"}, "", false}}},
    {"moqt_admin_wildcard",
     "ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaZVVCgBkBR4GBiQABAgMEBQYHCA.XlNItz7OGqnNEbaqZ_bQh6TL-wV6SDr8hXyOLmtQkj4",
     {{Action::kClientSetup, {"any.namespace"}, "any-track", true},
      {Action::kPublish, {"any.namespace"}, "any-track", true},
      {Action::kTrackStatus, {"any.namespace"}, "status", true}}},
    {"moqt_suffix_match",
     "ogEjEGNDQVQ.owF4GGh0dHBzOi8vYXV0aC5leGFtcGxlLmNvbQQaZVVCgBkBR4GDgQSBggJMLmV4YW1wbGUuY29tggJGLWF1ZGlv."
     "-eGYTPe_n1PeC0sgHdWCqgnKRHGYF-T89WTk269liBg",
     {{Action::kSubscribe, {"cdn.example.com"}, "stream1-audio", true},
      {Action::kSubscribe, {"cdn.example.com"}, "stream1-video", false},
      {Action::kSubscribe, {"cdn.other.org"}, "stream1-audio", false}}},
};

Jwk vector_key() {
  Jwk key;
  key.alg = KeyAlg::kHs256;
  for (int i = 0; i < 32; ++i) key.secret.push_back(static_cast<std::uint8_t>(i));
  return key;
}

TEST(Cat, DraftScopeVectors) {
  const Jwk key = vector_key();
  for (const auto& v : kVectors) {
    auto d = decode_cat(v.token);
    ASSERT_TRUE(d) << v.id << ": " << d.error().what;
    EXPECT_EQ(d->alg, KeyAlg::kHs256);
    EXPECT_EQ(d->claims.iss, "https://auth.example.com") << v.id;
    EXPECT_EQ(d->claims.exp, 1700086400) << v.id;
    EXPECT_TRUE(verify(key, d->signing_input, d->signature)) << v.id;
    const Grants g = cat_grants(d->claims);
    for (const auto& c : v.checks) {
      EXPECT_EQ(g.allows(c.action, ns(c.ns), std::string_view(c.track)), c.expected)
          << v.id << ": " << action_name(c.action) << " " << c.ns.front() << " " << c.track;
    }
  }
}

TEST(Cat, MoqtRevalFloatIsRead) {
  auto d = decode_cat(kVectors[2].token);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->claims.reval, 300.0);
}

TEST(Cat, MintedTokenRoundTrips) {
  auto key = generate_jwk(KeyAlg::kHs256, "cat-1");
  CatClaims c;
  c.sub = "viewer";
  c.exp = 2000000000;
  Scope s;
  s.add(Action::kSubscribe);
  s.add(Action::kFetch);
  s.namespace_match = std::vector<Match>{{MatchType::kExact, "demo"}, {MatchType::kPrefix, "room-"}};
  s.exact_length = true;
  s.track_match = Match{MatchType::kSuffix, "-audio"};
  c.moqt.push_back(s);
  Scope any;
  any.add(Action::kTrackStatus);
  c.moqt.push_back(any);
  auto token = mint_cat(c, *key);
  ASSERT_TRUE(token) << token.error().what;
  auto d = decode_cat(*token);
  ASSERT_TRUE(d) << d.error().what;
  EXPECT_EQ(d->kid, "cat-1");
  EXPECT_EQ(d->claims.sub, "viewer");
  EXPECT_EQ(d->claims.exp, 2000000000);
  ASSERT_EQ(d->claims.moqt.size(), 2u);
  EXPECT_EQ(d->claims.moqt[0], s);
  EXPECT_EQ(d->claims.moqt[1], any);
  EXPECT_TRUE(verify(*key, d->signing_input, d->signature));
}

TEST(Cat, ClaimsItCannotEnforceMakeTheTokenUnsupported) {
  // Appendix A "token_hmac_full" carries catnip (311) and catu (312).
  auto d = decode_cat(
      "ogEjEGNDQVQ.qgF4Gmh0dHBzOi8vaXNzdWVyLm1vcS5leGFtcGxlAnZ1c2VyOmFsaWNlQGV4YW1wbGUuY29tA4J4Gmh0dHBzOi8vcmVsYXkx"
      "LmV4YW1wbGUuY29teBpodHRwczovL3JlbGF5Mi5leGFtcGxlLmNvbQQaZVVCgAUaZVPxAAYaZVPxAAdKdmVjdG9yLTAwMhkBNmZDQVQtdjEZAT"
      "eBbDIwMy4wLjExMy41MBkBOAo.AqpYox40q1P6s8dVtHzwj0WKNgPaTZM9fAsc5GFPRNo");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, TokenErrc::kUnsupported);
  EXPECT_NE(d.error().what.find("311"), std::string::npos);
}

TEST(Cat, MalformedTokensAreRefused) {
  const std::string header = "ogEjEGNDQVQ";  // {1: -4, 16: "CAT"}
  auto cbor = [](std::initializer_list<std::uint8_t> b) { return base64url_encode(std::vector<std::uint8_t>(b)); };
  const std::string cases[] = {
      header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x80}) + ".AAAA",             // moqt: []
      header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x81, 0x81, 0x80}) + ".AAAA",  // scope with no actions
      header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x81, 0x82, 0x81, 0x04, 0x82, 0xf6, 0x41, 0x61}) + ".AAAA",  // nil first
      header + "." + cbor({0xa1, 0x04, 0x61, 0x61}) + ".AAAA",                   // exp is text
      header + "." + cbor({0xa1, 0x04}) + ".AAAA",                               // truncated
      header + "." + cbor({0xa0, 0x00}) + ".AAAA",                               // trailing byte
      cbor({0x80}) + "." + cbor({0xa0}) + ".AAAA",                               // header not a map
      cbor({0xa0}) + "." + cbor({0xa0}) + ".AAAA",                               // no alg
      header + "." + cbor({0xa0}),
  };
  for (const auto& t : cases) {
    auto d = decode_cat(t);
    ASSERT_FALSE(d) << t;
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << t << ": " << d.error().what;
  }
  // Found by fuzz_cat: a float where nil may stand (libcbor asserts on it unless checked), a
  // claim given twice, and a header declaring 2^35 elements (libcbor would allocate them).
  const std::string regressions[] = {
      header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x81, 0x82, 0x81, 0x04, 0x81, 0xfa, 0, 0, 0, 0}) + ".AAAA",
      header + "." + cbor({0xa2, 0x04, 0x01, 0x04, 0x02}) + ".AAAA",
      header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x9b, 0, 0, 0, 8, 0, 0, 0, 0}) + ".AAAA",
  };
  for (const auto& t : regressions) {
    auto d = decode_cat(t);
    ASSERT_FALSE(d) << t;
    EXPECT_EQ(d.error().code, TokenErrc::kMalformed) << t << ": " << d.error().what;
  }
  // A scope of unknown action numbers only grants nothing (and is dropped).
  auto unknown = decode_cat(header + "." + cbor({0xa1, 0x19, 0x01, 0x47, 0x81, 0x81, 0x81, 0x0c}) + ".AAAA");
  ASSERT_TRUE(unknown) << unknown.error().what;
  EXPECT_TRUE(unknown->claims.moqt.empty());
  auto rsa = decode_cat(cbor({0xa1, 0x01, 0x38, 0x24}) + "." + cbor({0xa0}) + ".AAAA");  // alg -37 (PS256)
  ASSERT_FALSE(rsa);
  EXPECT_EQ(rsa.error().code, TokenErrc::kUnsupported);
}

}  // namespace
}  // namespace kinetic::auth
