// The impairment proxy in process, on loopback: an echo server behind it, client sockets in
// front, one loop for all of them. Every wait is bounded by run_until.
#include "udp_impair_proxy.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kinetic::app {
namespace {

using namespace std::chrono_literals;
using transport::quic::Datagram;
using transport::quic::SocketAddress;
using transport::quic::UdpSocket;

SocketAddress addr(const char* host, std::uint16_t port = 0) { return *SocketAddress::parse(host, port); }

mock::PacketImpairmentConfig clean(double delay_ms = 0) {
  mock::PacketImpairmentConfig c;
  c.path = *mock::impairment_preset("clean");
  c.path.base_delay_ms = delay_ms;
  return c;
}

// A socket on the loop that keeps what it receives (and, as the server, echoes it back).
struct Peer {
  Peer(transport::EpollLoop& loop, const char* host, bool echo) : loop_(loop) {
    auto s = UdpSocket::bind(addr(host));
    EXPECT_TRUE(s.ok());
    socket = std::move(*s);
    loop.watch(socket.fd(), EPOLLIN, [this, echo](std::uint32_t) {
      socket.receive([&](const Datagram& d) {
        got.emplace_back(d.data, d.data + d.size);
        sources.insert(d.remote.to_string());
        arrived.push_back(loop_.now());
        if (echo) socket.send(d.remote, d.data, d.size, d.size, d.ecn);
      });
    });
  }
  ~Peer() { loop_.unwatch(socket.fd()); }
  void send(const SocketAddress& to, const std::string& text) {
    socket.send(to, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), text.size(), 0);
  }
  [[nodiscard]] std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& g : got) out.emplace_back(g.begin(), g.end());
    return out;
  }

  transport::EpollLoop& loop_;
  UdpSocket socket;
  std::vector<std::vector<std::uint8_t>> got;
  std::vector<transport::TimePoint> arrived;
  std::set<std::string> sources;
};

class UdpImpairProxyTest : public ::testing::Test {
 protected:
  std::unique_ptr<UdpImpairProxy> start(mock::PacketImpairmentConfig up, mock::PacketImpairmentConfig down,
                                        std::uint64_t seed = 1, transport::Duration idle = 60s) {
    UdpImpairProxyOptions o;
    o.listen = addr("127.0.0.1");
    o.upstream = server.socket.local_address();
    o.to_upstream = std::move(up);
    o.to_client = std::move(down);
    o.seed = seed;
    o.idle_timeout = idle;
    auto p = UdpImpairProxy::start(loop, o);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().what);
    return p.ok() ? std::move(*p) : nullptr;
  }
  void run_for(transport::Duration d) { loop.run_until([] { return false; }, d); }

  transport::EpollLoop loop;
  Peer server{loop, "127.0.0.1", true};
};

TEST_F(UdpImpairProxyTest, EchoTakesAtLeastTheDelayBothWays) {
  auto proxy = start(clean(20), clean(15));
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  for (int i = 0; i < 5; ++i) {
    const auto sent = loop.now();
    client.send(proxy->local_address(), "ping " + std::to_string(i));
    ASSERT_TRUE(loop.run_until([&] { return client.got.size() == static_cast<std::size_t>(i + 1); }, 2s));
    const auto rtt = client.arrived.back() - sent;
    EXPECT_GE(rtt, 35ms);
    EXPECT_LT(rtt, 35ms + 200ms);  // loose: a loaded test machine, but not a lost timer
    EXPECT_EQ(client.texts().back(), "ping " + std::to_string(i));
  }
  const auto s = proxy->stats();
  EXPECT_EQ(s.to_upstream.forwarded, 5u);
  EXPECT_EQ(s.to_client.forwarded, 5u);
  EXPECT_EQ(s.clients, 1u);
}

