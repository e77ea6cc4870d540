#include "kinetic/base/byte_arena.hpp"

#include <cstring>

namespace kinetic {

SharedBytes ByteArena::copy(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > block_size_ / 4) return SharedBytes::copy(bytes);
  if (room() < bytes.size()) {
    // The old block stays alive through the copies carved from it, and is freed with the last.
    block_ = std::make_shared_for_overwrite<std::uint8_t[]>(block_size_);
    used_ = 0;
  }
  std::uint8_t* at = block_.get() + used_;
  std::memcpy(at, bytes.data(), bytes.size());
  used_ += bytes.size();
  return SharedBytes(block_, at, bytes.size());
}

}  // namespace kinetic
