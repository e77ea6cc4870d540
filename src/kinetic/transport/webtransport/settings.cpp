#include "kinetic/transport/webtransport/settings.hpp"

#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

std::optional<std::uint64_t> Settings::get(std::uint64_t id) const noexcept {
  for (const auto& [k, v] : values)
    if (k == id) return v;
  return std::nullopt;
}

void Settings::set(std::uint64_t id, std::uint64_t value) {
  for (auto& [k, v] : values) {
    if (k == id) { v = value; return; }
  }
  values.emplace_back(id, value);
}

bool Settings::extended_connect() const noexcept { return get(setting::kEnableConnectProtocol) == 1u; }

bool Settings::h3_datagram() const noexcept {
  return get(setting::kH3Datagram) == 1u || get(setting::kH3DatagramDraft04) == 1u;
}

bool Settings::webtransport() const noexcept {
  return get(setting::kWtEnabled).value_or(0) == 1 || get(setting::kWtMaxSessions).value_or(0) > 0 ||
         get(setting::kWebTransportMaxSessionsDraft07).value_or(0) > 0 ||
         get(setting::kEnableWebTransportDraft02).value_or(0) == 1;
}

Settings local_settings(std::uint64_t max_field_section_size, std::uint64_t max_sessions) {
  Settings s;
  s.set(setting::kQpackMaxTableCapacity, 0);
  s.set(setting::kQpackBlockedStreams, 0);
  s.set(setting::kMaxFieldSectionSize, max_field_section_size);
  s.set(setting::kEnableConnectProtocol, 1);
  s.set(setting::kH3Datagram, 1);
  s.set(setting::kEnableWebTransportDraft02, 1);
  s.set(setting::kWebTransportMaxSessionsDraft07, max_sessions);
  s.set(setting::kWtMaxSessions, max_sessions);
  s.set(setting::kWtEnabled, 1);
  return s;
}

void put_settings_frame(std::vector<std::uint8_t>& out, const Settings& settings) {
  std::vector<std::uint8_t> payload;
  for (const auto& [id, value] : settings.values) {
    put_quic_varint(payload, id);
    put_quic_varint(payload, value);
  }
  put_frame(out, frame::kSettings, payload);
}

Result<Settings> decode_settings(std::span<const std::uint8_t> payload) {
  Settings s;
  QuicReader r(payload);
  while (!r.empty()) {
    auto id = r.varint();
    auto value = id ? r.varint() : id;
    if (!id || !value) return Error{Errc::kProtocolViolation, "truncated setting"};
    if (*id <= 0x05 && *id != setting::kQpackMaxTableCapacity)
      return Error{Errc::kInvalidValue, "HTTP/2 setting identifier"};
    if (s.get(*id)) return Error{Errc::kInvalidValue, "duplicate setting"};
    // Bounded: a peer's SETTINGS frame is already size-limited by the frame reader.
    s.values.emplace_back(*id, *value);
  }
  return s;
}

}  // namespace kinetic::transport::webtransport
