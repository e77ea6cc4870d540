#include "kinetic/transport/quic/udp_send_batch.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kinetic/transport/quic/udp_gso_limits.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace kinetic::transport::quic {

namespace {


std::size_t packets_in(std::size_t len, std::size_t segment) { return (len + segment - 1) / segment; }

}  // namespace

UdpSendBatch::UdpSendBatch(UdpSocket& socket, std::size_t max_messages, std::size_t max_bytes)
    : socket_(socket),
      max_messages_(std::clamp<std::size_t>(max_messages, 1, kMaxMessages)),
      max_bytes_(std::max<std::size_t>(max_bytes, kMaxGsoBytes)) {
  bytes_.reserve(max_bytes_);
  messages_.reserve(max_messages_);
}

std::size_t UdpSendBatch::add(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                              std::size_t segment, std::uint8_t ecn) {
  if (len == 0 || segment == 0) return 0;
  if (blocked_ && !flush()) return 0;
  // One message carries as many whole packets as GSO allows; without GSO, one packet.
  const std::size_t per_message =
      socket_.gso_enabled() ? segment * std::max<std::size_t>(1, std::min(kMaxGsoSegments, kMaxGsoBytes / segment))
                            : segment;
  std::size_t done = 0;
  while (done < len) {
    const std::size_t chunk = std::min(len - done, per_message);
    if (messages_.size() >= max_messages_ || bytes_.size() + chunk > max_bytes_) {
      if (!flush()) return done;
    }
    push(remote, data + done, chunk, segment, ecn);
    done += chunk;
  }
  return done;
}

void UdpSendBatch::push(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                        std::size_t segment, std::uint8_t ecn) {
  messages_.push_back(Message{remote, bytes_.size(), len, segment, ecn});
  bytes_.insert(bytes_.end(), data, data + len);
}

std::size_t UdpSendBatch::fill_headers(std::size_t count) {
  const bool v4 = socket_.local_address().family() == AF_INET;
  for (std::size_t i = 0; i < count; ++i) {
    const Message& m = messages_[head_ + i];
    iovs_[i] = {bytes_.data() + m.offset, m.len};
    msghdr& h = headers_[i].msg_hdr;
    h = {};
    h.msg_name = const_cast<sockaddr*>(m.remote.sa());
    h.msg_namelen = m.remote.len;
    h.msg_iov = &iovs_[i];
    h.msg_iovlen = 1;
    h.msg_control = controls_[i].data();
    h.msg_controllen = kControlBytes;
    // Per-message ECN: the messages of one call may carry different codepoints.
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    const int tos = m.ecn;
    std::memcpy(CMSG_DATA(c), &tos, sizeof tos);
    std::size_t used = CMSG_SPACE(sizeof(int));
    if (m.len > m.segment) {
      c = CMSG_NXTHDR(&h, c);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto seg = static_cast<std::uint16_t>(m.segment);
      std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
      used += CMSG_SPACE(sizeof(std::uint16_t));
    }
    h.msg_controllen = used;
  }
  return count;
}

bool UdpSendBatch::send_refused(Message& m, int err) {
  if (m.len > m.segment && (err == EIO || err == EINVAL || err == EOPNOTSUPP)) {
    // The device cannot segment: the socket's own path falls back to one packet per message
    // for good, and later adds see gso_enabled() false.
    spdlog::debug("udp: GSO refused in a batch ({}), sending packets one by one", std::strerror(err));
    const std::size_t sent = socket_.send(m.remote, bytes_.data() + m.offset, m.len, m.segment, m.ecn);
    stats_.bytes += sent;
    stats_.packets += packets_in(sent, m.segment);
    if (sent < m.len) {
      m.offset += sent;
      m.len -= sent;
      return false;
    }
    return true;
  }
  // Unreachable peer or oversized probe: that message is lost, QUIC recovers it.
  spdlog::debug("udp: sendmmsg to {}: {}", m.remote.to_string(), std::strerror(err));
  return true;
}

bool UdpSendBatch::flush() {
  while (head_ < messages_.size()) {
    const std::size_t count = fill_headers(std::min(messages_.size() - head_, kMaxMessages));
    ++stats_.calls;
    const int n = ::sendmmsg(socket_.fd(), headers_.data(), static_cast<unsigned>(count), 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        blocked_ = true;
        ++stats_.blocked;
        return false;
      }
      if (!send_refused(messages_[head_], err)) {
        blocked_ = true;
        ++stats_.blocked;
        return false;
      }
      ++head_;
      continue;
    }
    for (int i = 0; i < n; ++i) {
      const Message& m = messages_[head_ + static_cast<std::size_t>(i)];
      stats_.bytes += m.len;
      stats_.packets += packets_in(m.len, m.segment);
    }
    stats_.messages += static_cast<std::size_t>(n);
    head_ += static_cast<std::size_t>(n);
  }
  if (!marks_.empty()) {
    record_sent(marks_, Clock::now());
    marks_.clear();
  }
  reset();
  return true;
}

void UdpSendBatch::mark_sent(std::span<const SendMark> marks) {
  if (empty()) {
    record_sent(marks, Clock::now());
    return;
  }
  marks_.insert(marks_.end(), marks.begin(), marks.end());
}

void UdpSendBatch::reset() {
  messages_.clear();
  bytes_.clear();
  head_ = 0;
  blocked_ = false;
}

}  // namespace kinetic::transport::quic
