// Ports for the servers a test starts as child processes (relays, proxies, publishers), where
// the port has to be named before the child binds it.
//
// A port the kernel hands out (bind to port 0) lies in its ephemeral range (32768-60999 by
// default), and so did the ports these tests used to pick by their pid: in the moment between
// the choice and the child's bind, any socket the kernel binds on its own (every QUIC client
// of every test running meanwhile) may take it, and the child fails or the test hangs. These
// ports come from below that range instead, where the kernel never binds on its own. Each test
// process holds a block of them through a lock file (flock, let go when the process ends, even
// by a crash), so tests running side by side never share a port; and a port something else
// holds now (UDP or TCP) is skipped.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kinetic::test {

namespace ports_detail {

constexpr int kFirst = 20000;     // below 32768, where the kernel's ephemeral range begins
constexpr int kBlock = 32;        // ports per test process
constexpr int kBlocks = (32768 - kFirst) / kBlock;

// Whether `port` on 127.0.0.1 is free for `type` (SOCK_DGRAM / SOCK_STREAM) right now.
inline bool bindable(int port, int type) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct Block {
  int first = 0;  // 0: no block could be locked
  int next = 0;   // offset of the next port to try
};

// This process's block: the first whose lock file it can lock, looking from one its pid
// picks. The lock's descriptor stays open (and the lock held) until the process ends.
inline Block& block() {
  static Block b = [] {
    Block out;
    const int start = static_cast<int>(getpid() % kBlocks);
    for (int i = 0; i < kBlocks; ++i) {
      const int index = (start + i) % kBlocks;
      const auto path = std::filesystem::temp_directory_path() / ("kinetic-test-ports-" + std::to_string(index) + ".lock");
      const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        out.first = kFirst + index * kBlock;
        return out;
      }
      ::close(fd);
    }
    return out;
  }();
  return b;
}

}  // namespace ports_detail

// `n` distinct ports, free for both UDP and TCP on 127.0.0.1 now, from this process's block
// (which the process's tests share in turn: a port comes round again once the block is used
// up, by when the test that had it has ended). Empty when the block has not `n` free ports.
inline std::vector<int> free_ports(int n) {
  auto& b = ports_detail::block();
  std::vector<int> out;
  if (b.first == 0) return out;
  for (int tried = 0; tried < ports_detail::kBlock && static_cast<int>(out.size()) < n; ++tried) {
    const int port = b.first + b.next;
    b.next = (b.next + 1) % ports_detail::kBlock;
    if (ports_detail::bindable(port, SOCK_DGRAM) && ports_detail::bindable(port, SOCK_STREAM)) out.push_back(port);
  }
  if (static_cast<int>(out.size()) < n) out.clear();
  return out;
}

// One such port; 0 when there is none.
inline int free_port() {
  const auto p = free_ports(1);
  return p.empty() ? 0 : p.front();
}

}  // namespace kinetic::test
