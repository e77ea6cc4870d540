#include "kinetic/wire/varint.hpp"

namespace kinetic::wire {

Result<DecodedVarint> decode_varint(std::span<const std::uint8_t> in) noexcept {
  if (in.empty()) return need_more();
  const std::size_t length = varint_length(in[0]);
  if (in.size() < length) return need_more();
  std::uint64_t value = 0;
  if (length < 9) {
    // The first byte keeps 8 - length value bits (none for the 8-byte form).
    const unsigned value_bits = static_cast<unsigned>(8 - length);
    value = value_bits == 0 ? 0 : (in[0] & ((1u << value_bits) - 1u));
  }
  for (std::size_t i = 1; i < length; ++i) value = (value << 8) | in[i];
  return DecodedVarint{value, length};
}

std::size_t encode_varint(std::uint64_t value, std::span<std::uint8_t> out,
                          std::size_t length) noexcept {
  const std::size_t minimal = varint_size(value);
  if (length == 0) length = minimal;
  if (length < minimal || length > kMaxVarintLength || out.size() < length) return 0;
  std::uint64_t v = value;
  for (std::size_t i = length; i-- > 1;) {
    out[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  if (length == 9) {
    out[0] = 0xff;
  } else {
    // (length - 1) leading ones, a zero, then the top value bits.
    const auto prefix = static_cast<std::uint8_t>(0xff00u >> (length - 1));
    out[0] = static_cast<std::uint8_t>(prefix | static_cast<std::uint8_t>(v));
  }
  return length;
}

}  // namespace kinetic::wire
