// One coded frame ⇄ one LOC object (draft-ietf-moq-loc): the payload is the frame's bytes
// untouched; the metadata travels as Object Properties a relay can read without parsing media.
//
// Media time goes in LOC Timestamp + Timescale so a subscriber can rebuild the exact MP4
// timeline. LOC's single Timestamp cannot also carry when the frame was captured, so the
// capture wall clock travels in a Kinetic property (kCaptureTime) beside it; subscribers use
// it to measure glass-to-glass latency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/wire/key_value.hpp"
#include "kinetic/base/result.hpp"
#include "kinetic/base/shared_bytes.hpp"

namespace kinetic::media {

// Capture time in microseconds since the Unix epoch (even type: a varint). Chosen far from
// the types LOC and MoQT register so that it never collides with them.
inline constexpr std::uint64_t kCaptureTime = 0x4B10;

struct LocFrame {
  StreamKind kind = StreamKind::kVideo;
  SharedBytes payload;
  std::int64_t pts = 0;          // media time in `timescale` units (never negative on the wire)
  std::uint64_t timescale = 0;   // units per second
  bool keyframe = false;
  std::optional<std::uint64_t> capture_time_us;
  // Decoder configuration (e.g. avcC), sent with keyframes so a late joiner can start there.
  std::optional<std::string> config;
  friend bool operator==(const LocFrame&, const LocFrame&) = default;
};

struct LocObject {
  SharedBytes payload;
  wire::KeyValueList properties;
};

// kInvalidValue for a negative pts, a zero timescale or an empty payload.
Result<LocObject> package_loc(const LocFrame& frame);
// Reads a LOC object back. The kind comes from the catalog (LOC does not say it); a missing
// Timestamp (or a zero Timescale) is kInvalidValue, malformed LOC properties kKeyValueFormatting.
// Without a Timescale the Timestamp is microseconds (LOC: wall clock since the Unix epoch).
// A video object without Video Frame Marking is a keyframe when it is the first of its group
// (`first_in_group`: object ID 0), as MSF groups start at random access points.
// The frame's media time in microseconds (0 for a zero timescale): what players key slots on.
std::int64_t loc_pts_us(const LocFrame& frame) noexcept;

Result<LocFrame> unpackage_loc(StreamKind kind, const SharedBytes& payload,
                                     const wire::KeyValueList& properties, bool first_in_group = false);

}  // namespace kinetic::media
