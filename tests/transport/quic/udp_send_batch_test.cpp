#include "kinetic/transport/quic/udp_send_batch.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <memory>
#include <vector>

namespace kinetic::transport::quic {
namespace {

struct Received {
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<std::uint8_t> ecns;
};

// Bounded: at most 50 polls of 20 ms.
Received receive_all(UdpSocket& s, std::size_t want) {
  Received r;
  for (int tries = 0; tries < 50 && r.packets.size() < want; ++tries) {
    pollfd p{s.fd(), POLLIN, 0};
    ::poll(&p, 1, 20);
    s.receive([&](const Datagram& d) {
      r.packets.emplace_back(d.data, d.data + d.size);
      r.ecns.push_back(d.ecn);
    });
  }
  return r;
}

// `count` packets of `size` bytes for peer `peer`: every byte says which peer and which packet.
std::vector<std::uint8_t> packets_for(std::size_t peer, std::size_t count, std::size_t size) {
  std::vector<std::uint8_t> buf(count * size);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(peer * 16 + i / size);
  return buf;
}

std::vector<UdpSocket> bind_peers(std::size_t n, const UdpSocket::Options& options = {}) {
  std::vector<UdpSocket> peers;
  for (std::size_t i = 0; i < n; ++i) {
    auto s = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0), options);
    EXPECT_TRUE(s.ok());
    if (s.ok()) peers.push_back(std::move(*s));
  }
  return peers;
}

// A send-delay mark waits for the packets queued before it, and no longer.
TEST(UdpSendBatchTest, MarksAreRecordedWhenTheQueueBeforeThemLeaves) {
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sender.ok());
  auto peers = bind_peers(1);
  ASSERT_EQ(peers.size(), 1u);
  UdpSendBatch batch(*sender);
  LatencyHistogram delay;
  const SendMark mark{Clock::now(), &delay};
  batch.mark_sent({&mark, 1});  // nothing queued: at once
  EXPECT_EQ(delay.count(), 1u);
  auto buf = packets_for(0, 3, 1200);
  ASSERT_EQ(batch.add(peers[0].local_address(), buf.data(), buf.size(), 1200, 0), buf.size());
  batch.mark_sent({&mark, 1});
  EXPECT_EQ(delay.count(), 1u);
  ASSERT_TRUE(batch.flush());
  EXPECT_EQ(delay.count(), 2u);
  ASSERT_TRUE(batch.flush());  // recorded once
  EXPECT_EQ(delay.count(), 2u);
  EXPECT_EQ(receive_all(peers[0], 3).packets.size(), 3u);
}

TEST(UdpSendBatchTest, PacketsOfSeveralPeersLeaveInOneCallAndAllArrive) {
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sender.ok());
  auto peers = bind_peers(6);
  ASSERT_EQ(peers.size(), 6u);
  UdpSendBatch batch(*sender);
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto buf = packets_for(p, 5, 1200);
    EXPECT_EQ(batch.add(peers[p].local_address(), buf.data(), buf.size(), 1200, 0), buf.size());
  }
  EXPECT_EQ(batch.stats().calls, 0u);  // nothing leaves before the flush
  EXPECT_FALSE(batch.empty());
  ASSERT_TRUE(batch.flush());
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.stats().calls, 1u);
  EXPECT_EQ(batch.stats().packets, 30u);
  EXPECT_EQ(batch.stats().bytes, 30u * 1200u);
  // GSO: one message per peer; without it, one per packet.
  EXPECT_EQ(batch.stats().messages, sender->gso_enabled() ? 6u : 30u);
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto got = receive_all(peers[p], 5);
    ASSERT_EQ(got.packets.size(), 5u) << "peer " << p;
    for (std::size_t i = 0; i < 5; ++i) {
      ASSERT_EQ(got.packets[i].size(), 1200u);
      EXPECT_EQ(got.packets[i].front(), p * 16 + i);
      EXPECT_EQ(got.packets[i].back(), p * 16 + i);
    }
  }
}

