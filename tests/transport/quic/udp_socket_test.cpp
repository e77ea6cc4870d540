#include "kinetic/transport/quic/udp_socket.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <vector>

namespace kinetic::transport::quic {
namespace {

std::vector<std::vector<std::uint8_t>> receive_all(UdpSocket& s, std::size_t want, std::vector<std::uint8_t>* ecns = nullptr) {
  std::vector<std::vector<std::uint8_t>> got;
  for (int tries = 0; tries < 50 && got.size() < want; ++tries) {
    pollfd p{s.fd(), POLLIN, 0};
    ::poll(&p, 1, 20);
    s.receive([&](const Datagram& d) {
      got.emplace_back(d.data, d.data + d.size);
      if (ecns != nullptr) ecns->push_back(d.ecn);
    });
  }
  return got;
}

TEST(SocketAddressTest, ParsesAndPrintsNumericAddresses) {
  auto v4 = SocketAddress::parse("127.0.0.1", 4433);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->to_string(), "127.0.0.1:4433");
  EXPECT_EQ(v4->port(), 4433);
  auto v6 = SocketAddress::parse("[::1]", 443);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->to_string(), "[::1]:443");
  EXPECT_FALSE(SocketAddress::parse("localhost", 1).ok());  // names need resolve()
  EXPECT_FALSE(SocketAddress::parse("1.2.3", 1).ok());
  EXPECT_TRUE(*v4 == *SocketAddress::parse("127.0.0.1", 4433));
  EXPECT_FALSE(*v4 == *SocketAddress::parse("127.0.0.1", 4434));
  EXPECT_EQ(SocketAddressHash{}(*v4), SocketAddressHash{}(*SocketAddress::parse("127.0.0.1", 4433)));
  auto resolved = SocketAddress::resolve("localhost", 80);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->port(), 80);
}

TEST(UdpSocketTest, SendsAndReceivesBatchesOnLoopback) {
  auto a = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  auto b = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->local_address().port(), 0);
  // Ten 1200-byte packets and a short last one, back to back: GSO or sendmmsg.
  std::vector<std::uint8_t> buf(10 * 1200 + 300);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i / 1200);
  EXPECT_EQ(a->send(b->local_address(), buf.data(), buf.size(), 1200, 0), buf.size());
  auto got = receive_all(*b, 11);
  ASSERT_EQ(got.size(), 11u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].size(), 1200u);
    EXPECT_EQ(got[i][0], i);
  }
  EXPECT_EQ(got[10].size(), 300u);
}

TEST(UdpSocketTest, WithoutGsoTheSameBytesArrive) {
  UdpSocket::Options o;
  o.gso = false;
  o.gro = false;
  auto a = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0), o);
  auto b = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->gso_enabled());
  std::vector<std::uint8_t> buf(5 * 1000, 7);
  EXPECT_EQ(a->send(b->local_address(), buf.data(), buf.size(), 1000, 0), buf.size());
  auto got = receive_all(*b, 5);
  ASSERT_EQ(got.size(), 5u);
  for (auto& g : got) EXPECT_EQ(g.size(), 1000u);
}

TEST(UdpSocketTest, EcnCodepointTravelsWithThePacket) {
  auto a = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  auto b = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(a.ok() && b.ok());
  std::uint8_t one[10] = {};
  a->send(b->local_address(), one, 10, 10, 0x2);  // ECT(0)
  a->send(b->local_address(), one, 10, 10, 0x0);
  std::vector<std::uint8_t> ecns;
  auto got = receive_all(*b, 2, &ecns);
  ASSERT_EQ(ecns.size(), 2u);
  EXPECT_EQ(ecns[0], 0x2);
  EXPECT_EQ(ecns[1], 0x0);
}

TEST(UdpSocketTest, Ipv6Loopback) {
  auto a = UdpSocket::bind(*SocketAddress::parse("::1", 0));
  auto b = UdpSocket::bind(*SocketAddress::parse("::1", 0));
  ASSERT_TRUE(a.ok() && b.ok());
  std::uint8_t msg[3] = {1, 2, 3};
  a->send(b->local_address(), msg, 3, 3, 0x2);
  std::vector<std::uint8_t> ecns;
  auto got = receive_all(*b, 1, &ecns);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(ecns[0], 0x2);
}

TEST(UdpSocketTest, BindFailureIsAnError) {
  auto a = UdpSocket::bind(*SocketAddress::parse("127.0.0.1", 0));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(UdpSocket::bind(a->local_address()).ok());  // port taken
}

}  // namespace
}  // namespace kinetic::transport::quic
