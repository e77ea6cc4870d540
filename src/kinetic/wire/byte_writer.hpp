// Appending encoder into a caller-owned vector: the vector grows geometrically, so an
// encoder never allocates per byte, and a caller can reuse one buffer across messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "kinetic/wire/varint.hpp"

namespace kinetic::wire {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) noexcept : out_(out) {}

  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }

  void varint(std::uint64_t value, std::size_t length = 0) {
    std::uint8_t tmp[kMaxVarintLength];
    const std::size_t n = encode_varint(value, tmp, length);
    out_.insert(out_.end(), tmp, tmp + n);
  }

  void u8(std::uint8_t v) { out_.push_back(v); }

  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v & 0xff));
  }

  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void bytes(std::string_view s) {
    out_.insert(out_.end(), reinterpret_cast<const std::uint8_t*>(s.data()),
                reinterpret_cast<const std::uint8_t*>(s.data()) + s.size());
  }

  void length_prefixed(std::span<const std::uint8_t> b) { varint(b.size()); bytes(b); }
  void length_prefixed(std::string_view s) { varint(s.size()); bytes(s); }

  // For length fields written after their payload (the 16-bit control message length).
  void patch_u16(std::size_t at, std::uint16_t v) noexcept {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v & 0xff);
  }

  std::vector<std::uint8_t>& buffer() noexcept { return out_; }

 private:
  std::vector<std::uint8_t>& out_;
};

}  // namespace kinetic::wire
