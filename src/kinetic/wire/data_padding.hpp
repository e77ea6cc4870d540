// Padding (draft-18 §11.5): a stream or datagram of zero bytes that probes for bandwidth and
// carries nothing. Receivers discard it; a non-zero byte breaks the sender's MUST.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::wire {

// The stream type; the caller then sends any number of zero bytes (write_padding_bytes).
void write_padding_stream_type(ByteWriter& w);
void write_padding_bytes(ByteWriter& w, std::size_t n);
// A whole padding datagram of exactly `total_size` bytes (at least the type's 4 bytes).
Status write_padding_datagram(ByteWriter& w, std::size_t total_size);

// Checks received padding bytes (after the type); kProtocolViolation on a non-zero byte.
Status check_padding_bytes(std::span<const std::uint8_t> bytes) noexcept;
// Reads a datagram that starts with the padding type; returns how many padding bytes it held.
Result<std::size_t> read_padding_datagram(std::span<const std::uint8_t> datagram) noexcept;

// Consumes a padding stream after its type, chunk by chunk.
class PaddingStreamReader {
 public:
  Status feed(std::span<const std::uint8_t> chunk) noexcept;
  [[nodiscard]] std::uint64_t discarded() const noexcept { return discarded_; }

 private:
  std::uint64_t discarded_ = 0;
};

}  // namespace kinetic::wire
