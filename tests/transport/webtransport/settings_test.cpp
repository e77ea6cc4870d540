#include "kinetic/transport/webtransport/settings.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes payload_of(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> kv) {
  Bytes out;
  for (auto [k, v] : kv) {
    put_quic_varint(out, k);
    put_quic_varint(out, v);
  }
  return out;
}

TEST(Settings, FrameBytes) {
  Settings s;
  s.set(setting::kEnableConnectProtocol, 1);
  s.set(setting::kH3Datagram, 1);
  Bytes out;
  put_settings_frame(out, s);
  EXPECT_EQ(out, (Bytes{0x04, 0x04, 0x08, 0x01, 0x33, 0x01}));
}

TEST(Settings, LocalSettingsRoundTripAndAnnounceWebTransport) {
  const Settings s = local_settings(16384, 4);
  Bytes frame;
  put_settings_frame(frame, s);
  // Skip the frame type and length to get the payload back.
  QuicReader r(frame);
  ASSERT_EQ(*r.varint(), 0x04u);
  const auto len = *r.varint();
  auto decoded = decode_settings(*r.bytes(static_cast<std::size_t>(len)));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->values, s.values);
  EXPECT_TRUE(decoded->extended_connect());
  EXPECT_TRUE(decoded->h3_datagram());
  EXPECT_TRUE(decoded->webtransport());
  EXPECT_EQ(decoded->get(setting::kWebTransportMaxSessionsDraft07), 4u);
  EXPECT_EQ(decoded->get(setting::kQpackMaxTableCapacity), 0u);
}

TEST(Settings, AnyWebTransportGenerationCounts) {
  for (auto id : {setting::kEnableWebTransportDraft02, setting::kWebTransportMaxSessionsDraft07,
                  setting::kWtMaxSessions, setting::kWtEnabled}) {
    auto s = decode_settings(payload_of({{id, 1}}));
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->webtransport()) << id;
  }
  auto none = decode_settings(payload_of({{setting::kWebTransportMaxSessionsDraft07, 0}}));
  EXPECT_FALSE(none->webtransport());
}

TEST(Settings, Http2IdentifiersAndDuplicatesAreSettingsErrors) {
  for (std::uint64_t id : {0x00u, 0x02u, 0x03u, 0x04u, 0x05u}) {
    auto s = decode_settings(payload_of({{id, 1}}));
    ASSERT_FALSE(s) << id;
    EXPECT_EQ(s.error().code, kinetic::Errc::kInvalidValue);
  }
  auto dup = decode_settings(payload_of({{0x33, 1}, {0x33, 1}}));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, kinetic::Errc::kInvalidValue);
}

TEST(Settings, TruncatedPayloadIsMalformed) {
  auto s = decode_settings(Bytes{0x33});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, kinetic::Errc::kProtocolViolation);
  // Unknown identifiers (GREASE 0x1f * N + 0x21) are accepted and ignored.
  EXPECT_TRUE(decode_settings(payload_of({{0x21, 7}, {0x40, 9}})));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
