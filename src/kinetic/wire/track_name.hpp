// Track Namespace and Track Name (draft-18 §2.4.1 "Track Naming") and their serialized,
// filename- and URL-safe form (§1.5 "Representing Namespace and Track Names").
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::wire {

inline constexpr std::size_t kMaxNamespaceFields = 32;      // "between 0 and 32" fields
inline constexpr std::size_t kMaxFullTrackNameLength = 4096;  // fields' lengths + name length

struct TrackNamespace {
  std::vector<std::string> fields;

  [[nodiscard]] std::size_t byte_length() const noexcept;
  // True when every field of `this` equals the leading field of `other` (the empty
  // namespace is a prefix of everything).
  [[nodiscard]] bool is_prefix_of(const TrackNamespace& other) const noexcept;

  friend bool operator==(const TrackNamespace&, const TrackNamespace&) = default;
  friend auto operator<=>(const TrackNamespace&, const TrackNamespace&) = default;
};

struct FullTrackName {
  TrackNamespace track_namespace;
  std::string name;

  friend bool operator==(const FullTrackName&, const FullTrackName&) = default;
  friend auto operator<=>(const FullTrackName&, const FullTrackName&) = default;
};

// Checks the draft's limits: at most 32 fields, none empty, total length <= 4096.
Status validate_namespace(const TrackNamespace& ns);
Status validate_full_track_name(const FullTrackName& name);

// Wire form: Number of Fields (vi64), then each field length-prefixed. The field count
// and every length are checked against the limits before anything is allocated.
Status read_namespace(ByteReader& r, TrackNamespace& out);
Status write_namespace(ByteWriter& w, const TrackNamespace& ns);
// Track Namespace followed by Track Name Length (vi64) and Track Name.
Status read_full_track_name(ByteReader& r, FullTrackName& out);
Status write_full_track_name(ByteWriter& w, const FullTrackName& name);
std::size_t namespace_wire_size(const TrackNamespace& ns);

// Serialized names: fields joined by '-', then "--" and the track name; bytes outside
// [A-Za-z0-9_] become '.' and two lower-case hex digits.
std::string serialize_namespace(const TrackNamespace& ns);
std::string serialize_full_track_name(const FullTrackName& name);
// Parsing is strict so that the encoding stays bijective: upper-case hex, a hex escape of
// a literal byte, a short escape or an empty field is kInvalidValue.
Result<TrackNamespace> parse_serialized_namespace(std::string_view text);
Result<FullTrackName> parse_serialized_full_track_name(std::string_view text);

}  // namespace kinetic::wire
