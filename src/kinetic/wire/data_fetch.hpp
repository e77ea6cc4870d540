// FETCH streams (draft-18 §11.4.4): FETCH_HEADER, then objects whose Serialization Flags say
// which fields are coded against the prior object, and End of Range markers for runs of objects
// that do not exist, are unknown, or (draft-20) timed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

struct FetchHeader {
  std::uint64_t request_id = 0;
  friend bool operator==(const FetchHeader&, const FetchHeader&) = default;
};

void write_fetch_header(ByteWriter& w, const FetchHeader& h);
Result<FetchHeader> read_fetch_header(ByteReader& r);  // reads the stream type too

// The order groups follow on the stream (wire::GroupOrder, from FETCH_OK) decides the sign of
// Group ID Delta.

namespace fetch_flags {
inline constexpr std::uint64_t kSubgroupMask = 0x03;
inline constexpr std::uint64_t kSubgroupZero = 0x00;
inline constexpr std::uint64_t kSubgroupPrior = 0x01;
inline constexpr std::uint64_t kSubgroupPriorPlusOne = 0x02;
inline constexpr std::uint64_t kSubgroupPresent = 0x03;
inline constexpr std::uint64_t kObjectIdDelta = 0x04;
inline constexpr std::uint64_t kGroupIdDelta = 0x08;
inline constexpr std::uint64_t kPriority = 0x10;
inline constexpr std::uint64_t kProperties = 0x20;
inline constexpr std::uint64_t kDatagram = 0x40;
inline constexpr std::uint64_t kEndOfNonExistentRange = 0x8C;
inline constexpr std::uint64_t kEndOfUnknownRange = 0x10C;
inline constexpr std::uint64_t kEndOfTimedOutRange = 0x20C;  // draft-20
}  // namespace fetch_flags

enum class FetchEntryKind : std::uint8_t {
  kObject,
  kEndOfNonExistentRange,
  kEndOfUnknownRange,
  kEndOfTimedOutRange,
};

// One entry's fields before the payload. For End of Range entries only `kind`, `group_id` and
// `object_id` mean anything.
struct FetchObjectHead {
  FetchEntryKind kind = FetchEntryKind::kObject;
  std::uint64_t group_id = 0;
  std::uint64_t object_id = 0;
  ForwardingPreference forwarding = ForwardingPreference::kSubgroup;
  std::uint64_t subgroup_id = 0;
  std::uint8_t publisher_priority = 0;
  KeyValueList properties{};
  std::uint64_t payload_length = 0;

  friend bool operator==(const FetchObjectHead&, const FetchObjectHead&) = default;
};

// The head that serves `object` on a FETCH stream (priority 128, the draft's default, when the
// object inherits it).
FetchObjectHead fetch_head_for(const Object& object);

// What "prior object" means while coding (draft-18 §11.4.4.2): the location moves with every
// entry, the subgroup and priority only with real objects.
struct FetchPrior {
  std::optional<Location> location{};
  std::optional<std::uint64_t> subgroup_id{};  // nullopt also after a datagram object
  std::optional<std::uint8_t> priority{};
};

class FetchObjectWriter {
 public:
  explicit FetchObjectWriter(Version v, GroupOrder order = GroupOrder::kAscending) noexcept
      : version_(v), order_(order) {}

  // Writes the flags and fields up to the payload with the most compact flags the prior object
  // allows; the caller sends `head.payload_length` bytes next. kInvalidValue when the location
  // does not follow the stream's order.
  Status write_object_head(ByteWriter& w, const FetchObjectHead& head);
  Status write_object(ByteWriter& w, FetchObjectHead head, std::span<const std::uint8_t> payload);
  // An End of Range marker ending at `last` (inclusive).
  Status write_end_of_range(ByteWriter& w, FetchEntryKind kind, Location last);

 private:
  Status check_location(Location next) const;

  Version version_;
  GroupOrder order_;
  FetchPrior prior_;
};

class FetchObjectReader {
 public:
  explicit FetchObjectReader(Version v, GroupOrder order = GroupOrder::kAscending,
                             DataLimits limits = {}) noexcept
      : version_(v), order_(order), limits_(limits) {}

  // The group order may be learnt (FETCH_OK) after the stream opens; set it before objects.
  void set_group_order(GroupOrder order) noexcept { order_ = order; }

  // Reads one entry's head; state changes only on success.
  Result<FetchObjectHead> read_object_head(ByteReader& r);

  struct View {
    FetchObjectHead head;
    std::span<const std::uint8_t> payload;
  };
  Result<View> read_object(ByteReader& r);

  // A real object (kind kObject) with its payload.
  [[nodiscard]] static Object to_object(FetchObjectHead head, SharedBytes payload);

 private:
  Version version_;
  GroupOrder order_;
  DataLimits limits_;
  FetchPrior prior_;
};

struct FetchEntry {
  FetchEntryKind kind = FetchEntryKind::kObject;
  Object object;  // for End of Range: only group_id and object_id are set
  friend bool operator==(const FetchEntry&, const FetchEntry&) = default;
};

struct DecodedFetch {
  FetchHeader header;
  std::vector<FetchEntry> entries;
};
// A whole FETCH stream in one buffer; payloads are slices of `stream`.
Result<DecodedFetch> decode_fetch_stream(const SharedBytes& stream, Version v,
                                         GroupOrder order = GroupOrder::kAscending, DataLimits limits = {});

}  // namespace kinetic::wire