TEST(UdpSendBatchTest, AFullQueueIsSentAsItGoes) {
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sender.ok());
  auto peers = bind_peers(5);
  ASSERT_EQ(peers.size(), 5u);
  UdpSendBatch batch(*sender, 2);  // two messages per call
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto buf = packets_for(p, 1, 700);
    EXPECT_EQ(batch.add(peers[p].local_address(), buf.data(), buf.size(), 700, 0), buf.size());
  }
  EXPECT_EQ(batch.stats().calls, 2u);  // peers 0-1 and 2-3 went when the queue filled
  EXPECT_EQ(batch.queued_messages(), 1u);
  ASSERT_TRUE(batch.flush());
  EXPECT_EQ(batch.stats().calls, 3u);
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto got = receive_all(peers[p], 1);
    ASSERT_EQ(got.packets.size(), 1u);
    EXPECT_EQ(got.packets[0], packets_for(p, 1, 700));
  }
  EXPECT_TRUE(batch.flush());  // an empty queue sends nothing
  EXPECT_EQ(batch.stats().calls, 3u);
}

TEST(UdpSendBatchTest, EachMessageKeepsItsSegmentSizeAndEcn) {
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sender.ok());
  auto peers = bind_peers(2);
  ASSERT_EQ(peers.size(), 2u);
  UdpSendBatch batch(*sender);
  // Peer 0: three 1000-byte packets and a short one, ECT(0). Peer 1: two 500-byte packets, no ECN.
  std::vector<std::uint8_t> first(3 * 1000 + 200, 0xA1);
  std::vector<std::uint8_t> second(2 * 500, 0xB2);
  EXPECT_EQ(batch.add(peers[0].local_address(), first.data(), first.size(), 1000, 0x2), first.size());
  EXPECT_EQ(batch.add(peers[1].local_address(), second.data(), second.size(), 500, 0x0), second.size());
  ASSERT_TRUE(batch.flush());
  EXPECT_EQ(batch.stats().calls, 1u);
  auto got0 = receive_all(peers[0], 4);
  ASSERT_EQ(got0.packets.size(), 4u);
  EXPECT_EQ(got0.packets[0].size(), 1000u);
  EXPECT_EQ(got0.packets[3].size(), 200u);
  for (auto e : got0.ecns) EXPECT_EQ(e, 0x2);
  auto got1 = receive_all(peers[1], 2);
  ASSERT_EQ(got1.packets.size(), 2u);
  EXPECT_EQ(got1.packets[0].size(), 500u);
  for (auto e : got1.ecns) EXPECT_EQ(e, 0x0);
}

TEST(UdpSendBatchTest, WithoutGsoEveryPacketIsItsOwnMessage) {
  UdpSocket::Options o;
  o.gso = false;
  o.gro = false;
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0), o);
  ASSERT_TRUE(sender.ok());
  ASSERT_FALSE(sender->gso_enabled());
  auto peers = bind_peers(3, o);
  ASSERT_EQ(peers.size(), 3u);
  UdpSendBatch batch(*sender);
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto buf = packets_for(p, 4, 900);
    EXPECT_EQ(batch.add(peers[p].local_address(), buf.data(), buf.size(), 900, 0), buf.size());
  }
  ASSERT_TRUE(batch.flush());
  EXPECT_EQ(batch.stats().messages, 12u);
  EXPECT_EQ(batch.stats().calls, 1u);
  for (std::size_t p = 0; p < peers.size(); ++p) {
    auto got = receive_all(peers[p], 4);
    ASSERT_EQ(got.packets.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got.packets[i].front(), p * 16 + i);
  }
}

TEST(UdpSendBatchTest, EmptyOrZeroSegmentInputQueuesNothing) {
  auto sender = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(sender.ok());
  UdpSendBatch batch(*sender);
  std::uint8_t byte = 1;
  EXPECT_EQ(batch.add(sender->local_address(), &byte, 0, 1200, 0), 0u);
  EXPECT_EQ(batch.add(sender->local_address(), &byte, 1, 0, 0), 0u);
  EXPECT_TRUE(batch.empty());
}

}  // namespace
}  // namespace kinetic::transport::quic
