// Packets for many peers queued on one UDP socket and handed to the kernel with one sendmmsg
// per batch. A relay writes one object to hundreds of connections in a loop turn; a syscall
// per connection made the kernel's entry and exit a large share of the fan-out's cost. Each
// queued message keeps its own GSO segment size and ECN bits, so one connection's packets
// still leave as a single GSO message inside the batch.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kinetic/transport/quic/send_mark.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"

namespace kinetic::transport::quic {

class UdpSendBatch {
 public:
  struct Stats {
    std::uint64_t calls = 0;     // sendmmsg calls, EAGAIN answers included
    std::uint64_t messages = 0;  // messages the kernel took (one GSO message is many packets)
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t blocked = 0;   // times the socket was full with messages still queued
  };

  // At most this many messages per sendmmsg; the queue is sent when it holds this many or
  // `max_bytes`, whichever comes first, so a long fan-out still sends as it goes.
  static constexpr std::size_t kMaxMessages = 64;
  static constexpr std::size_t kDefaultMaxBytes = 512 * 1024;

  // `socket` must outlive the batch.
  explicit UdpSendBatch(UdpSocket& socket, std::size_t max_messages = 32,
                        std::size_t max_bytes = kDefaultMaxBytes);

  // Queues `len` bytes of packets of `segment` bytes laid back to back for `remote`
  // (UdpSocket::send's layout) and returns the bytes queued, always whole packets. Less than
  // `len` means the socket is full with older messages still queued: wait for EPOLLOUT, then
  // flush(). When the queue would overflow it is sent first.
  std::size_t add(const SocketAddress& remote, const std::uint8_t* data, std::size_t len, std::size_t segment,
                  std::uint8_t ecn);
  // Sends everything queued; false when the socket filled first (the rest stays queued).
  bool flush();
  // Records `marks` when everything queued now has been sent (at once when nothing is).
  void mark_sent(std::span<const SendMark> marks);

  [[nodiscard]] bool empty() const { return head_ == messages_.size(); }
  [[nodiscard]] bool blocked() const { return blocked_; }
  [[nodiscard]] std::size_t queued_messages() const { return messages_.size() - head_; }
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  struct Message {
    SocketAddress remote;
    std::size_t offset;  // into bytes_
    std::size_t len;
    std::size_t segment;
    std::uint8_t ecn;
  };
  std::vector<SendMark> marks_;
  // Room for UDP_SEGMENT (a u16) and IP_TOS / IPV6_TCLASS (an int).
  static constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(std::uint16_t)) + CMSG_SPACE(sizeof(int));

  void push(const SocketAddress& remote, const std::uint8_t* data, std::size_t len, std::size_t segment,
            std::uint8_t ecn);
  std::size_t fill_headers(std::size_t count);
  // The kernel refused a message for a reason other than a full buffer; false: socket full.
  bool send_refused(Message& m, int err);
  void reset();

  UdpSocket& socket_;
  std::size_t max_messages_;
  std::size_t max_bytes_;
  std::vector<std::uint8_t> bytes_;
  std::vector<Message> messages_;
  std::size_t head_ = 0;  // first message not sent yet
  bool blocked_ = false;
  Stats stats_;

  std::array<mmsghdr, kMaxMessages> headers_{};
  std::array<iovec, kMaxMessages> iovs_{};
  alignas(cmsghdr) std::array<std::array<std::uint8_t, kControlBytes>, kMaxMessages> controls_{};
};

}  // namespace kinetic::transport::quic
