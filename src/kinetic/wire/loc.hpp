// LOC (Low Overhead Media Container, draft-ietf-moq-loc editor's copy) properties: the
// per-frame metadata a LOC object carries as MoQT Object Properties, visible to relays.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kinetic/wire/key_value.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::wire {

namespace loc {
inline constexpr std::uint64_t kTimescale = 0x08;          // even: vi64
inline constexpr std::uint64_t kVideoFrameMarking = 0x09;  // odd: 1-3 bytes (RFC 9626)
inline constexpr std::uint64_t kAudioLevel = 0x0C;         // even: vi64, low 8 bits (RFC 6464)
inline constexpr std::uint64_t kVideoConfig = 0x0D;        // odd: codec "extradata"
inline constexpr std::uint64_t kAudioConfig = 0x0F;        // odd: codec description
inline constexpr std::uint64_t kTimestamp = 0x10;          // even: vi64
}  // namespace loc

// RFC 9626 frame marking: the first byte is |S|E|I|D|B| TID |; the scalable form adds the
// layer ID and, optionally, TL0PICIDX.
struct VideoFrameMarking {
  bool start_of_frame = false;
  bool end_of_frame = false;
  bool independent = false;
  bool discardable = false;
  bool base_layer_sync = false;
  std::uint8_t temporal_id = 0;  // 0..7
  std::optional<std::uint8_t> layer_id{};
  std::optional<std::uint8_t> tl0_pic_idx{};  // only with layer_id

  friend bool operator==(const VideoFrameMarking&, const VideoFrameMarking&) = default;
};

// RFC 6464: voice activity flag and the level in -dBov (0..127).
struct AudioLevel {
  bool voice_activity = false;
  std::uint8_t level = 0;
  friend bool operator==(const AudioLevel&, const AudioLevel&) = default;
};

struct LocProperties {
  // Units of `timescale` per second; without a timescale, microseconds since the Unix epoch.
  std::optional<std::uint64_t> timestamp{};
  std::optional<std::uint64_t> timescale{};
  std::optional<VideoFrameMarking> frame_marking{};
  std::optional<AudioLevel> audio_level{};
  std::optional<std::string> video_config{};
  std::optional<std::string> audio_config{};

  friend bool operator==(const LocProperties&, const LocProperties&) = default;
};

// Appends the set fields as Key-Value-Pairs (the list is written in type order regardless).
// kInvalidValue for a field outside its range.
Status append_loc_properties(const LocProperties& loc, KeyValueList& properties);

// Reads the LOC fields from an object's properties, searching inside Immutable Properties too
// (draft-18 §12.7); other types are left alone. A LOC type whose value does not fit its
// definition, or that appears twice, is kKeyValueFormatting.
Result<LocProperties> parse_loc_properties(const KeyValueList& properties);

}  // namespace kinetic::wire
