// MoQT Key-Value-Pair lists (draft-18 §1.4.3): used for message parameters, setup options
// and object/track properties. Types are delta-encoded, so an encoded list is always in
// ascending type order; even types carry a varint, odd types a length-prefixed byte string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kinetic/base/result.hpp"
#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"

namespace kinetic::wire {

inline constexpr std::size_t kMaxKeyValueBytes = 0xffff;  // odd-type value length bound
inline constexpr std::size_t kDefaultMaxKeyValues = 256;  // Kinetic's per-list bound

struct KeyValuePair {
  std::uint64_t type = 0;
  std::uint64_t value = 0;  // even types
  std::string bytes;        // odd types

  [[nodiscard]] bool is_varint() const noexcept { return type % 2 == 0; }
  friend bool operator==(const KeyValuePair&, const KeyValuePair&) = default;

  static KeyValuePair varint(std::uint64_t type, std::uint64_t v) { return {type, v, {}}; }
  static KeyValuePair blob(std::uint64_t type, std::string b) { return {type, 0, std::move(b)}; }
};

using KeyValueList = std::vector<KeyValuePair>;

// Reads exactly `count` pairs (the count-prefixed form of control messages).
Status read_key_values(ByteReader& r, std::uint64_t count, KeyValueList& out,
                       std::size_t max_count = kDefaultMaxKeyValues);
// Reads pairs until `block` is consumed (the length-prefixed form of properties). A pair cut
// off by the end of the block is a protocol violation, not "need more bytes".
Status read_key_values_block(std::span<const std::uint8_t> block, KeyValueList& out,
                             std::size_t max_count = kDefaultMaxKeyValues);

// Writes the pairs in ascending type order (stable for repeated types), without a count.
// Writers call check_value_lengths first: the encoding itself has room for longer values.
void write_key_values(ByteWriter& w, const KeyValueList& list);
// kLimitExceeded with `error` (a static string) when an odd-type value is longer than any peer
// reads (kMaxKeyValueBytes), so the mistake is the writer's error, not the peer's close.
Status check_value_lengths(const KeyValueList& list, const char* error);
std::size_t key_values_size(const KeyValueList& list);

const KeyValuePair* find_key_value(const KeyValueList& list, std::uint64_t type) noexcept;

}  // namespace kinetic::wire
