#include "kinetic/base/byte_arena.hpp"

#include <algorithm>
#include <cstring>

namespace kinetic {

SharedBytes ByteArena::copy(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > max_block_ / 4 || (block_ == nullptr && bytes.size() < min_run_))
    return SharedBytes::copy(bytes);
  if (room() < bytes.size()) {
    // The old block stays alive through the copies carved from it, and is freed with the last.
    block_size_ = std::max(next_block_, bytes.size());
    next_block_ = std::min(next_block_ * 2, max_block_);
    block_ = std::make_shared_for_overwrite<std::uint8_t[]>(block_size_);
    used_ = 0;
  }
  std::uint8_t* at = block_.get() + used_;
  std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return SharedBytes(block_, at, bytes.size());
}

void ByteArena::release() noexcept {
  block_.reset();
  block_size_ = used_ = 0;
  next_block_ = std::min(kFirstBlock, max_block_);
}

}  // namespace kinetic
