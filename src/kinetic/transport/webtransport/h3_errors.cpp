#include "kinetic/transport/webtransport/h3_errors.hpp"

namespace kinetic::transport::webtransport {

std::uint64_t webtransport_to_http3_code(std::uint32_t code) noexcept {
  return h3::kWtApplicationErrorFirst + code + code / 0x1e;
}

std::optional<std::uint32_t> http3_to_webtransport_code(std::uint64_t code) noexcept {
  if (code < h3::kWtApplicationErrorFirst || code > h3::kWtApplicationErrorLast) return std::nullopt;
  if ((code - 0x21) % 0x1f == 0) return std::nullopt;  // reserved (GREASE) codepoint
  const std::uint64_t shifted = code - h3::kWtApplicationErrorFirst;
  return static_cast<std::uint32_t>(shifted - shifted / 0x1f);
}

}  // namespace kinetic::transport::webtransport
