#include "kinetic/auth/base64url.hpp"

#include <gtest/gtest.h>

namespace kinetic::auth {
namespace {

std::string text(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

TEST(Base64url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(std::string_view(plain)), encoded);
    auto back = base64url_decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(text(*back), plain);
  }
}

TEST(Base64url, UrlAlphabetStandardAlphabetAndPadding) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(text(*base64url_decode("-_-_")), bytes);
  EXPECT_EQ(text(*base64url_decode("+/+/")), bytes);
  EXPECT_EQ(text(*base64url_decode("Zm8=")), "fo");
}

TEST(Base64url, RefusesWhatIsNotBase64) {
  EXPECT_FALSE(base64url_decode("Zm9v!"));
  EXPECT_FALSE(base64url_decode("Z"));     // a lone sixth of a byte
  EXPECT_FALSE(base64url_decode("Zm9=v"));  // padding inside
  EXPECT_FALSE(base64url_decode("Zh"));     // non-zero leftover bits
}

}  // namespace
}  // namespace kinetic::auth
