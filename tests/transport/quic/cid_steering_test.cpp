// Connection-ID steering with real sockets on loopback: two sockets in one SO_REUSEPORT group
// with the steering program attached; short-header and Handshake packets go to the socket
// their DCID's worker byte names, Initials (client-chosen DCIDs) to the kernel's hash.
#include "kinetic/transport/quic/cid_steering.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <vector>

#include "kinetic/transport/quic/quic_session.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"

namespace kinetic::transport::quic {
namespace {

std::vector<std::uint8_t> short_header(std::uint8_t worker) {
  std::vector<std::uint8_t> p(40, 0x5a);
  p[0] = 0x40;
  p[1 + kCidWorkerOffset] = worker;
  return p;
}

std::vector<std::uint8_t> long_header(std::uint8_t type_bits, std::uint8_t dcid_len, std::uint8_t worker) {
  std::vector<std::uint8_t> p(60, 0x5a);
  p[0] = static_cast<std::uint8_t>(0xc0 | type_bits);
  p[1] = 0; p[2] = 0; p[3] = 0; p[4] = 1;  // QUIC v1
  p[5] = dcid_len;
  p[6 + kCidWorkerOffset] = worker;
  return p;
}

TEST(CidSteering, DecisionFollowsTheWorkerByteOfServerChosenIds) {
  EXPECT_EQ(steered_worker(short_header(1), 2), 1u);
  EXPECT_EQ(steered_worker(short_header(0), 2), 0u);
  EXPECT_EQ(steered_worker(short_header(2), 2), std::nullopt);  // not a worker: kernel hash
  EXPECT_EQ(steered_worker(long_header(0x20, kCidLength, 1), 2), 1u);  // Handshake
  EXPECT_EQ(steered_worker(long_header(0x00, kCidLength, 1), 2), std::nullopt);  // Initial
  EXPECT_EQ(steered_worker(long_header(0x10, kCidLength, 1), 2), std::nullopt);  // 0-RTT
  EXPECT_EQ(steered_worker(long_header(0x20, 8, 1), 2), std::nullopt);  // not one of our ids
  std::array<std::uint8_t, 2> runt{0x40, 1};
  EXPECT_EQ(steered_worker(runt, 2), 1u);
  std::array<std::uint8_t, 1> tiny{0x40};
  EXPECT_EQ(steered_worker(tiny, 2), 0u);  // a load past the end ends the program with 0
}

TEST(CidSteering, StampWritesTheWorkerByteOnlyWhenAsked) {
  std::array<std::uint8_t, kCidLength> cid{};
  cid.fill(9);
  stamp_worker(cid.data(), cid.size(), std::nullopt);
  EXPECT_EQ(cid[kCidWorkerOffset], 9);
  stamp_worker(cid.data(), cid.size(), 3);
  EXPECT_EQ(cid[kCidWorkerOffset], 3);
}

TEST(CidSteering, RejectsWorkerCountsItCannotSteer) {
  EXPECT_FALSE(attach_steering(-1, 1));
  EXPECT_FALSE(attach_steering(-1, 256));
}

TEST(CidSteering, KernelDeliversEachPacketToTheSocketOfItsWorker) {
  UdpSocket::Options o;
  o.reuse_port = true;
  o.gro = false;
  auto any = SocketAddress::parse("127.0.0.1", 0);
  ASSERT_TRUE(any);
  auto first = UdpSocket::bind(*any, o);
  ASSERT_TRUE(first) << first.error().what;
  auto second = UdpSocket::bind(first->local_address(), o);
  ASSERT_TRUE(second) << second.error().what;
  ASSERT_TRUE(attach_steering(first->fd(), 2));
  std::array<int, 2> fds{first->fd(), second->fd()};

  const int out = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(out, 0);
  auto send = [&](const std::vector<std::uint8_t>& p) {
    return ::sendto(out, p.data(), p.size(), 0, first->local_address().sa(), first->local_address().len) ==
           static_cast<ssize_t>(p.size());
  };
  // Which socket got the one datagram just sent (each has a distinct marker byte after the DCID).
  auto receiver_of = [&](std::uint8_t marker) -> int {
    for (int attempt = 0; attempt < 200; ++attempt) {
      for (int i = 0; i < 2; ++i) {
        std::uint8_t buf[256];
        const auto n = ::recv(fds[static_cast<std::size_t>(i)], buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) return buf[n - 1] == marker ? i : -2;
      }
      ::usleep(1000);
    }
    return -1;
  };
  std::uint8_t marker = 0;
  for (int round = 0; round < 20; ++round) {
    for (std::uint8_t worker = 0; worker < 2; ++worker) {
      auto p = short_header(worker);
      p.back() = ++marker;
      ASSERT_TRUE(send(p));
      EXPECT_EQ(receiver_of(marker), worker) << "short header for worker " << int(worker);
      auto h = long_header(0x20, kCidLength, worker);
      h.back() = ++marker;
      ASSERT_TRUE(send(h));
      EXPECT_EQ(receiver_of(marker), worker) << "Handshake for worker " << int(worker);
    }
  }
  // Initials from one source port all land on one socket, whatever their DCID says.
  int initial_socket = -1;
  for (std::uint8_t worker = 0; worker < 2; ++worker) {
    auto p = long_header(0x00, kCidLength, worker);
    p.back() = ++marker;
    ASSERT_TRUE(send(p));
    const int got = receiver_of(marker);
    ASSERT_GE(got, 0);
    if (initial_socket < 0) initial_socket = got;
    EXPECT_EQ(got, initial_socket);
  }
  ::close(out);
}

}  // namespace
}  // namespace kinetic::transport::quic
