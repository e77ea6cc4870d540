#include "udp_impair_proxy.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "kinetic/mock/seeded_draw.hpp"

namespace kinetic::app {
namespace {

using transport::quic::Datagram;
using transport::quic::SocketAddress;
using transport::quic::UdpSocket;
using kinetic::Errc;
using kinetic::Error;

// One datagram at a time, as it came: coalescing would hide packet boundaries from the model.
UdpSocket::Options plain_socket() {
  UdpSocket::Options o;
  o.gso = false;
  o.gro = false;
  return o;
}

// Datagrams read per wake-up of one socket, so a flood on one side cannot starve the other
// (the loop is level-triggered: what is left is read on the next round).
constexpr std::size_t kReadBatch = 256;

}  // namespace

struct UdpImpairProxy::Client {
  SocketAddress address;
  UdpSocket upstream;
  mock::PacketImpairment to_upstream;
  mock::PacketImpairment to_client;
  transport::TimePoint last_active;
  bool watched = false;
};

struct UdpImpairProxy::Pending {
  std::int64_t deliver_at_us;
  std::uint64_t seq;
  bool to_upstream;
  std::uint8_t ecn;
  std::shared_ptr<Client> client;  // keeps its upstream socket open until the datagram leaves
  std::vector<std::uint8_t> bytes;
  // For std::push_heap, which keeps the largest first: "larger" is later.
  friend bool operator<(const Pending& a, const Pending& b) {
    return a.deliver_at_us != b.deliver_at_us ? a.deliver_at_us > b.deliver_at_us : a.seq > b.seq;
  }
};

kinetic::Result<std::unique_ptr<UdpImpairProxy>> UdpImpairProxy::start(transport::EpollLoop& loop,
                                                                     UdpImpairProxyOptions options) {
  KINETIC_CHECK(mock::validate_packet_impairment(options.to_upstream));
  KINETIC_CHECK(mock::validate_packet_impairment(options.to_client));
  if (options.upstream.family() != AF_INET && options.upstream.family() != AF_INET6) {
    return Error{Errc::kInvalidValue, "upstream address must be IPv4 or IPv6"};
  }
  if (options.upstream.port() == 0) return Error{Errc::kInvalidValue, "upstream port must not be 0"};
  if (options.idle_timeout <= transport::Duration::zero()) return Error{Errc::kInvalidValue, "idle timeout must be positive"};
  if (options.max_clients == 0) return Error{Errc::kInvalidValue, "max_clients must be at least 1"};
  KINETIC_TRY(auto listen, UdpSocket::bind(options.listen, plain_socket()));
  std::unique_ptr<UdpImpairProxy> proxy(new UdpImpairProxy(loop, std::move(options), std::move(listen)));
  if (!loop.watch(proxy->listen_.fd(), EPOLLIN, [p = proxy.get()](std::uint32_t) { p->on_client_readable(); })) {
    return Error{Errc::kInvalidValue, "cannot watch the listen socket"};
  }
  proxy->sweep();
  return proxy;
}

UdpImpairProxy::UdpImpairProxy(transport::EpollLoop& loop, UdpImpairProxyOptions options, UdpSocket listen)
    : loop_(loop), options_(std::move(options)), listen_(std::move(listen)), start_(loop.now()) {}

UdpImpairProxy::~UdpImpairProxy() {
  if (delivery_timer_ != 0) loop_.cancel(delivery_timer_);
  if (sweep_timer_ != 0) loop_.cancel(sweep_timer_);
  for (auto& [address, client] : clients_) {
    if (client->watched) loop_.unwatch(client->upstream.fd());
  }
  if (listen_.fd() >= 0) loop_.unwatch(listen_.fd());
}

std::int64_t UdpImpairProxy::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(loop_.now() - start_).count();
}

UdpImpairProxyStats UdpImpairProxy::stats() const {
  UdpImpairProxyStats s = stats_;
  s.clients = clients_.size();
  s.queued_packets = pending_.size();
  s.queued_bytes = queued_bytes_;
  return s;
}

std::shared_ptr<UdpImpairProxy::Client> UdpImpairProxy::client_for(const SocketAddress& address) {
  if (auto it = clients_.find(address); it != clients_.end()) return it->second;
  if (clients_.size() >= options_.max_clients) {
    ++stats_.clients_refused;
    return nullptr;
  }
  // The models were validated in start(), so creating them cannot fail here.
  const std::uint64_t n = stats_.clients_seen;
  auto up = mock::PacketImpairment::create(options_.to_upstream, mock::derive_seed(options_.seed, 2 * n));
  auto down = mock::PacketImpairment::create(options_.to_client, mock::derive_seed(options_.seed, 2 * n + 1));
  auto any = SocketAddress::parse(options_.upstream.family() == AF_INET6 ? "::" : "0.0.0.0", 0);
  if (!up || !down || !any) return nullptr;
  auto socket = UdpSocket::bind(*any, plain_socket());
  if (!socket) {
    // Out of descriptors or ports: this datagram is lost, the next one tries again.
    spdlog::warn("impair: no upstream socket for {}: {}", address.to_string(), socket.error().what);
    ++stats_.clients_refused;
    return nullptr;
  }
  auto client = std::make_shared<Client>(
      Client{address, std::move(*socket), std::move(*up), std::move(*down), loop_.now(), false});
  // The callback holds a weak reference: a client forgotten while its events are queued is
  // simply skipped.
  std::weak_ptr<Client> weak = client;
  if (!loop_.watch(client->upstream.fd(), EPOLLIN, [this, weak](std::uint32_t) {
        if (auto c = weak.lock()) on_upstream_readable(c);
      })) {
    ++stats_.clients_refused;
    return nullptr;
  }
  client->watched = true;
  ++stats_.clients_seen;
  clients_.emplace(address, client);
  spdlog::info("impair: client {} via {}", address.to_string(), client->upstream.local_address().to_string());
  return client;
}

