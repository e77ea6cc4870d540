// MoQT variable-length integer (draft-18 §1.4.1 and later): the count of leading 1 bits
// in the first byte gives the length, 1 to 9 bytes, covering all 64-bit values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kinetic/base/result.hpp"

namespace kinetic::wire {

inline constexpr std::size_t kMaxVarintLength = 9;

// Bytes of the shortest encoding of `value`.
constexpr std::size_t varint_size(std::uint64_t value) noexcept {
  if (value < (1ull << 7)) return 1;
  if (value < (1ull << 14)) return 2;
  if (value < (1ull << 21)) return 3;
  if (value < (1ull << 28)) return 4;
  if (value < (1ull << 35)) return 5;
  if (value < (1ull << 42)) return 6;
  if (value < (1ull << 49)) return 7;
  if (value < (1ull << 56)) return 8;
  return 9;
}

// Length of the encoding that starts with `first_byte`.
constexpr std::size_t varint_length(std::uint8_t first_byte) noexcept {
  std::size_t ones = 0;
  while (ones < 8 && (first_byte & (0x80u >> ones)) != 0) ++ones;
  return ones == 8 ? 9 : ones + 1;
}

struct DecodedVarint {
  std::uint64_t value;
  std::size_t length;
};

// Decodes from the front of `in`; kNeedMoreBytes when `in` ends inside the integer.
Result<DecodedVarint> decode_varint(std::span<const std::uint8_t> in) noexcept;

// Encodes `value` in exactly `length` bytes (a non-minimal length is legal on the wire);
// returns the bytes written, or 0 when `out` is too small or the value does not fit.
std::size_t encode_varint(std::uint64_t value, std::span<std::uint8_t> out,
                          std::size_t length = 0) noexcept;

}  // namespace kinetic::wire
