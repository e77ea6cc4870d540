#include "kinetic/transport/webtransport/tlv_reader.hpp"

#include <algorithm>

#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

H3Status TlvReader::feed(std::span<const std::uint8_t> in, Visitor& visitor) {
  while (!in.empty()) {
    if (state_ == State::kHeader) {
      // Collect type and length (at most 8 + 8 bytes) before acting on them.
      const std::size_t take = std::min(in.size(), header_.size() - header_len_);
      std::copy_n(in.begin(), take, header_.begin() + static_cast<std::ptrdiff_t>(header_len_));
      const std::span<const std::uint8_t> have(header_.data(), header_len_ + take);
      QuicReader r(have);
      auto type = r.varint();
      if (!type) { header_len_ += take; in = in.subspan(take); continue; }
      auto length = r.varint();
      if (!length) { header_len_ += take; in = in.subspan(take); continue; }
      const std::size_t used = r.position() - header_len_;  // bytes of `in` that belonged to the header
      in = in.subspan(used);
      header_len_ = 0;
      type_ = *type;
      left_ = *length;
      if (visitor.streamed(type_)) {
        state_ = State::kStreamed;
        if (left_ == 0) {
          state_ = State::kHeader;
          if (auto err = visitor.on_chunk(type_, {}, true)) return err;
        }
      } else {
        if (left_ > max_buffered_) return H3Error{too_large_code_, "element exceeds size limit"};
        payload_.clear();
        payload_.reserve(static_cast<std::size_t>(left_));
        state_ = State::kBuffered;
        if (left_ == 0) {
          state_ = State::kHeader;
          if (auto err = visitor.on_element(type_, {})) return err;
        }
      }
      continue;
    }
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, in.size()));
    auto chunk = in.first(take);
    in = in.subspan(take);
    left_ -= take;
    if (state_ == State::kStreamed) {
      const bool end = left_ == 0;
      if (end) state_ = State::kHeader;
      if (auto err = visitor.on_chunk(type_, chunk, end)) return err;
    } else {
      payload_.insert(payload_.end(), chunk.begin(), chunk.end());
      if (left_ == 0) {
        state_ = State::kHeader;
        if (auto err = visitor.on_element(type_, payload_)) return err;
      }
    }
  }
  return std::nullopt;
}

}  // namespace kinetic::transport::webtransport
