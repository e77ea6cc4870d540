// Streaming parsers for data streams. Bytes arrive in whatever chunks the transport delivers;
// the parsers emit the same header and objects whether fed a whole stream or one byte at a
// time. A payload that lies inside one received chunk is handed out as a slice of that chunk
// (no copy), and so is one split across chunks that lie one after another in the same memory
// (SharedBytes::followed_by; a ByteArena's copies); any other is gathered once into its own
// buffer. Lengths are checked against `DataLimits` when read, before anything is allocated or
// awaited.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "kinetic/wire/data_fetch.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/wire/data_padding.hpp"
#include "kinetic/wire/data_stream_type.hpp"
#include "kinetic/wire/data_subgroup.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/base/shared_bytes.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

// The kind of a unidirectional stream from its first bytes; kNeedMoreBytes until the type
// varint is complete, kUnknownMessage for a type no draft defines.
Result<UniStreamKind> peek_uni_stream_kind(std::span<const std::uint8_t> first_bytes) noexcept;

// The chunk-assembly machinery both stream parsers share: a head (stream header or object
// fields) is parsed from the chunk in place when it fits, else from a small bounded buffer;
// then the payload is sliced or gathered.
class FramedStreamParser {
 public:
  virtual ~FramedStreamParser() = default;

  // Errors are sticky: after one, every call returns it again.
  Status feed(const SharedBytes& chunk);
  Status feed(std::span<const std::uint8_t> chunk);  // copies the chunk once
  // The stream's FIN: ending inside the header or an object is a protocol violation.
  Status finish();

  [[nodiscard]] bool failed() const noexcept { return error_.has_value(); }
  // Bytes of the current head or payload received but not yet emitted.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept {
    return head_buf_.size() + payload_run_.size() + payload_buf_.size();
  }

 protected:
  explicit FramedStreamParser(const DataLimits& limits);

  // Parses the next head from `r`, changing state only on success. Returns nullopt for the
  // stream header (nothing follows it) or the payload length of an object.
  virtual Result<std::optional<std::uint64_t>> parse_head(ByteReader& r) = 0;
  // The payload of the object whose head was parsed last.
  virtual void emit(SharedBytes payload) = 0;
  [[nodiscard]] virtual bool header_done() const noexcept = 0;

 private:
  Status fail(Error e);

  std::size_t head_cap_;
  std::vector<std::uint8_t> head_buf_;
  // The payload so far: a view while its chunks lie one after another in memory, else gathered.
  SharedBytes payload_run_;
  std::vector<std::uint8_t> payload_buf_;
  std::uint64_t payload_length_ = 0;
  bool in_payload_ = false;
  bool finished_ = false;
  std::optional<Error> error_{};
};

class SubgroupStreamParser final : public FramedStreamParser {
 public:
  explicit SubgroupStreamParser(Version v, DataLimits limits = {})
      : FramedStreamParser(limits), version_(v), limits_(limits) {}

  // The header once read; its subgroup ID is resolved with the first object in kFirstObjectId mode.
  [[nodiscard]] std::optional<SubgroupHeader> header() const;
  // Pops the next complete object; false when none is ready.
  bool next(Object& out);
  [[nodiscard]] std::size_t ready() const noexcept { return objects_.size(); }

 private:
  Result<std::optional<std::uint64_t>> parse_head(ByteReader& r) override;
  void emit(SharedBytes payload) override;
  [[nodiscard]] bool header_done() const noexcept override { return reader_.has_value(); }

  Version version_;
  DataLimits limits_;
  std::optional<SubgroupObjectReader> reader_{};
  SubgroupObjectHead pending_;
  std::deque<Object> objects_;
};

class FetchStreamParser final : public FramedStreamParser {
 public:
  explicit FetchStreamParser(Version v, GroupOrder order = GroupOrder::kAscending, DataLimits limits = {})
      : FramedStreamParser(limits), reader_(v, order, limits) {}

  // The fetch's group order (from FETCH_OK) may be learnt after the stream opens.
  void set_group_order(GroupOrder order) noexcept { reader_.set_group_order(order); }

  [[nodiscard]] const std::optional<FetchHeader>& header() const noexcept { return header_; }
  bool next(FetchEntry& out);
  [[nodiscard]] std::size_t ready() const noexcept { return entries_.size(); }

 private:
  Result<std::optional<std::uint64_t>> parse_head(ByteReader& r) override;
  void emit(SharedBytes payload) override;
  [[nodiscard]] bool header_done() const noexcept override { return header_.has_value(); }

  std::optional<FetchHeader> header_{};
  FetchObjectReader reader_;
  FetchObjectHead pending_;
  std::deque<FetchEntry> entries_;
};

// An incoming unidirectional data stream from its first byte: waits for the stream type, then
// hands every byte (type included) to the parser of that kind. A FETCH stream decodes in
// ascending group order until fetch()->set_group_order() says otherwise. SETUP streams are not
// data streams and are refused here: a session that can receive one peeks the kind first
// (peek_uni_stream_kind) and gives it to the control codec.
class UniStreamParser {
 public:
  explicit UniStreamParser(Version v, DataLimits limits = {}) : version_(v), limits_(limits) {}

  Status feed(const SharedBytes& chunk);
  Status finish();

  // nullopt until the type varint is complete.
  [[nodiscard]] std::optional<UniStreamKind> kind() const noexcept;
  // The parser for the stream's kind; null when the stream is of another kind or not known yet.
  SubgroupStreamParser* subgroup() noexcept { return std::get_if<SubgroupStreamParser>(&parser_); }
  FetchStreamParser* fetch() noexcept { return std::get_if<FetchStreamParser>(&parser_); }
  PaddingStreamReader* padding() noexcept { return std::get_if<PaddingStreamReader>(&parser_); }

 private:
  Version version_;
  DataLimits limits_;
  std::vector<std::uint8_t> type_bytes_;
  std::variant<std::monostate, SubgroupStreamParser, FetchStreamParser, PaddingStreamReader> parser_;
};

}  // namespace kinetic::wire
