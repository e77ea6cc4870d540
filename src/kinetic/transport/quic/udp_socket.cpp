#include "kinetic/transport/quic/udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "kinetic/transport/quic/udp_gso_limits.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace kinetic::transport::quic {

namespace {

constexpr std::size_t kRecvBatch = 32;
constexpr std::size_t kRecvBufferSize = 65536;  // one GRO batch

// Receive buffers are per thread: one loop per thread reads one socket at a time, so
// every socket on that loop shares them instead of holding megabytes each.
struct RecvArena {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(kRecvBatch * kRecvBufferSize);
  std::array<mmsghdr, kRecvBatch> msgs{};
  std::array<iovec, kRecvBatch> iovs{};
  std::array<SocketAddress, kRecvBatch> addrs{};
  std::array<std::array<std::uint8_t, CMSG_SPACE(sizeof(int)) * 4>, kRecvBatch> controls{};
};

RecvArena& arena() {
  thread_local RecvArena a;
  return a;
}

}  // namespace

Result<SocketAddress> SocketAddress::parse(std::string_view host, std::uint16_t port) {
  SocketAddress a;
  std::string h(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    return a;
  }
  a.storage = {};
  if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }
  return Error{Errc::kInvalidValue, "not a numeric IP address"};
}

Result<SocketAddress> SocketAddress::resolve(const std::string& host, std::uint16_t port) {
  if (auto numeric = parse(host, port)) return numeric;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr)
    return Error{Errc::kInvalidValue, "host name does not resolve"};
  SocketAddress a;
  std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
  a.len = res->ai_addrlen;
  ::freeaddrinfo(res);
  if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(port);
  else reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(port);
  return a;
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(port());
  }
  return "?";
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  if (a.family() != b.family()) return false;
  if (a.family() == AF_INET) {
    auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage);
    auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage);
  return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

