// HTTP/3 (RFC 9114 §8.1), QPACK (RFC 9204 §6) and WebTransport error codes, and the
// mapping of WebTransport's 32-bit application codes into the HTTP/3 code space
// (draft-ietf-webtrans-http3 §4.4), which skips the reserved 0x1f * N + 0x21 codepoints.
#pragma once

#include <cstdint>
#include <optional>

namespace kinetic::transport::webtransport {

namespace h3 {
inline constexpr std::uint64_t kNoError = 0x100;
inline constexpr std::uint64_t kGeneralProtocolError = 0x101;
inline constexpr std::uint64_t kInternalError = 0x102;
inline constexpr std::uint64_t kStreamCreationError = 0x103;
inline constexpr std::uint64_t kClosedCriticalStream = 0x104;
inline constexpr std::uint64_t kFrameUnexpected = 0x105;
inline constexpr std::uint64_t kFrameError = 0x106;
inline constexpr std::uint64_t kExcessiveLoad = 0x107;
inline constexpr std::uint64_t kIdError = 0x108;
inline constexpr std::uint64_t kSettingsError = 0x109;
inline constexpr std::uint64_t kMissingSettings = 0x10a;
inline constexpr std::uint64_t kRequestRejected = 0x10b;
inline constexpr std::uint64_t kRequestCancelled = 0x10c;
inline constexpr std::uint64_t kRequestIncomplete = 0x10d;
inline constexpr std::uint64_t kMessageError = 0x10e;
inline constexpr std::uint64_t kConnectError = 0x10f;
inline constexpr std::uint64_t kVersionFallback = 0x110;
inline constexpr std::uint64_t kQpackDecompressionFailed = 0x200;
inline constexpr std::uint64_t kQpackEncoderStreamError = 0x201;
inline constexpr std::uint64_t kQpackDecoderStreamError = 0x202;
inline constexpr std::uint64_t kDatagramError = 0x33;  // RFC 9297
// draft-ietf-webtrans-http3
inline constexpr std::uint64_t kWtBufferedStreamRejected = 0x3994bd84;
inline constexpr std::uint64_t kWtSessionGone = 0x170d7b68;
inline constexpr std::uint64_t kWtApplicationErrorFirst = 0x52e4a40fa8db;
inline constexpr std::uint64_t kWtApplicationErrorLast = 0x52e5ac983162;
}  // namespace h3

// An HTTP/3 failure: the code to close the connection (or reset the stream) with.
struct H3Error {
  std::uint64_t code;
  const char* what;
};
// nullopt means success; parsers return this so that a caller can act on the exact code.
using H3Status = std::optional<H3Error>;

// WebTransport application error (32 bits) → HTTP/3 error code on the wire.
std::uint64_t webtransport_to_http3_code(std::uint32_t code) noexcept;
// HTTP/3 error code → WebTransport application error; nullopt outside the range or on
// a reserved codepoint.
std::optional<std::uint32_t> http3_to_webtransport_code(std::uint64_t code) noexcept;

}  // namespace kinetic::transport::webtransport
