// Copies of short byte runs (a received packet's stream data) carved one after another from
// shared blocks instead of one allocation each. glibc sends every request of 1 KiB or more
// past its per-thread cache, and each such request first merges all recently freed small
// chunks (malloc_consolidate): a relay copying every 1.4 KB packet of a publisher's stream
// spent ~3% of its CPU there. Consecutive copies of one stream also lie next to each other,
// so an object split across packets can stay one view (SharedBytes::followed_by) instead of
// being gathered into a buffer of its own.
//
// A block lives while any copy carved from it does, so a copy kept long (a cached object) keeps
// its block alive. To bound that for senders of small, sparse objects: a short run with no block
// in use is copied on its own, blocks start at 4 KiB and double per block up to the maximum while
// data keeps coming, and release() (the owner has no stream open) drops the block and starts over.
// Runs larger than a quarter of the maximum get an allocation of their own. A writer of many tiny
// runs that are soon released (object heads) sets a small maximum and no minimum run instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "kinetic/base/shared_bytes.hpp"

namespace kinetic {

class ByteArena {
 public:
  static constexpr std::size_t kDefaultMaxBlock = 32 * 1024;
  static constexpr std::size_t kFirstBlock = 4 * 1024;
  static constexpr std::size_t kMinRun = 512;  // shorter runs start no block

  explicit ByteArena(std::size_t max_block = kDefaultMaxBlock, std::size_t min_run = kMinRun) noexcept
      : max_block_(max_block), min_run_(min_run), next_block_(std::min(kFirstBlock, max_block)) {}

  // Not thread-safe: one arena per event loop's user. The copies may go anywhere.
  SharedBytes copy(std::span<const std::uint8_t> bytes);
  // Lets go of the current block (its copies keep it alive) and starts over at the first size.
  void release() noexcept;

  // Bytes left in the current block, and its size (tests).
  [[nodiscard]] std::size_t room() const noexcept { return block_ == nullptr ? 0 : block_size_ - used_; }
  [[nodiscard]] std::size_t block_size() const noexcept { return block_ == nullptr ? 0 : block_size_; }

 private:
  std::size_t max_block_;
  std::size_t min_run_;
  std::size_t next_block_;
  std::shared_ptr<std::uint8_t[]> block_;
  std::size_t block_size_ = 0;
  std::size_t used_ = 0;
};

}  // namespace kinetic
