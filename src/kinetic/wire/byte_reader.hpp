// Bounded cursor over received bytes. Every read checks the bound and answers
// kNeedMoreBytes when the input ends early, so parsers can be fed incrementally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kinetic/base/result.hpp"
#include "kinetic/wire/varint.hpp"

namespace kinetic::wire {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const noexcept { return pos_ == data_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }

  Result<std::uint64_t> varint() noexcept {
    auto r = decode_varint(rest());
    if (!r) return r.error();
    pos_ += r->length;
    return r->value;
  }

  Result<std::uint8_t> u8() noexcept {
    if (remaining() < 1) return need_more();
    return data_[pos_++];
  }

  Result<std::uint16_t> u16() noexcept {
    if (remaining() < 2) return need_more();
    auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }

  // A view into the input; valid as long as the input is.
  Result<std::span<const std::uint8_t>> bytes(std::size_t n) noexcept {
    if (remaining() < n) return need_more();
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // Varint length, checked against `max` before anything is read, then the bytes.
  Result<std::span<const std::uint8_t>> length_prefixed(std::uint64_t max) noexcept {
    auto len = varint();
    if (!len) return len.error();
    if (*len > max) return Error{Errc::kLimitExceeded, "length exceeds limit"};
    return bytes(static_cast<std::size_t>(*len));
  }

  Status skip(std::size_t n) noexcept {
    if (remaining() < n) return need_more();
    pos_ += n;
    return ok_status();
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

inline std::string_view as_string_view(std::span<const std::uint8_t> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace kinetic::wire
