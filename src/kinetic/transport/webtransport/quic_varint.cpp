#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

Result<QuicVarint> decode_quic_varint(std::span<const std::uint8_t> in) noexcept {
  if (in.empty()) return need_more();
  const std::size_t length = std::size_t{1} << (in[0] >> 6);
  if (in.size() < length) return need_more();
  std::uint64_t v = in[0] & 0x3fu;
  for (std::size_t i = 1; i < length; ++i) v = (v << 8) | in[i];
  return QuicVarint{v, length};
}

void put_quic_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  if (v > kMaxQuicVarint) v = kMaxQuicVarint;
  const std::size_t n = quic_varint_size(v);
  const std::uint8_t prefix = n == 1 ? 0x00 : n == 2 ? 0x40 : n == 4 ? 0x80 : 0xc0;
  for (std::size_t i = 0; i < n; ++i) {
    auto byte = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    if (i == 0) byte = static_cast<std::uint8_t>(byte | prefix);
    out.push_back(byte);
  }
}

}  // namespace kinetic::transport::webtransport
