#include "kinetic/transport/webtransport/capsule.hpp"

#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

void put_capsule(std::vector<std::uint8_t>& out, std::uint64_t type, std::span<const std::uint8_t> value) {
  put_quic_varint(out, type);
  put_quic_varint(out, value.size());
  put_bytes(out, value);
}

void put_close_session_capsule(std::vector<std::uint8_t>& out, std::uint32_t code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    std::size_t cut = kMaxCloseReason;
    // Do not split a multi-byte character: continuation bytes are 10xxxxxx.
    while (cut > 0 && (static_cast<std::uint8_t>(reason[cut]) & 0xc0u) == 0x80u) --cut;
    reason = reason.substr(0, cut);
  }
  put_quic_varint(out, capsule::kCloseWebTransportSession);
  put_quic_varint(out, 4 + reason.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(code >> shift));
  put_bytes(out, reason);
}

void put_drain_session_capsule(std::vector<std::uint8_t>& out) {
  put_quic_varint(out, capsule::kDrainWebTransportSession);
  put_quic_varint(out, 0);
}

Result<CloseSession> decode_close_session(std::span<const std::uint8_t> value) {
  if (value.size() < 4) return Error{Errc::kProtocolViolation, "close capsule too short"};
  if (value.size() - 4 > kMaxCloseReason) return Error{Errc::kProtocolViolation, "close reason too long"};
  CloseSession c;
  c.code = (std::uint32_t{value[0]} << 24) | (std::uint32_t{value[1]} << 16) | (std::uint32_t{value[2]} << 8) |
           std::uint32_t{value[3]};
  c.reason.assign(value.begin() + 4, value.end());
  return c;
}

}  // namespace kinetic::transport::webtransport
