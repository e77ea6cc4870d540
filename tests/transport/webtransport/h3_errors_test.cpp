#include "kinetic/transport/webtransport/h3_errors.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::webtransport {
namespace {

TEST(H3Errors, WebTransportCodeMappingSkipsReservedCodepoints) {
  EXPECT_EQ(webtransport_to_http3_code(0), 0x52e4a40fa8dbu);
  EXPECT_EQ(webtransport_to_http3_code(0x1d), 0x52e4a40fa8dbu + 0x1d);
  // 0x52e4a40fa8f9 is a reserved 0x1f * N + 0x21 codepoint, so code 0x1e lands one after it.
  EXPECT_EQ(webtransport_to_http3_code(0x1e), 0x52e4a40fa8fau);
  EXPECT_EQ(webtransport_to_http3_code(0xffffffffu), h3::kWtApplicationErrorLast);
  EXPECT_FALSE(http3_to_webtransport_code(0x52e4a40fa8f9u));
}

TEST(H3Errors, MappingRoundTrips) {
  for (std::uint64_t c = 0; c < 5000; c += 7) {
    const auto code = static_cast<std::uint32_t>(c);
    auto back = http3_to_webtransport_code(webtransport_to_http3_code(code));
    ASSERT_TRUE(back) << c;
    EXPECT_EQ(*back, code);
  }
  auto top = http3_to_webtransport_code(webtransport_to_http3_code(0xfffffff0u));
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, 0xfffffff0u);
}

TEST(H3Errors, OutsideTheRangeIsNotAWebTransportCode) {
  EXPECT_FALSE(http3_to_webtransport_code(h3::kNoError));
  EXPECT_FALSE(http3_to_webtransport_code(h3::kWtSessionGone));
  EXPECT_FALSE(http3_to_webtransport_code(h3::kWtApplicationErrorLast + 1));
  EXPECT_FALSE(http3_to_webtransport_code(h3::kWtApplicationErrorFirst - 1));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
