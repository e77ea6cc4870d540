#include "kinetic/transport/quic/peer_stream_records.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::quic {
namespace {

// Debian 12 ships ngtcp2 0.12 with its static archive (libngtcp2-dev): a build there that did not
// pick it up would keep a record per received stream again, silently. The behaviour itself is
// QuicSessionTest.FinishedPeerUniStreamsLeaveNoStateBehind.
TEST(PeerStreamRecordsTest, NgtcpTwelveIsLinkedSoTheRecordsCanBeFreed) {
  if (NGTCP2_VERSION_NUM >= 0x000d00) GTEST_SKIP() << "ngtcp2 " NGTCP2_VERSION " frees them itself";
  EXPECT_TRUE(kReleasesPeerStreamRecords);
}

TEST(PeerStreamRecordsTest, NothingToFreeWithoutAConnection) {
  EXPECT_FALSE(release_peer_stream_record(nullptr, 2));
  EXPECT_FALSE(release_peer_stream_record(nullptr, 3));
}

}  // namespace
}  // namespace kinetic::transport::quic
