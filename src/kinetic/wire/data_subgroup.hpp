// Subgroup streams (draft-18 §11.4.2): SUBGROUP_HEADER, then objects whose IDs are delta coded
// against the previous object on the stream. Writers emit object headers only, so the payload
// can be sent from its own (cached, shared) buffer with writev; readers hand the payload back
// as a view of the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/wire/data_stream_type.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

struct SubgroupHeader {
  std::uint64_t track_alias = 0;
  std::uint64_t group_id = 0;
  SubgroupIdMode id_mode = SubgroupIdMode::kExplicit;
  // On the wire only in kExplicit mode; 0 in kZero mode; in kFirstObjectId mode the first
  // object's ID (a writer must set it, a reader learns it with the first object).
  std::uint64_t subgroup_id = 0;
  std::optional<std::uint8_t> publisher_priority{};  // nullopt: DEFAULT_PRIORITY bit
  bool properties = false;
  bool end_of_group = false;
  bool first_object = false;

  [[nodiscard]] SubgroupTypeBits type_bits() const noexcept;
  friend bool operator==(const SubgroupHeader&, const SubgroupHeader&) = default;
};

void write_subgroup_header(ByteWriter& w, const SubgroupHeader& h);
std::size_t subgroup_header_size(const SubgroupHeader& h) noexcept;
// Reads the stream type too. On kNeedMoreBytes the reader's position is unspecified; callers
// retry from the start of the stream with more bytes.
Result<SubgroupHeader> read_subgroup_header(ByteReader& r, Version v);

// One object's fields before its payload.
struct SubgroupObjectHead {
  std::uint64_t object_id = 0;
  ObjectStatus status = ObjectStatus::kNormal;
  KeyValueList properties{};
  std::uint64_t payload_length = 0;
};

class SubgroupObjectWriter {
 public:
  explicit SubgroupObjectWriter(const SubgroupHeader& header) noexcept : header_(header) {}

  // Writes Object ID Delta, Properties, Payload Length and (for an empty payload) Status; the
  // caller sends `payload_length` payload bytes next. kInvalidValue when the object breaks a
  // rule of the stream (IDs not ascending, properties on a stream without them, status rules).
  Status write_object_head(ByteWriter& w, std::uint64_t object_id, const KeyValueList& properties,
                           ObjectStatus status, std::size_t payload_length);
  // Head and payload in one buffer, for small objects and tests.
  Status write_object(ByteWriter& w, std::uint64_t object_id, const KeyValueList& properties,
                      ObjectStatus status, std::span<const std::uint8_t> payload);

 private:
  SubgroupHeader header_;
  std::optional<std::uint64_t> previous_id_{};
  bool ended_ = false;
};

class SubgroupObjectReader {
 public:
  explicit SubgroupObjectReader(const SubgroupHeader& header, DataLimits limits = {}) noexcept
      : header_(header), limits_(limits) {}

  // Reads one object's head. State changes only on success, so after kNeedMoreBytes the caller
  // retries from the same byte with more input.
  Result<SubgroupObjectHead> read_object_head(ByteReader& r);

  // Head plus payload as a view into the reader's input.
  struct View {
    SubgroupObjectHead head;
    std::span<const std::uint8_t> payload;
  };
  Result<View> read_object(ByteReader& r);

  // The header as known so far: the subgroup ID is resolved once the first object is read.
  [[nodiscard]] const SubgroupHeader& header() const noexcept { return header_; }
  // The full object, payload a slice of `payload_owner` (or a copy when it is not the owner).
  [[nodiscard]] Object to_object(SubgroupObjectHead head, SharedBytes payload) const;

 private:
  SubgroupHeader header_;
  DataLimits limits_;
  std::optional<std::uint64_t> previous_id_{};
  bool ended_ = false;
};

// Decodes a whole subgroup stream held in one buffer; every payload is a slice of `stream`.
struct DecodedSubgroup {
  SubgroupHeader header;
  std::vector<Object> objects;
};
Result<DecodedSubgroup> decode_subgroup_stream(const SharedBytes& stream, Version v, DataLimits limits = {});

}  // namespace kinetic::wire
