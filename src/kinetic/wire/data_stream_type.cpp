#include "kinetic/wire/data_stream_type.hpp"

namespace kinetic::wire {

Result<UniStreamKind> classify_uni_stream(std::uint64_t type) noexcept {
  if (type == kFetchHeaderType) return UniStreamKind::kFetch;
  if (type == kSetupStreamType) return UniStreamKind::kSetup;
  if (type == kPaddingStreamType) return UniStreamKind::kPadding;
  if (is_subgroup_type(type)) return UniStreamKind::kSubgroup;
  return Error{Errc::kUnknownMessage, "unknown unidirectional stream type"};
}

std::uint64_t encode_subgroup_type(const SubgroupTypeBits& b) noexcept {
  std::uint64_t t = 0x10;
  if (b.properties) t |= 0x01;
  t |= static_cast<std::uint64_t>(b.id_mode) << 1;
  if (b.end_of_group) t |= 0x08;
  if (b.default_priority) t |= 0x20;
  if (b.first_object) t |= 0x40;
  return t;
}

Result<SubgroupTypeBits> decode_subgroup_type(std::uint64_t type, Version v) noexcept {
  if (features(v).subgroup_type_below_128) {
    if (type >= 0x80) return Error{Errc::kProtocolViolation, "SUBGROUP_HEADER type flags of 128 or more"};
    if ((type & 0x10) == 0) return Error{Errc::kProtocolViolation, "SUBGROUP_HEADER type without bit 4"};
  } else {
    const bool listed = (type >= 0x10 && type <= 0x1F) || (type >= 0x30 && type <= 0x3F) ||
                        (type >= 0x50 && type <= 0x5F) || (type >= 0x70 && type <= 0x7F);
    if (!listed) return Error{Errc::kProtocolViolation, "not a SUBGROUP_HEADER type"};
  }
  const auto mode = static_cast<std::uint8_t>((type & 0x06) >> 1);
  if (mode == 3) return Error{Errc::kProtocolViolation, "reserved subgroup id mode"};
  SubgroupTypeBits b;
  b.properties = (type & 0x01) != 0;
  b.id_mode = static_cast<SubgroupIdMode>(mode);
  b.end_of_group = (type & 0x08) != 0;
  b.default_priority = (type & 0x20) != 0;
  b.first_object = (type & 0x40) != 0;
  return b;
}

std::uint64_t encode_datagram_type(const DatagramTypeBits& b) noexcept {
  std::uint64_t t = 0;
  if (b.properties) t |= 0x01;
  if (b.end_of_group) t |= 0x02;
  if (b.zero_object_id) t |= 0x04;
  if (b.default_priority) t |= 0x08;
  if (b.status) t |= 0x20;
  return t;
}

Result<DatagramTypeBits> decode_datagram_type(std::uint64_t type, Version v) noexcept {
  if (features(v).datagram_type_is_flags) {
    if ((type & 0x10) != 0) return Error{Errc::kProtocolViolation, "datagram type flag bit 4 is reserved"};
    if ((type & ~std::uint64_t{0x2F}) != 0) {
      return Error{Errc::kProtocolViolation, "datagram type flag with no meaning"};
    }
  } else if (type > 0x2F || (type > 0x0F && type < 0x20)) {
    return Error{Errc::kProtocolViolation, "not an OBJECT_DATAGRAM type"};
  }
  DatagramTypeBits b;
  b.properties = (type & 0x01) != 0;
  b.end_of_group = (type & 0x02) != 0;
  b.zero_object_id = (type & 0x04) != 0;
  b.default_priority = (type & 0x08) != 0;
  b.status = (type & 0x20) != 0;
  if (b.status && b.end_of_group) {
    return Error{Errc::kProtocolViolation, "status datagram cannot signal end of group"};
  }
  return b;
}

Result<DatagramKind> classify_datagram(std::uint64_t type, Version v) noexcept {
  if (type == kPaddingDatagramType) return DatagramKind::kPadding;
  auto bits = decode_datagram_type(type, v);
  if (!bits) return bits.error();
  return DatagramKind::kObject;
}

}  // namespace kinetic::wire
