#include "kinetic/transport/webtransport/h3_frame.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::webtransport {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(H3Frame, FrameLayoutIsTypeLengthPayload) {
  Bytes out;
  const Bytes payload{0xde, 0xad};
  put_frame(out, frame::kData, payload);
  EXPECT_EQ(out, (Bytes{0x00, 0x02, 0xde, 0xad}));
}

TEST(H3Frame, GoawayCarriesAVarint) {
  Bytes out;
  put_goaway_frame(out, 0x1234);
  EXPECT_EQ(out, (Bytes{0x07, 0x02, 0x52, 0x34}));
}

TEST(H3Frame, WebTransportPreambles) {
  Bytes uni;
  put_webtransport_uni_preamble(uni, 4);
  EXPECT_EQ(uni, (Bytes{0x40, 0x54, 0x04}));  // 0x54 needs two bytes as a QUIC varint
  Bytes bidi;
  put_webtransport_bidi_preamble(bidi, 0);
  EXPECT_EQ(bidi, (Bytes{0x40, 0x41, 0x00}));
}

TEST(H3Frame, Http2OnlyTypesAreRecognised) {
  for (std::uint64_t t : {0x02u, 0x06u, 0x08u, 0x09u}) EXPECT_TRUE(is_http2_only_frame(t));
  for (std::uint64_t t : {frame::kData, frame::kHeaders, frame::kSettings, frame::kGoaway}) EXPECT_FALSE(is_http2_only_frame(t));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
