// HTTP/3 frame and stream type codepoints (RFC 9114 §6.2, §7.2) plus the WebTransport
// stream signals, and the encoders for frames and stream preambles.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kinetic::transport::webtransport {

namespace frame {
inline constexpr std::uint64_t kData = 0x00;
inline constexpr std::uint64_t kHeaders = 0x01;
inline constexpr std::uint64_t kCancelPush = 0x03;
inline constexpr std::uint64_t kSettings = 0x04;
inline constexpr std::uint64_t kPushPromise = 0x05;
inline constexpr std::uint64_t kGoaway = 0x07;
inline constexpr std::uint64_t kMaxPushId = 0x0d;
// Not a frame: the first varint of a WebTransport bidirectional stream, followed by the
// session id instead of a length (draft-ietf-webtrans-http3 §4.2).
inline constexpr std::uint64_t kWebTransportStream = 0x41;
}  // namespace frame

namespace stream_type {
inline constexpr std::uint64_t kControl = 0x00;
inline constexpr std::uint64_t kPush = 0x01;
inline constexpr std::uint64_t kQpackEncoder = 0x02;
inline constexpr std::uint64_t kQpackDecoder = 0x03;
inline constexpr std::uint64_t kWebTransport = 0x54;
}  // namespace stream_type

// Frame types reserved from HTTP/2 whose receipt is H3_FRAME_UNEXPECTED (RFC 9114 §7.2.8).
constexpr bool is_http2_only_frame(std::uint64_t type) noexcept {
  return type == 0x02 || type == 0x06 || type == 0x08 || type == 0x09;
}

void put_frame_header(std::vector<std::uint8_t>& out, std::uint64_t type, std::uint64_t length);
void put_frame(std::vector<std::uint8_t>& out, std::uint64_t type, std::span<const std::uint8_t> payload);
void put_goaway_frame(std::vector<std::uint8_t>& out, std::uint64_t id);
// Preamble of a WebTransport stream: the stream type or signal, then the session id.
void put_webtransport_uni_preamble(std::vector<std::uint8_t>& out, std::uint64_t session_id);
void put_webtransport_bidi_preamble(std::vector<std::uint8_t>& out, std::uint64_t session_id);

}  // namespace kinetic::transport::webtransport
