#include "kinetic/transport/webtransport/qpack.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::webtransport {
namespace {

using Bytes = std::vector<std::uint8_t>;

// RFC 9204 Appendix B.1: ":path: /index.html" as a literal with a static name reference.
TEST(Qpack, DecodesRfc9204StaticExample) {
  const Bytes block{0x00, 0x00, 0x51, 0x0b, 0x2f, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x2e, 0x68, 0x74, 0x6d, 0x6c};
  QpackDecoder decoder(16384);
  HeaderList headers;
  ASSERT_FALSE(decoder.decode(0, block, headers));
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, ":path");
  EXPECT_EQ(headers[0].second, "/index.html");
}

TEST(Qpack, ExtendedConnectRoundTrips) {
  const HeaderList request{{":method", "CONNECT"},
                           {":protocol", "webtransport"},
                           {":scheme", "https"},
                           {":authority", "127.0.0.1:4443"},
                           {":path", "/moq"},
                           {"wt-available-protocols", "\"moqt-20\", \"moqt-18\""}};
  QpackEncoder encoder;
  Bytes block;
  ASSERT_FALSE(encoder.encode(0, request, block));
  QpackDecoder decoder(16384);
  HeaderList out;
  ASSERT_FALSE(decoder.decode(0, block, out));
  EXPECT_EQ(out, request);
  EXPECT_TRUE(decoder.take_decoder_stream().empty());  // static-only: nothing to acknowledge
}

TEST(Qpack, DynamicTableReferencesAreRefused) {
  // Required Insert Count 1 names a dynamic entry we never allowed (capacity 0).
  const Bytes block{0x02, 0x00, 0x80};
  QpackDecoder decoder(16384);
  HeaderList out;
  auto err = decoder.decode(0, block, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, h3::kQpackDecompressionFailed);
}

TEST(Qpack, GarbageAndOversizeFailCleanly) {
  QpackDecoder decoder(64);
  HeaderList out;
  EXPECT_TRUE(decoder.decode(0, Bytes{0x00}, out));
  EXPECT_TRUE(decoder.decode(4, Bytes{0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff}, out));
  QpackEncoder encoder;
  Bytes block;
  ASSERT_FALSE(encoder.encode(8, {{"x-long", std::string(200, 'v')}}, block));
  // A failed decoder is spent (decompression failure ends the connection), so use a new one.
  QpackDecoder small(64);
  out.clear();
  auto err = small.decode(8, block, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, h3::kExcessiveLoad);
  // An encoder stream that tries to insert into a zero-capacity table is an error.
  QpackDecoder fresh(64);
  EXPECT_TRUE(fresh.on_encoder_stream(Bytes{0x3f, 0xe1, 0x1f}));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
