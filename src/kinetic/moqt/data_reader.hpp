// Reads one incoming unidirectional data stream (subgroup or FETCH) into session objects.
// The wire parsers stay behind this class so that control-plane code never sees the data-plane
// headers; errors come back with the session close code the draft gives them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "kinetic/moqt/types.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::moqt {

class DataStreamReader {
 public:
  enum class Kind : std::uint8_t { kUnknown, kSubgroup, kFetch, kPadding };

  DataStreamReader(wire::Version v, std::size_t max_payload);
  ~DataStreamReader();
  DataStreamReader(const DataStreamReader&) = delete;
  DataStreamReader& operator=(const DataStreamReader&) = delete;

  // False on a malformed stream; error_code() / error_what() say why (sticky).
  bool feed(const SharedBytes& chunk);
  bool finish();

  [[nodiscard]] Kind kind() const noexcept;
  // Subgroup streams, once the header is read.
  [[nodiscard]] std::optional<std::uint64_t> track_alias() const;
  [[nodiscard]] std::optional<std::uint64_t> group_id() const;
  [[nodiscard]] std::optional<std::uint64_t> subgroup_id() const;  // resolved with the first object
  // FETCH streams, once the header is read.
  [[nodiscard]] std::optional<std::uint64_t> request_id() const;
  void set_descending();

  // Pops the next complete object (for subgroup streams, publisher priority nullopt on the
  // wire becomes `default_priority`). False when none is ready.
  bool next(Object& out, std::uint8_t default_priority = kDefaultPriority);

  [[nodiscard]] std::uint64_t error_code() const noexcept { return error_code_; }
  [[nodiscard]] const char* error_what() const noexcept { return error_what_; }

 private:
  struct State;
  bool fail(std::uint64_t code, const char* what);
  std::unique_ptr<State> state_;
  std::uint64_t error_code_ = 0;
  const char* error_what_ = "";
};

// OBJECT_DATAGRAM both ways.
struct DatagramObject {
  std::uint64_t track_alias = 0;
  Object object;
};
// Empty when the object cannot be a datagram (the head would not be encodable).
std::optional<std::vector<std::uint8_t>> encode_datagram(wire::Version v, std::uint64_t track_alias,
                                                         const Object& object);
// Error: the session close code (PROTOCOL_VIOLATION) in `error_code`.
std::optional<DatagramObject> decode_datagram(wire::Version v, const SharedBytes& datagram, std::uint64_t& error_code);

}  // namespace kinetic::moqt
