// OBJECT_DATAGRAM (draft-18 §11.3.1; draft-20 "Type Flags"): one object per datagram, either
// with its payload (the rest of the datagram) or, with the STATUS bit, with an Object Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/wire/data_stream_type.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

struct ObjectDatagramHead {
  std::uint64_t track_alias = 0;
  std::uint64_t group_id = 0;
  std::uint64_t object_id = 0;
  std::optional<std::uint8_t> publisher_priority{};  // nullopt: DEFAULT_PRIORITY bit
  bool end_of_group = false;
  KeyValueList properties{};  // non-empty sets the PROPERTIES bit
  // Set: the STATUS form (no payload); nullopt: the payload form. A status datagram may carry
  // Normal, which is an empty object.
  std::optional<ObjectStatus> status{};

  [[nodiscard]] DatagramTypeBits type_bits() const noexcept;
  friend bool operator==(const ObjectDatagramHead&, const ObjectDatagramHead&) = default;
};

// The head that sends `object` as a datagram: the payload form for a Normal object with a
// payload, the status form otherwise.
ObjectDatagramHead datagram_head_for(std::uint64_t track_alias, const Object& object,
                                     bool end_of_group = false);

// Writes the header; in the payload form the caller appends the payload (or sends it as a
// second iovec). kInvalidValue for combinations the draft forbids.
Status write_object_datagram_head(ByteWriter& w, const ObjectDatagramHead& head);
Status write_object_datagram(ByteWriter& w, const ObjectDatagramHead& head,
                             std::span<const std::uint8_t> payload);
std::size_t object_datagram_head_size(const ObjectDatagramHead& head);

struct ObjectDatagramView {
  ObjectDatagramHead head;
  std::span<const std::uint8_t> payload;  // view into the datagram
};
// A datagram is complete, so a field cut short is a protocol violation, never "need more".
Result<ObjectDatagramView> read_object_datagram(std::span<const std::uint8_t> datagram, Version v,
                                                DataLimits limits = {});

struct ObjectDatagram {
  std::uint64_t track_alias = 0;
  bool end_of_group = false;
  Object object;  // forwarding kDatagram; payload a slice of the datagram
};
Result<ObjectDatagram> decode_object_datagram(const SharedBytes& datagram, Version v, DataLimits limits = {});

}  // namespace kinetic::wire
