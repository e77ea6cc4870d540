// HTTP/3 SETTINGS (RFC 9114 §7.2.4) and the settings that turn on extended CONNECT
// (RFC 9220), HTTP datagrams (RFC 9297) and WebTransport. WebTransport's setting moved
// between drafts; browsers in the field still speak the older ones, so a server
// advertises every generation and a peer is taken to support WebTransport if it names any.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::transport::webtransport {

namespace setting {
inline constexpr std::uint64_t kQpackMaxTableCapacity = 0x01;
inline constexpr std::uint64_t kMaxFieldSectionSize = 0x06;
inline constexpr std::uint64_t kQpackBlockedStreams = 0x07;
inline constexpr std::uint64_t kEnableConnectProtocol = 0x08;
inline constexpr std::uint64_t kH3Datagram = 0x33;
inline constexpr std::uint64_t kH3DatagramDraft04 = 0xffd277;
// draft-ietf-webtrans-http3-02: SETTINGS_ENABLE_WEBTRANSPORT.
inline constexpr std::uint64_t kEnableWebTransportDraft02 = 0x2b603742;
// draft-ietf-webtrans-http3-07: SETTINGS_WEBTRANSPORT_MAX_SESSIONS (what Chromium checks).
inline constexpr std::uint64_t kWebTransportMaxSessionsDraft07 = 0xc671706a;
// draft-ietf-webtrans-http3-09 to -12: SETTINGS_WT_MAX_SESSIONS.
inline constexpr std::uint64_t kWtMaxSessions = 0x14e9cd29;
// draft-ietf-webtrans-http3-13 and later: SETTINGS_WT_ENABLED.
inline constexpr std::uint64_t kWtEnabled = 0x2c7cf000;
}  // namespace setting

struct Settings {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> values;

  [[nodiscard]] std::optional<std::uint64_t> get(std::uint64_t id) const noexcept;
  void set(std::uint64_t id, std::uint64_t value);

  [[nodiscard]] bool extended_connect() const noexcept;
  [[nodiscard]] bool h3_datagram() const noexcept;
  [[nodiscard]] bool webtransport() const noexcept;
};

// What Kinetic sends: no QPACK dynamic table (so no blocked streams), extended CONNECT,
// datagrams and WebTransport under every identifier in use.
Settings local_settings(std::uint64_t max_field_section_size, std::uint64_t max_sessions);

void put_settings_frame(std::vector<std::uint8_t>& out, const Settings& settings);
// Decodes a SETTINGS payload. kProtocolViolation: malformed (H3_FRAME_ERROR);
// kInvalidValue: duplicate or HTTP/2-only identifier (H3_SETTINGS_ERROR).
Result<Settings> decode_settings(std::span<const std::uint8_t> payload);

}  // namespace kinetic::transport::webtransport
