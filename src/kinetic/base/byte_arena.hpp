// Copies of short byte runs (a received packet's stream data) carved one after another from
// shared blocks instead of one allocation each. glibc sends every request of 1 KiB or more
// past its per-thread cache, and each such request first merges all recently freed small
// chunks (malloc_consolidate): a relay copying every 1.4 KB packet of a publisher's stream
// spent ~3% of its CPU there. Consecutive copies of one stream also lie next to each other,
// so an object split across packets can stay one view (SharedBytes::followed_by) instead of
// being gathered into a buffer of its own.
//
// A block lives while any copy carved from it does: a copy kept long (a cached object) keeps
// up to one block alive. Runs larger than a quarter block get an allocation of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "kinetic/base/shared_bytes.hpp"

namespace kinetic {

class ByteArena {
 public:
  static constexpr std::size_t kDefaultBlockSize = 32 * 1024;

  explicit ByteArena(std::size_t block_size = kDefaultBlockSize) noexcept : block_size_(block_size) {}

  // Not thread-safe: one arena per event loop's user. The copies may go anywhere.
  SharedBytes copy(std::span<const std::uint8_t> bytes);

  // Bytes left in the current block (tests).
  [[nodiscard]] std::size_t room() const noexcept { return block_ == nullptr ? 0 : block_size_ - used_; }

 private:
  std::size_t block_size_;
  std::shared_ptr<std::uint8_t[]> block_;
  std::size_t used_ = 0;
};

}  // namespace kinetic
