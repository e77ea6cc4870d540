#include "kinetic/wire/data_padding.hpp"

#include <algorithm>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/data_stream_type.hpp"

namespace kinetic::wire {

void write_padding_stream_type(ByteWriter& w) { w.varint(kPaddingStreamType); }

void write_padding_bytes(ByteWriter& w, std::size_t n) {
  auto& out = w.buffer();
  out.insert(out.end(), n, std::uint8_t{0});
}

Status write_padding_datagram(ByteWriter& w, std::size_t total_size) {
  const std::size_t type_size = varint_size(kPaddingDatagramType);
  if (total_size < type_size) return Error{Errc::kInvalidValue, "padding datagram smaller than its type"};
  w.varint(kPaddingDatagramType);
  write_padding_bytes(w, total_size - type_size);
  return ok_status();
}

Status check_padding_bytes(std::span<const std::uint8_t> bytes) noexcept {
  if (std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; })) {
    return Error{Errc::kProtocolViolation, "non-zero padding byte"};
  }
  return ok_status();
}

Result<std::size_t> read_padding_datagram(std::span<const std::uint8_t> datagram) noexcept {
  ByteReader r(datagram);
  auto type = r.varint();
  if (!type) return Error{Errc::kProtocolViolation, "datagram ends inside its type"};
  if (*type != kPaddingDatagramType) return Error{Errc::kProtocolViolation, "not a padding datagram"};
  KINETIC_CHECK(check_padding_bytes(r.rest()));
  return r.remaining();
}

Status PaddingStreamReader::feed(std::span<const std::uint8_t> chunk) noexcept {
  KINETIC_CHECK(check_padding_bytes(chunk));
  discarded_ += chunk.size();
  return ok_status();
}

}  // namespace kinetic::wire
