// QUIC variable-length integers (RFC 9000 §16): the two top bits of the first byte give
// the length (1, 2, 4 or 8 bytes), values up to 2^62-1. HTTP/3, capsules and the
// WebTransport stream prefixes use these, not the MoQT varint of wire/varint.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::transport::webtransport {

inline constexpr std::uint64_t kMaxQuicVarint = (1ull << 62) - 1;

constexpr std::size_t quic_varint_size(std::uint64_t v) noexcept {
  if (v < (1ull << 6)) return 1;
  if (v < (1ull << 14)) return 2;
  if (v < (1ull << 30)) return 4;
  return 8;
}

struct QuicVarint {
  std::uint64_t value;
  std::size_t length;
};

// kNeedMoreBytes when `in` ends inside the integer.
Result<QuicVarint> decode_quic_varint(std::span<const std::uint8_t> in) noexcept;

// Appends the shortest encoding; values above kMaxQuicVarint are clamped to it, because
// no caller has a meaningful value there and the wire cannot carry one.
void put_quic_varint(std::vector<std::uint8_t>& out, std::uint64_t v);

inline void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}
inline void put_bytes(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

// Bounded cursor over a complete buffer, reading QUIC varints.
class QuicReader {
 public:
  explicit QuicReader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const noexcept { return pos_ == data_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }

  Result<std::uint64_t> varint() noexcept {
    auto r = decode_quic_varint(rest());
    if (!r) return r.error();
    pos_ += r->length;
    return r->value;
  }

  Result<std::span<const std::uint8_t>> bytes(std::size_t n) noexcept {
    if (remaining() < n) return need_more();
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace kinetic::transport::webtransport
