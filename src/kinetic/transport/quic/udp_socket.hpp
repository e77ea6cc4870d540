// A non-blocking UDP socket that moves packets in batches: recvmmsg (with UDP GRO when the
// kernel coalesces) on the way in, UDP GSO (one sendmsg for many equal-sized packets) or
// sendmmsg on the way out, and the ECN bits of every packet both ways.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "kinetic/base/result.hpp"

namespace kinetic::transport::quic {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;

  // Numeric addresses only ("127.0.0.1", "::1", "0.0.0.0", "::"), so parsing never blocks the loop.
  static Result<SocketAddress> parse(std::string_view host, std::uint16_t port);
  // Resolves names too (getaddrinfo, blocking): call it before the loop runs.
  static Result<SocketAddress> resolve(const std::string& host, std::uint16_t port);

  [[nodiscard]] const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string to_string() const;  // "1.2.3.4:443" or "[::1]:443"
  friend bool operator==(const SocketAddress& a, const SocketAddress& b);
};

struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& a) const noexcept;
};

struct Datagram {
  const std::uint8_t* data;
  std::size_t size;
  const SocketAddress& remote;
  std::uint8_t ecn;  // the two ECN bits of the IP header
};

class UdpSocket {
 public:
  struct Options {
    int buffer_bytes = 8 << 20;  // SO_SNDBUF / SO_RCVBUF wish; the kernel may cap it
    bool gso = true;             // use UDP_SEGMENT when the kernel has it
    bool gro = true;             // ask for UDP_GRO coalescing on receive
    bool reuse_port = false;     // SO_REUSEPORT: several sockets (worker threads) on one port
  };

  static Result<UdpSocket> bind(const SocketAddress& local);
  static Result<UdpSocket> bind(const SocketAddress& local, const Options& options);
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const SocketAddress& local_address() const { return local_; }
  [[nodiscard]] bool gso_enabled() const { return gso_; }

  // Reads what is queued (up to `max_datagrams`) and calls `fn` once per packet, GRO
  // batches split back into packets. Returns how many packets were delivered.
  std::size_t receive(const std::function<void(const Datagram&)>& fn, std::size_t max_datagrams = 4096);

  // Sends `len` bytes made of packets of `segment` bytes laid back to back (the last one
  // may be shorter). Returns the bytes the kernel took, always whole packets; less than
  // `len` means the send buffer is full (wait for EPOLLOUT). Packets the kernel rejects
  // for other reasons count as sent: QUIC recovers them as losses.
  std::size_t send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len, std::size_t segment,
                   std::uint8_t ecn);

 private:
  void set_ecn(std::uint8_t ecn);
  std::size_t send_each(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                        std::size_t segment);

  int fd_ = -1;
  SocketAddress local_;
  bool gso_ = false;
  int ecn_ = -1;  // ECN codepoint currently set on the socket
};

}  // namespace kinetic::transport::quic
