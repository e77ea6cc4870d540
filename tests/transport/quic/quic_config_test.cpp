#include "kinetic/transport/quic/quic_config.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::quic {
namespace {

TEST(QuicConfigTest, DefaultAlpnIsNewestMoqtFirstThenH3) {
  EXPECT_EQ(default_alpn(), (std::vector<std::string>{"moqt-22", "moqt-21", "moqt-20", "moqt-18", "h3"}));
}

TEST(QuicConfigTest, DefaultsSuitLiveMedia) {
  QuicSettings s;
  EXPECT_EQ(s.max_data, 16u << 20);
  EXPECT_EQ(s.max_stream_data, 4u << 20);
  EXPECT_GT(s.max_datagram_frame_size, 1200u);
  EXPECT_GT(s.max_window, s.max_data);
  QuicServerConfig server;
  EXPECT_FALSE(server.retry);
  QuicClientConfig client;
  EXPECT_TRUE(client.verify_peer);
}

}  // namespace
}  // namespace kinetic::transport::quic