void UdpImpairProxy::on_client_readable() {
  listen_.receive(
      [this](const Datagram& d) {
        if (auto client = client_for(d.remote)) impair(client, true, d);
      },
      kReadBatch);
  deliver_due();
  arm();
}

void UdpImpairProxy::on_upstream_readable(const std::shared_ptr<Client>& client) {
  client->upstream.receive(
      [this, &client](const Datagram& d) {
        if (!(d.remote == options_.upstream)) {
          ++stats_.stray;  // not our server: a port scan or a late reply to a previous owner
          return;
        }
        impair(client, false, d);
      },
      kReadBatch);
  deliver_due();
  arm();
}

void UdpImpairProxy::impair(const std::shared_ptr<Client>& client, bool to_upstream, const Datagram& d) {
  UdpImpairDirectionStats& s = to_upstream ? stats_.to_upstream : stats_.to_client;
  ++s.received;
  s.received_bytes += d.size;
  client->last_active = loop_.now();
  mock::PacketImpairment& model = to_upstream ? client->to_upstream : client->to_client;
  const mock::PacketFate fate = model.on_packet(now_us(), d.size);
  switch (fate.drop) {
    case mock::PacketDrop::kNone: break;
    case mock::PacketDrop::kLoss: ++s.lost; return;
    case mock::PacketDrop::kBurst: ++s.burst_lost; return;
    case mock::PacketDrop::kQueue: ++s.queue_dropped; return;
  }
  if (queued_bytes_ + d.size > options_.max_queued_bytes) {
    ++s.overflow_dropped;
    return;
  }
  if (fate.reordered) ++s.reordered;
  queued_bytes_ += d.size;
  pending_.push_back(Pending{fate.deliver_at_us, next_seq_++, to_upstream, d.ecn, client,
                             std::vector<std::uint8_t>(d.data, d.data + d.size)});
  std::push_heap(pending_.begin(), pending_.end());
}

void UdpImpairProxy::deliver_due() {
  const std::int64_t now = now_us();
  while (!pending_.empty() && pending_.front().deliver_at_us <= now) {
    std::pop_heap(pending_.begin(), pending_.end());
    Pending p = std::move(pending_.back());
    pending_.pop_back();
    queued_bytes_ -= p.bytes.size();
    UdpImpairDirectionStats& s = p.to_upstream ? stats_.to_upstream : stats_.to_client;
    UdpSocket& socket = p.to_upstream ? p.client->upstream : listen_;
    const SocketAddress& to = p.to_upstream ? options_.upstream : p.client->address;
    if (socket.send(to, p.bytes.data(), p.bytes.size(), p.bytes.size(), p.ecn) < p.bytes.size()) {
      ++s.send_failed;  // a full send buffer drops it, as a router's full interface queue would
      continue;
    }
    ++s.forwarded;
    s.forwarded_bytes += p.bytes.size();
  }
}

void UdpImpairProxy::arm() {
  if (pending_.empty()) {
    if (delivery_timer_ != 0) loop_.cancel(delivery_timer_);
    delivery_timer_ = 0;
    return;
  }
  const std::int64_t next = pending_.front().deliver_at_us;
  if (delivery_timer_ != 0 && delivery_armed_us_ == next) return;
  if (delivery_timer_ != 0) loop_.cancel(delivery_timer_);
  delivery_armed_us_ = next;
  delivery_timer_ = loop_.schedule_at(start_ + std::chrono::microseconds(next), [this] {
    delivery_timer_ = 0;
    deliver_due();
    arm();
  });
}

void UdpImpairProxy::forget(Client& client) {
  if (client.watched) loop_.unwatch(client.upstream.fd());
  client.watched = false;
  spdlog::info("impair: client {} idle, forgotten", client.address.to_string());
}

void UdpImpairProxy::sweep() {
  const auto now = loop_.now();
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (now - it->second->last_active >= options_.idle_timeout) {
      forget(*it->second);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  // Often enough that a client outlives its timeout by at most a quarter of it (or a second).
  const auto every = std::clamp<transport::Duration>(options_.idle_timeout / 4, std::chrono::milliseconds(10),
                                                     std::chrono::seconds(1));
  sweep_timer_ = loop_.schedule_after(every, [this] { sweep(); });
}

}  // namespace kinetic::app
