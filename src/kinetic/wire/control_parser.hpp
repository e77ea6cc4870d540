// Streaming framer for a control or request stream: fed the stream's bytes in chunks of
// any size (one byte at a time included), it yields the same messages as decoding the
// whole stream at once. It holds at most one partial frame: a header of at most 11 bytes
// and a body of at most the declared Message Length (<= 65535), allocated only once that
// length is known. A complete frame inside the caller's chunk is decoded in place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/wire/control_message.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/varint.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

class ControlParser {
 public:
  explicit ControlParser(Version v) noexcept : version_(v) {}

  // Consumes bytes from the front of `input` (advancing it) and returns the next complete
  // message. kNeedMoreBytes means `input` is used up inside a frame: call again with the
  // stream's next bytes. Any other error is final: the parser keeps returning it, since a
  // control stream that went wrong cannot be resynchronised.
  Result<ControlMessage> next(std::span<const std::uint8_t>& input);

  // True while part of a frame is held (a stream ending now would be truncated).
  [[nodiscard]] bool mid_message() const noexcept { return header_length_ != 0; }
  [[nodiscard]] bool failed() const noexcept { return failed_.has_value(); }
  // Bytes held for the frame in progress.
  [[nodiscard]] std::size_t buffered() const noexcept { return header_length_ + body_.size(); }
  [[nodiscard]] Version version() const noexcept { return version_; }

 private:
  static constexpr std::size_t kMaxHeader = kMaxVarintLength + 2;

  Result<ControlMessage> fail(Error e) {
    failed_ = e;
    return e;
  }
  void reset_frame() noexcept {
    header_length_ = 0;
    have_header_ = false;
    body_.clear();
  }

  Version version_;
  std::array<std::uint8_t, kMaxHeader> header_{};
  std::size_t header_length_ = 0;
  bool have_header_ = false;
  MessageType type_ = MessageType::kSetup;
  std::uint16_t body_length_ = 0;
  std::vector<std::uint8_t> body_;
  std::optional<Error> failed_;
};

}  // namespace kinetic::wire