std::size_t SocketAddressHash::operator()(const SocketAddress& a) const noexcept {
  std::size_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  if (a.family() == AF_INET) {
    auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage);
    mix(&x->sin_addr, 4);
    mix(&x->sin_port, 2);
  } else {
    auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    mix(&x->sin6_addr, 16);
    mix(&x->sin6_port, 2);
  }
  return h;
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local) { return bind(local, Options{}); }

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local, const Options& options) {
  UdpSocket s;
  s.fd_ = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (s.fd_ < 0) return Error{Errc::kInvalidValue, "socket() failed"};
  int one = 1;
  if (local.family() == AF_INET6) ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  // Ask for big buffers; the *FORCE variants pass rmem_max when privileged.
  int bytes = options.buffer_bytes;
  if (::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  if (::setsockopt(s.fd_, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  if (local.family() == AF_INET) {
    ::setsockopt(s.fd_, IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
    // QUIC must not be fragmented: probe the path instead (RFC 9000 §14).
    int pmtu = IP_PMTUDISC_DO;
    ::setsockopt(s.fd_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  } else {
    ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
    int pmtu = IPV6_PMTUDISC_DO;
    ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof pmtu);
  }
  if (options.reuse_port && ::setsockopt(s.fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return Error{Errc::kInvalidValue, "SO_REUSEPORT refused"};
  if (::bind(s.fd_, local.sa(), local.len) != 0) return Error{Errc::kInvalidValue, "bind() failed"};
  s.local_.len = sizeof s.local_.storage;
  ::getsockname(s.fd_, s.local_.sa(), &s.local_.len);

  if (options.gso) {
    int seg = 0;
    socklen_t len = sizeof seg;
    s.gso_ = ::getsockopt(s.fd_, SOL_UDP, UDP_SEGMENT, &seg, &len) == 0;
  }
  if (options.gro) ::setsockopt(s.fd_, SOL_UDP, UDP_GRO, &one, sizeof one);
  return s;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_), local_(o.local_), gso_(o.gso_), ecn_(o.ecn_) {
  o.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    local_ = o.local_;
    gso_ = o.gso_;
    ecn_ = o.ecn_;
    o.fd_ = -1;
  }
  return *this;
}

std::size_t UdpSocket::receive(const std::function<void(const Datagram&)>& fn, std::size_t max_datagrams) {
  auto& a = arena();
  std::size_t delivered = 0;
  while (delivered < max_datagrams) {
    for (std::size_t i = 0; i < kRecvBatch; ++i) {
      a.iovs[i] = {a.bytes.data() + i * kRecvBufferSize, kRecvBufferSize};
      auto& h = a.msgs[i].msg_hdr;
      h = {};
      h.msg_name = &a.addrs[i].storage;
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &a.iovs[i];
      h.msg_iovlen = 1;
      h.msg_control = a.controls[i].data();
      h.msg_controllen = a.controls[i].size();
    }
    int n = ::recvmmsg(fd_, a.msgs.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    for (int i = 0; i < n; ++i) {
      auto& h = a.msgs[i].msg_hdr;
      a.addrs[i].len = h.msg_namelen;
      std::uint8_t ecn = 0;
      std::size_t segment = a.msgs[i].msg_len;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == IPPROTO_IP && (c->cmsg_type == IP_TOS || c->cmsg_type == IP_RECVTOS)) {
          ecn = *reinterpret_cast<const std::uint8_t*>(CMSG_DATA(c)) & 0x3;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
          int tclass = 0;
          std::memcpy(&tclass, CMSG_DATA(c), sizeof tclass);
          ecn = static_cast<std::uint8_t>(tclass & 0x3);
        } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int gro = 0;
          std::memcpy(&gro, CMSG_DATA(c), sizeof gro);
          if (gro > 0) segment = static_cast<std::size_t>(gro);
        }
      }
      const auto* base = static_cast<const std::uint8_t*>(a.iovs[i].iov_base);
      std::size_t total = a.msgs[i].msg_len;
      for (std::size_t off = 0; off < total; off += segment) {
        fn(Datagram{base + off, std::min(segment, total - off), a.addrs[i], ecn});
        ++delivered;
      }
    }
    if (static_cast<std::size_t>(n) < kRecvBatch) break;
  }
  return delivered;
}

void UdpSocket::set_ecn(std::uint8_t ecn) {
  if (ecn_ == ecn) return;
  int tos = ecn;
  if (local_.family() == AF_INET) ::setsockopt(fd_, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  else ::setsockopt(fd_, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
  ecn_ = ecn;
}

std::size_t UdpSocket::send_each(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                                 std::size_t segment) {
  std::size_t done = 0;
  while (done < len) {
    std::array<mmsghdr, kMaxGsoSegments> msgs{};
    std::array<iovec, kMaxGsoSegments> iovs{};
    std::size_t count = 0;
    for (std::size_t off = done; off < len && count < kMaxGsoSegments; off += segment, ++count) {
      iovs[count] = {const_cast<std::uint8_t*>(data + off), std::min(segment, len - off)};
      auto& h = msgs[count].msg_hdr;
      h.msg_name = const_cast<sockaddr*>(remote.sa());
      h.msg_namelen = remote.len;
      h.msg_iov = &iovs[count];
      h.msg_iovlen = 1;
    }
    int n = ::sendmmsg(fd_, msgs.data(), static_cast<unsigned>(count), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return done;
      if (errno == EINTR) continue;
      // Unreachable peer or oversized probe: that packet is lost, go on with the rest.
      spdlog::debug("udp: sendmmsg to {}: {}", remote.to_string(), std::strerror(errno));
      done += iovs[0].iov_len;
      continue;
    }
    for (int i = 0; i < n; ++i) done += iovs[i].iov_len;
  }
  return done;
}

std::size_t UdpSocket::send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                            std::size_t segment, std::uint8_t ecn) {
  if (len == 0) return 0;
  set_ecn(ecn);
  if (!gso_ || len <= segment) return send_each(remote, data, len, segment);
  std::size_t done = 0;
  while (done < len) {
    std::size_t chunk = std::min({len - done, segment * kMaxGsoSegments, (kMaxGsoBytes / segment) * segment});
    iovec iov{const_cast<std::uint8_t*>(data + done), chunk};
    alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    msghdr h{};
    h.msg_name = const_cast<sockaddr*>(remote.sa());
    h.msg_namelen = remote.len;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    if (chunk > segment) {
      h.msg_control = control;
      h.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      auto seg = static_cast<std::uint16_t>(segment);
      std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
    }
    auto n = ::sendmsg(fd_, &h, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return done;
      if (errno == EINTR) continue;
      if (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) {
        // The device cannot segment (checksum offload off): fall back for good.
        spdlog::debug("udp: GSO refused ({}), sending packets one by one", std::strerror(errno));
        gso_ = false;
        return done + send_each(remote, data + done, len - done, segment);
      }
      spdlog::debug("udp: sendmsg to {}: {}", remote.to_string(), std::strerror(errno));
    }
    done += chunk;
  }
  return done;
}

}  // namespace kinetic::transport::quic
