// A UDP relay for the QUIC tests that loses chosen client datagrams on loopback.
#pragma once

#include <sys/epoll.h>

#include <functional>
#include <set>
#include <vector>

#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {

// Sits between one client and the server and drops the client datagrams whose index (from
// 0, in arrival order) is in `drop` (or for which set_drop_if's rule says so); everything
// else passes both ways unchanged.
class DroppingRelay {
 public:
  DroppingRelay(EpollLoop& loop, const SocketAddress& server, std::set<int> drop)
      : loop_(loop), server_(server), drop_if_([drop = std::move(drop)](int i) { return drop.count(i) != 0; }) {}
  ~DroppingRelay() {
    if (front_.fd() >= 0) loop_.unwatch(front_.fd());
    if (back_.fd() >= 0) loop_.unwatch(back_.fd());
  }

  bool start() {
    auto local = *SocketAddress::parse("127.0.0.1", 0);
    auto front = UdpSocket::bind(local);
    auto back = UdpSocket::bind(local);
    if (!front.ok() || !back.ok()) return false;
    front_ = std::move(*front);
    back_ = std::move(*back);
    return loop_.watch(front_.fd(), EPOLLIN, [this](std::uint32_t) { from_client(); }) &&
           loop_.watch(back_.fd(), EPOLLIN, [this](std::uint32_t) { from_server(); });
  }
  // Drops by a rule instead of the index set.
  void set_drop_if(std::function<bool(int)> drop_if) { drop_if_ = std::move(drop_if); }
  [[nodiscard]] const SocketAddress& address() const { return front_.local_address(); }

  std::vector<std::size_t> client_sizes;  // every client datagram, dropped ones included
  int dropped = 0;
  int to_client = 0;

 private:
  void from_client() {
    front_.receive([this](const Datagram& d) {
      client_ = d.remote;
      int index = static_cast<int>(client_sizes.size());
      client_sizes.push_back(d.size);
      if (drop_if_(index)) {
        ++dropped;
        return;
      }
      back_.send(server_, d.data, d.size, d.size, 0);
    });
  }
  void from_server() {
    back_.receive([this](const Datagram& d) {
      if (client_.len == 0) return;
      ++to_client;
      front_.send(client_, d.data, d.size, d.size, 0);
    });
  }

  EpollLoop& loop_;
  SocketAddress server_;
  std::function<bool(int)> drop_if_;
  UdpSocket front_;
  UdpSocket back_;
  SocketAddress client_;
};

}  // namespace kinetic::transport::quic::testing
