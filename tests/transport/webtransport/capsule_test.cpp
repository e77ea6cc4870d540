#include "kinetic/transport/webtransport/capsule.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Capsule, CloseSessionBytes) {
  Bytes out;
  put_close_session_capsule(out, 0x01020304, "bye");
  // Type 0x2843 as a two-byte varint (0x6843), length 7, code, reason.
  EXPECT_EQ(out, (Bytes{0x68, 0x43, 0x07, 0x01, 0x02, 0x03, 0x04, 'b', 'y', 'e'}));
  auto decoded = decode_close_session(std::span(out).subspan(3));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->code, 0x01020304u);
  EXPECT_EQ(decoded->reason, "bye");
}

TEST(Capsule, DrainSessionBytes) {
  Bytes out;
  put_drain_session_capsule(out);
  EXPECT_EQ(out, (Bytes{0x80, 0x00, 0x78, 0xae, 0x00}));
}

TEST(Capsule, LongReasonIsCutOnACharacterBoundary) {
  std::string reason(kMaxCloseReason - 1, 'a');
  reason += "\xc3\xa9tail";  // a two-byte character straddling the limit
  Bytes out;
  put_close_session_capsule(out, 7, reason);
  QuicReader r(out);
  ASSERT_EQ(*r.varint(), capsule::kCloseWebTransportSession);
  const auto len = *r.varint();
  auto decoded = decode_close_session(*r.bytes(static_cast<std::size_t>(len)));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->reason, std::string(kMaxCloseReason - 1, 'a'));
}

TEST(Capsule, MalformedCloseIsRejected) {
  EXPECT_FALSE(decode_close_session(Bytes{0, 0, 1}));
  Bytes too_long(4 + kMaxCloseReason + 1, 'x');
  EXPECT_FALSE(decode_close_session(too_long));
  EXPECT_TRUE(decode_close_session(Bytes{0, 0, 0, 0}));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