TEST_F(UdpImpairProxyTest, FullLossDropsEverything) {
  auto lossy = clean();
  lossy.loss = 1.0;
  auto proxy = start(lossy, clean());
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  for (int i = 0; i < 20; ++i) client.send(proxy->local_address(), "lost");
  ASSERT_TRUE(loop.run_until([&] { return proxy->stats().to_upstream.received == 20; }, 2s));
  run_for(100ms);
  EXPECT_TRUE(server.got.empty());
  EXPECT_TRUE(client.got.empty());
  EXPECT_EQ(proxy->stats().to_upstream.lost, 20u);
  EXPECT_EQ(proxy->stats().to_upstream.dropped(), 20u);
}

TEST_F(UdpImpairProxyTest, ClientsAreKeptApart) {
  auto proxy = start(clean(2), clean(2));
  ASSERT_TRUE(proxy);
  Peer a(loop, "127.0.0.1", false);
  Peer b(loop, "127.0.0.1", false);
  Peer c(loop, "127.0.0.1", false);
  for (int i = 0; i < 3; ++i) {
    a.send(proxy->local_address(), "a" + std::to_string(i));
    b.send(proxy->local_address(), "b" + std::to_string(i));
    c.send(proxy->local_address(), "c" + std::to_string(i));
  }
  ASSERT_TRUE(loop.run_until([&] { return a.got.size() == 3 && b.got.size() == 3 && c.got.size() == 3; }, 2s));
  EXPECT_EQ(a.texts(), (std::vector<std::string>{"a0", "a1", "a2"}));
  EXPECT_EQ(b.texts(), (std::vector<std::string>{"b0", "b1", "b2"}));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"c0", "c1", "c2"}));
  EXPECT_EQ(server.sources.size(), 3u);  // one upstream socket per client
  EXPECT_EQ(proxy->stats().clients, 3u);
}

TEST_F(UdpImpairProxyTest, JitterKeepsOrderAndBigDatagramsPass) {
  auto jittery = clean(5);
  jittery.path.jitter = mock::JitterShape::kGamma;
  jittery.path.gamma_shape = 2;
  jittery.path.gamma_scale_ms = 10;
  jittery.jitter_interval_ms = 0;  // a fresh draw per packet
  auto proxy = start(jittery, clean());
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  for (int i = 0; i < 100; ++i) client.send(proxy->local_address(), std::to_string(i));
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 100; }, 5s));
  const auto texts = client.texts();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(texts[static_cast<std::size_t>(i)], std::to_string(i));
  // The largest IPv4 UDP payload, both ways.
  client.send(proxy->local_address(), std::string(65507, 'x'));
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 101; }, 2s));
  EXPECT_EQ(client.got.back().size(), 65507u);
}

TEST_F(UdpImpairProxyTest, SameSeedLosesTheSamePackets) {
  auto lost_by = [&](std::uint64_t seed) {
    auto lossy = clean();
    lossy.loss = 0.5;
    auto proxy = start(lossy, clean(), seed);
    Peer client(loop, "127.0.0.1", false);
    const std::size_t before = server.got.size();
    for (int i = 0; i < 60; ++i) {
      client.send(proxy->local_address(), std::to_string(i));
      loop.run_until([&] { return proxy->stats().to_upstream.received == static_cast<std::uint64_t>(i + 1); }, 1s);
    }
    run_for(50ms);
    std::set<std::string> through;
    for (std::size_t i = before; i < server.got.size(); ++i) through.emplace(server.got[i].begin(), server.got[i].end());
    return through;
  };
  const auto first = lost_by(9);
  EXPECT_GT(first.size(), 10u);
  EXPECT_LT(first.size(), 50u);
  EXPECT_EQ(first, lost_by(9));
  EXPECT_NE(first, lost_by(10));
}

TEST_F(UdpImpairProxyTest, IdleClientsAreForgottenAndComeBack) {
  auto proxy = start(clean(), clean(), 1, 50ms);
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  client.send(proxy->local_address(), "one");
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 1; }, 2s));
  ASSERT_TRUE(loop.run_until([&] { return proxy->stats().clients == 0; }, 2s));
  client.send(proxy->local_address(), "two");
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 2; }, 2s));
  EXPECT_EQ(proxy->stats().clients_seen, 2u);
  EXPECT_EQ(server.sources.size(), 2u);  // a new upstream socket, as after a NAT timeout
}

