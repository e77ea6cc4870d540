// Capsules (RFC 9297 §3) carried in the DATA frames of a WebTransport CONNECT stream:
// CLOSE_WEBTRANSPORT_SESSION (code + reason) and DRAIN_WEBTRANSPORT_SESSION.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::transport::webtransport {

namespace capsule {
inline constexpr std::uint64_t kDatagram = 0x00;
inline constexpr std::uint64_t kCloseWebTransportSession = 0x2843;
inline constexpr std::uint64_t kDrainWebTransportSession = 0x78ae;
}  // namespace capsule

// The draft caps the close reason at 1024 bytes.
inline constexpr std::size_t kMaxCloseReason = 1024;

struct CloseSession {
  std::uint32_t code = 0;
  std::string reason;
};

void put_capsule(std::vector<std::uint8_t>& out, std::uint64_t type, std::span<const std::uint8_t> value);
// A longer reason is cut at kMaxCloseReason, backing off to a UTF-8 boundary.
void put_close_session_capsule(std::vector<std::uint8_t>& out, std::uint32_t code, std::string_view reason);
void put_drain_session_capsule(std::vector<std::uint8_t>& out);

// kProtocolViolation when shorter than the code or the reason is too long.
Result<CloseSession> decode_close_session(std::span<const std::uint8_t> value);

}  // namespace kinetic::transport::webtransport
