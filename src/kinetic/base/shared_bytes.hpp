// Immutable, reference-counted bytes. A relay keeps an object's payload once and every
// subscriber's stream writes from that same memory; slicing shares, never copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace kinetic {

class SharedBytes {
 public:
  SharedBytes() = default;
  explicit SharedBytes(std::vector<std::uint8_t> bytes) {
    auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    data_ = owner->data();
    size_ = owner->size();
    owner_ = std::move(owner);
  }
  // [data, data + size) kept alive by `owner`, which must not change those bytes afterwards.
  SharedBytes(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size) noexcept
      : owner_(std::move(owner)), data_(data), size_(size) {}

  static SharedBytes copy(std::span<const std::uint8_t> b) { return SharedBytes({b.begin(), b.end()}); }
  static SharedBytes copy(std::string_view s) {
    return SharedBytes({reinterpret_cast<const std::uint8_t*>(s.data()),
                        reinterpret_cast<const std::uint8_t*>(s.data()) + s.size()});
  }

  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::span<const std::uint8_t> span() const noexcept { return {data_, size_}; }
  operator std::span<const std::uint8_t>() const noexcept { return span(); }  // NOLINT(implicit)

  // A view of [offset, offset + length) sharing the same owner.
  [[nodiscard]] SharedBytes slice(std::size_t offset, std::size_t length) const noexcept {
    SharedBytes s = *this;
    s.data_ = data_ + offset;
    s.size_ = length;
    return s;
  }

  // Whether `next` starts where this ends in the same owner's memory, so the two are one run.
  [[nodiscard]] bool followed_by(const SharedBytes& next) const noexcept {
    return !empty() && owner_ == next.owner_ && data_ + size_ == next.data_;
  }
  // This and `next` as one view; only where followed_by(next).
  [[nodiscard]] SharedBytes joined(const SharedBytes& next) const noexcept {
    SharedBytes s = *this;
    s.size_ += next.size_;
    return s;
  }

  // How many holders share the memory (for tests that prove no per-subscriber copy).
  [[nodiscard]] long use_count() const noexcept { return owner_.use_count(); }

  friend bool operator==(const SharedBytes& a, const SharedBytes& b) noexcept {
    return a.size_ == b.size_ && (a.data_ == b.data_ || std::equal(a.data_, a.data_ + a.size_, b.data_));
  }

 private:
  std::shared_ptr<const void> owner_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace kinetic
