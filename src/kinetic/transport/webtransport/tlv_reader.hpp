// Streaming reader of type-length-value sequences with QUIC varints, the shape shared by
// HTTP/3 frames (RFC 9114 §7.1) and capsules (RFC 9297 §3.2). Bytes arrive in arbitrary
// pieces; elements are either buffered whole (bounded) or passed through in chunks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kinetic/transport/webtransport/h3_errors.hpp"

namespace kinetic::transport::webtransport {

class TlvReader {
 public:
  class Visitor {
   public:
    virtual ~Visitor() = default;
    // True: deliver this type's payload in chunks through on_chunk instead of buffering.
    virtual bool streamed(std::uint64_t type) const = 0;
    virtual H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) = 0;
    // `end` is set on the last chunk (which may be empty for an empty payload).
    virtual H3Status on_chunk(std::uint64_t type, std::span<const std::uint8_t> chunk, bool end) = 0;
  };

  // `max_buffered`: largest payload buffered whole; larger ones fail with
  // `too_large_code` so a peer cannot make us hold unbounded memory.
  TlvReader(std::size_t max_buffered, std::uint64_t too_large_code) noexcept
      : max_buffered_(max_buffered), too_large_code_(too_large_code) {}

  H3Status feed(std::span<const std::uint8_t> in, Visitor& visitor);
  // True between elements: a stream may end only here.
  [[nodiscard]] bool at_boundary() const noexcept { return state_ == State::kHeader && header_len_ == 0; }

 private:
  enum class State { kHeader, kBuffered, kStreamed };

  std::size_t max_buffered_;
  std::uint64_t too_large_code_;
  State state_ = State::kHeader;
  std::array<std::uint8_t, 16> header_{};
  std::size_t header_len_ = 0;
  std::uint64_t type_ = 0;
  std::uint64_t left_ = 0;
  std::vector<std::uint8_t> payload_;
};

}  // namespace kinetic::transport::webtransport
