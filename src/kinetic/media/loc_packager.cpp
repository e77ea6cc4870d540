#include "kinetic/media/loc_packager.hpp"

#include <cmath>

#include "kinetic/wire/loc.hpp"

namespace kinetic::media {

Result<LocObject> package_loc(const LocFrame& frame) {
  if (frame.pts < 0) return Error{Errc::kInvalidValue, "negative media timestamp"};
  if (frame.timescale == 0) return Error{Errc::kInvalidValue, "zero timescale"};
  if (frame.payload.empty()) return Error{Errc::kInvalidValue, "empty frame"};
  wire::LocProperties loc;
  loc.timestamp = static_cast<std::uint64_t>(frame.pts);
  loc.timescale = frame.timescale;
  if (frame.kind == StreamKind::kVideo) {
    wire::VideoFrameMarking mark;
    mark.start_of_frame = true;
    mark.end_of_frame = true;
    mark.independent = frame.keyframe;
    mark.base_layer_sync = frame.keyframe;
    loc.frame_marking = mark;
    loc.video_config = frame.config;
  } else {
    loc.audio_config = frame.config;
  }
  LocObject out;
  out.payload = frame.payload;
  KINETIC_CHECK(wire::append_loc_properties(loc, out.properties));
  if (frame.capture_time_us) out.properties.push_back(wire::KeyValuePair::varint(kCaptureTime, *frame.capture_time_us));
  return out;
}

Result<LocFrame> unpackage_loc(StreamKind kind, const SharedBytes& payload,
                                     const wire::KeyValueList& properties, bool first_in_group) {
  KINETIC_TRY(auto loc, wire::parse_loc_properties(properties));
  if (!loc.timestamp || (loc.timescale && *loc.timescale == 0)) {
    return Error{Errc::kInvalidValue, "LOC object without media time"};
  }
  // LOC: without a Timescale the Timestamp is wall-clock microseconds since the Unix epoch.
  if (!loc.timescale) loc.timescale = 1'000'000;
  if (*loc.timestamp > static_cast<std::uint64_t>(INT64_MAX)) {
    return Error{Errc::kInvalidValue, "LOC timestamp out of range"};
  }
  if (payload.empty()) return Error{Errc::kInvalidValue, "empty frame"};
  LocFrame f;
  f.kind = kind;
  f.payload = payload;
  f.pts = static_cast<std::int64_t>(*loc.timestamp);
  f.timescale = *loc.timescale;
  if (kind == StreamKind::kVideo) {
    // Without Video Frame Marking, MSF's rule decides: a group starts at a random access point.
    f.keyframe = loc.frame_marking ? loc.frame_marking->independent : first_in_group;
    f.config = loc.video_config;
  } else {
    f.keyframe = true;  // audio frames decode on their own
    f.config = loc.audio_config;
  }
  for (const auto& kv : properties) {
    if (kv.type == kCaptureTime) {
      if (f.capture_time_us) return Error{Errc::kKeyValueFormatting, "capture time twice"};
      f.capture_time_us = kv.value;
    }
  }
  return f;
}

std::int64_t loc_pts_us(const LocFrame& frame) noexcept {
  if (frame.timescale == 0) return 0;
  return static_cast<std::int64_t>(
      std::llround(static_cast<double>(frame.pts) * 1e6 / static_cast<double>(frame.timescale)));
}

}  // namespace kinetic::media
