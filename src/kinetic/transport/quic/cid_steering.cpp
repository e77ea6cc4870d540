#include "kinetic/transport/quic/cid_steering.hpp"

#include <sys/socket.h>


#include "kinetic/transport/quic/quic_session.hpp"

namespace kinetic::transport::quic {

namespace {

// Long header: flags(1) version(4) dcid_len(1) dcid. Short header: flags(1) dcid.
constexpr std::uint32_t kLongDcidLen = 5;
constexpr std::uint32_t kLongDcid = 6;
constexpr std::uint32_t kShortDcid = 1;
// Only Handshake packets (type 2 in QUIC v1) carry a DCID this server chose among long headers;
// Initial and 0-RTT carry the client's pick, Retry is never sent by a client.
constexpr std::uint32_t kLongTypeMask = 0x30;
constexpr std::uint32_t kLongTypeHandshake = 0x20;
constexpr std::uint32_t kFallback = 0xffffffffu;

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return sock_filter{code, 0, 0, k}; }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}

}  // namespace

void stamp_worker(std::uint8_t* cid, std::size_t len, std::optional<std::uint8_t> worker) {
  if (worker && len > kCidWorkerOffset) cid[kCidWorkerOffset] = *worker;
}

std::vector<sock_filter> steering_program(std::size_t workers) {
  const auto n = static_cast<std::uint32_t>(workers);
  // Jump offsets count from the next instruction.
  return {
      /* 0 */ stmt(BPF_LD | BPF_B | BPF_ABS, 0),
      /* 1 */ jump(BPF_JMP | BPF_JSET | BPF_K, 0x80, 0, 6),  // short header → 8
      /* 2 */ stmt(BPF_ALU | BPF_AND | BPF_K, kLongTypeMask),
      /* 3 */ jump(BPF_JMP | BPF_JEQ | BPF_K, kLongTypeHandshake, 0, 7),  // → 11 (fallback)
      /* 4 */ stmt(BPF_LD | BPF_B | BPF_ABS, kLongDcidLen),
      /* 5 */ jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(kCidLength), 0, 5),  // → 11
      /* 6 */ stmt(BPF_LD | BPF_B | BPF_ABS, kLongDcid + static_cast<std::uint32_t>(kCidWorkerOffset)),
      /* 7 */ jump(BPF_JMP | BPF_JA, 1, 0, 0),  // → 9
      /* 8 */ stmt(BPF_LD | BPF_B | BPF_ABS, kShortDcid + static_cast<std::uint32_t>(kCidWorkerOffset)),
      /* 9 */ jump(BPF_JMP | BPF_JGE | BPF_K, n, 1, 0),  // out of range → 11
      /* 10 */ stmt(BPF_RET | BPF_A, 0),
      /* 11 */ stmt(BPF_RET | BPF_K, kFallback),
  };
}

std::optional<std::size_t> steered_worker(std::span<const std::uint8_t> payload, std::size_t workers) {
  // A classic BPF load past the end ends the program with 0: socket 0 gets runt packets.
  auto at = [&](std::size_t i) -> std::optional<std::uint8_t> {
    if (i >= payload.size()) return std::nullopt;
    return payload[i];
  };
  auto b0 = at(0);
  if (!b0) return 0;
  std::size_t where = kShortDcid + kCidWorkerOffset;
  if ((*b0 & 0x80) != 0) {
    if ((*b0 & kLongTypeMask) != kLongTypeHandshake) return std::nullopt;
    auto len = at(kLongDcidLen);
    if (!len) return 0;
    if (*len != kCidLength) return std::nullopt;
    where = kLongDcid + kCidWorkerOffset;
  }
  auto w = at(where);
  if (!w) return 0;
  if (*w >= workers) return std::nullopt;
  return *w;
}

Status attach_steering(int fd, std::size_t workers) {
  if (workers < 2 || workers > kMaxSteeredWorkers)
    return Error{Errc::kInvalidValue, "steering needs 2 to 255 workers"};
  auto program = steering_program(workers);
  sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
    return Error{Errc::kInvalidValue, "the kernel refused SO_ATTACH_REUSEPORT_CBPF"};
  return ok_status();
}

}  // namespace kinetic::transport::quic
