// HTTP semantics Kinetic needs on top of QPACK: request pseudo-header validation
// (RFC 9114 §4.3), extended CONNECT for WebTransport (RFC 9220), and the structured-field
// lists (RFC 8941) of wt-available-protocols / wt-protocol used to pick a subprotocol.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/transport/webtransport/qpack.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::transport::webtransport {

struct Request {
  std::string method;
  std::string scheme;
  std::string authority;
  std::string path;
  std::string protocol;  // :protocol of extended CONNECT, empty otherwise
  HeaderList fields;     // regular (non-pseudo) fields

  [[nodiscard]] const std::string* field(std::string_view name) const noexcept;
  [[nodiscard]] bool is_webtransport() const noexcept { return method == "CONNECT" && protocol == "webtransport"; }
};

// kProtocolViolation for a malformed request (H3_MESSAGE_ERROR on the stream).
Result<Request> parse_request(const HeaderList& headers);
// The :status of a response; kProtocolViolation when missing or malformed.
Result<int> parse_status(const HeaderList& headers);
const std::string* find_field(const HeaderList& headers, std::string_view name) noexcept;

// The strings of an sf-list, skipping members that are not strings (tokens, numbers,
// inner lists) and all parameters, as the WebTransport draft asks.
Result<std::vector<std::string>> parse_sf_string_list(std::string_view field);
// One sf-string item (parameters ignored).
Result<std::string> parse_sf_string(std::string_view field);
std::string format_sf_string(std::string_view s);
std::string format_sf_string_list(std::span<const std::string> items);

// Our most preferred protocol that the client offered (server preference decides).
std::optional<std::string> select_protocol(std::span<const std::string> offered,
                                           std::span<const std::string> supported);

}  // namespace kinetic::transport::webtransport
