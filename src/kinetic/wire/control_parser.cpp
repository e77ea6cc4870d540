#include "kinetic/wire/control_parser.hpp"

#include <algorithm>

namespace kinetic::wire {

Result<ControlMessage> ControlParser::next(std::span<const std::uint8_t>& input) {
  if (failed_) return *failed_;

  // Fast path: a whole frame at the front of the caller's bytes is decoded without copying.
  if (header_length_ == 0) {
    auto whole = decode_control_message(version_, input);
    if (whole) {
      input = input.subspan(whole->consumed);
      return std::move(whole->message);
    }
    if (!whole.error().need_more()) return fail(whole.error());
  }

  // Slow path: gather the header, then the body, across calls.
  while (!have_header_) {
    if (input.empty()) return need_more();
    header_[header_length_++] = input.front();
    input = input.subspan(1);
    const std::size_t type_length = varint_length(header_[0]);
    ByteReader r(std::span<const std::uint8_t>(header_.data(), header_length_));
    if (header_length_ == type_length) {
      // Refuse an unknown type as soon as it is known, as the whole-buffer path does.
      const auto type = message_type_from_wire(version_, r.varint().value());
      if (!type) return fail(Error{Errc::kUnknownMessage, "unknown control message type"});
      type_ = *type;
    }
    if (header_length_ < type_length + 2) continue;
    (void)r.varint();
    body_length_ = r.u16().value();
    have_header_ = true;
    body_.reserve(body_length_);
  }

  const std::size_t take = std::min<std::size_t>(body_length_ - body_.size(), input.size());
  body_.insert(body_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
  input = input.subspan(take);
  if (body_.size() < body_length_) return need_more();

  auto message = decode_control_body(version_, type_, body_);
  reset_frame();
  if (!message) return fail(message.error());
  return message;
}

}  // namespace kinetic::wire