TEST_F(UdpImpairProxyTest, StrangersOnTheUpstreamSocketAreIgnored) {
  auto proxy = start(clean(), clean());
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  client.send(proxy->local_address(), "hello");
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 1; }, 2s));
  // Someone other than the server writes to the client's upstream socket.
  const std::string upstream_socket = *server.sources.begin();
  const auto port = static_cast<std::uint16_t>(std::stoi(upstream_socket.substr(upstream_socket.rfind(':') + 1)));
  Peer stranger(loop, "127.0.0.1", false);
  stranger.send(addr("127.0.0.1", port), "spoof");
  ASSERT_TRUE(loop.run_until([&] { return proxy->stats().stray == 1; }, 2s));
  run_for(20ms);
  EXPECT_EQ(client.got.size(), 1u);
}

TEST_F(UdpImpairProxyTest, RateLimitPacesAndQueueDrops) {
  auto slow = clean();
  slow.rate_kbps = 1000;  // 1250 bytes per 10 ms
  slow.queue_ms = 45;
  auto proxy = start(slow, clean());
  ASSERT_TRUE(proxy);
  Peer client(loop, "127.0.0.1", false);
  for (int i = 0; i < 10; ++i) client.send(proxy->local_address(), std::string(1250, 'r'));
  ASSERT_TRUE(loop.run_until([&] { return proxy->stats().to_upstream.received == 10; }, 2s));
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() + proxy->stats().to_upstream.queue_dropped == 10; }, 2s));
  EXPECT_GE(proxy->stats().to_upstream.queue_dropped, 1u);
  ASSERT_GE(server.arrived.size(), 3u);
  // Paced by the link: 10 ms apart on average. One gap alone may look shorter when the
  // receiving side was late to read the packet before it, so the span is what is checked, with
  // room for the first delivery to be late itself (on a loaded machine it came 1.2 ms late once,
  // which shortened the span of four gaps to 34.8 ms); unpaced, the span would be near zero.
  const auto span = server.arrived.back() - server.arrived.front();
  EXPECT_GE(span, 8ms * static_cast<int>(server.arrived.size() - 1));
}

TEST(UdpImpairProxy, WorksOverIpv6) {
  transport::EpollLoop loop;
  auto probe = UdpSocket::bind(addr("::1"));
  if (!probe) GTEST_SKIP() << "no IPv6 loopback";
  Peer server(loop, "::1", true);
  UdpImpairProxyOptions o;
  o.listen = addr("::1");
  o.upstream = server.socket.local_address();
  o.to_upstream = clean(1);
  o.to_client = clean(1);
  auto proxy = UdpImpairProxy::start(loop, o);
  ASSERT_TRUE(proxy.ok());
  Peer client(loop, "::1", false);
  client.send((*proxy)->local_address(), "six");
  ASSERT_TRUE(loop.run_until([&] { return client.got.size() == 1; }, 2s));
  EXPECT_EQ(client.texts()[0], "six");
  EXPECT_EQ(server.sources.begin()->substr(0, 5), "[::1]");
}

TEST(UdpImpairProxy, BadOptionsAreRefused) {
  transport::EpollLoop loop;
  UdpImpairProxyOptions o;
  o.listen = addr("127.0.0.1");
  o.upstream = addr("127.0.0.1", 0);
  EXPECT_FALSE(UdpImpairProxy::start(loop, o).ok());  // upstream port 0
  o.upstream = addr("127.0.0.1", 9);
  o.to_upstream.loss = 2;
  EXPECT_FALSE(UdpImpairProxy::start(loop, o).ok());
  o.to_upstream.loss = 0;
  o.idle_timeout = transport::Duration::zero();
  EXPECT_FALSE(UdpImpairProxy::start(loop, o).ok());
  o.idle_timeout = 1s;
  EXPECT_TRUE(UdpImpairProxy::start(loop, o).ok());
}

}  // namespace
}  // namespace kinetic::app
