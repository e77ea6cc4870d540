// The first varint of every unidirectional stream and datagram says what follows. This file
// decodes those type values, including every flag bit of SUBGROUP_HEADER and OBJECT_DATAGRAM
// (draft-18 §11.3.1 and §11.4.2, draft-20 "Type Flags"). Draft-18 lists the valid values;
// draft-20 states them as flag rules (bit 4 reserved in datagrams, subgroup types below 128).
// Each draft's rule is applied as written, keyed on `features(v)`; the two accept the same set.
#pragma once

#include <cstdint>

#include "kinetic/base/result.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

inline constexpr std::uint64_t kFetchHeaderType = 0x05;
inline constexpr std::uint64_t kSetupStreamType = 0x2F00;
inline constexpr std::uint64_t kPaddingStreamType = 0x132B3E28;
inline constexpr std::uint64_t kPaddingDatagramType = 0x132B3E29;

enum class UniStreamKind : std::uint8_t { kSubgroup, kFetch, kSetup, kPadding };

// Classifies the stream type; unknown types are kUnknownMessage (the session closes).
Result<UniStreamKind> classify_uni_stream(std::uint64_t type) noexcept;

enum class SubgroupIdMode : std::uint8_t {
  kZero = 0,           // absent, Subgroup ID 0
  kFirstObjectId = 1,  // absent, Subgroup ID = first Object ID on the stream
  kExplicit = 2,       // present in the header
};

struct SubgroupTypeBits {
  bool properties = false;                         // 0x01: every object carries a Properties field
  SubgroupIdMode id_mode = SubgroupIdMode::kZero;  // 0x06
  bool end_of_group = false;                       // 0x08: this subgroup holds the group's largest object
  bool default_priority = false;                   // 0x20: priority omitted, inherited from the subscription
  bool first_object = false;                       // 0x40: starts with the first object ever in the subgroup

  friend bool operator==(const SubgroupTypeBits&, const SubgroupTypeBits&) = default;
};

inline constexpr bool is_subgroup_type(std::uint64_t type) noexcept {
  return type < 0x80 && (type & 0x10) != 0;
}
std::uint64_t encode_subgroup_type(const SubgroupTypeBits& bits) noexcept;
// kProtocolViolation for values outside 0b0XX1XXXX and for the reserved id mode 0b11.
Result<SubgroupTypeBits> decode_subgroup_type(std::uint64_t type, Version v) noexcept;

struct DatagramTypeBits {
  bool properties = false;        // 0x01
  bool end_of_group = false;      // 0x02
  bool zero_object_id = false;    // 0x04: Object ID omitted, it is 0
  bool default_priority = false;  // 0x08
  bool status = false;            // 0x20: Object Status instead of a payload

  friend bool operator==(const DatagramTypeBits&, const DatagramTypeBits&) = default;
};

std::uint64_t encode_datagram_type(const DatagramTypeBits& bits) noexcept;
// kProtocolViolation for unspecified bits, the reserved bit 0x10 and STATUS with END_OF_GROUP.
Result<DatagramTypeBits> decode_datagram_type(std::uint64_t type, Version v) noexcept;

enum class DatagramKind : std::uint8_t { kObject, kPadding };
Result<DatagramKind> classify_datagram(std::uint64_t type, Version v) noexcept;

}  // namespace kinetic::wire
