#include "kinetic/wire/loc.hpp"

#include "kinetic/wire/data_object.hpp"

namespace kinetic::wire {
namespace {

Error formatting(const char* what) { return {Errc::kKeyValueFormatting, what}; }

std::string encode_frame_marking(const VideoFrameMarking& m) {
  std::string out;
  out.push_back(static_cast<char>((m.start_of_frame ? 0x80 : 0) | (m.end_of_frame ? 0x40 : 0) |
                                  (m.independent ? 0x20 : 0) | (m.discardable ? 0x10 : 0) |
                                  (m.base_layer_sync ? 0x08 : 0) | (m.temporal_id & 0x07)));
  if (m.layer_id) {
    out.push_back(static_cast<char>(*m.layer_id));
    if (m.tl0_pic_idx) out.push_back(static_cast<char>(*m.tl0_pic_idx));
  }
  return out;
}

Result<VideoFrameMarking> decode_frame_marking(const std::string& bytes) {
  if (bytes.empty() || bytes.size() > 3) return formatting("video frame marking is 1 to 3 bytes");
  const auto b0 = static_cast<std::uint8_t>(bytes[0]);
  VideoFrameMarking m;
  m.start_of_frame = (b0 & 0x80) != 0;
  m.end_of_frame = (b0 & 0x40) != 0;
  m.independent = (b0 & 0x20) != 0;
  m.discardable = (b0 & 0x10) != 0;
  m.base_layer_sync = (b0 & 0x08) != 0;
  m.temporal_id = static_cast<std::uint8_t>(b0 & 0x07);
  if (bytes.size() >= 2) m.layer_id = static_cast<std::uint8_t>(bytes[1]);
  if (bytes.size() == 3) m.tl0_pic_idx = static_cast<std::uint8_t>(bytes[2]);
  return m;
}

Status take(const KeyValuePair& kv, LocProperties& out) {
  auto once = [](auto& field) -> Status {
    if (field.has_value()) return formatting("LOC property repeated");
    return ok_status();
  };
  switch (kv.type) {
    case loc::kTimestamp:
      KINETIC_CHECK(once(out.timestamp));
      out.timestamp = kv.value;
      break;
    case loc::kTimescale:
      KINETIC_CHECK(once(out.timescale));
      if (kv.value == 0) return formatting("LOC timescale is zero");
      out.timescale = kv.value;
      break;
    case loc::kVideoFrameMarking: {
      KINETIC_CHECK(once(out.frame_marking));
      KINETIC_TRY(out.frame_marking, decode_frame_marking(kv.bytes));
      break;
    }
    case loc::kAudioLevel:
      KINETIC_CHECK(once(out.audio_level));
      if (kv.value > 0xFF) return formatting("LOC audio level above 8 bits");
      out.audio_level = AudioLevel{(kv.value & 0x80) != 0, static_cast<std::uint8_t>(kv.value & 0x7F)};
      break;
    case loc::kVideoConfig:
      KINETIC_CHECK(once(out.video_config));
      out.video_config = kv.bytes;
      break;
    case loc::kAudioConfig:
      KINETIC_CHECK(once(out.audio_config));
      out.audio_config = kv.bytes;
      break;
    default:
      break;
  }
  return ok_status();
}

}  // namespace

Status append_loc_properties(const LocProperties& loc, KeyValueList& properties) {
  if (loc.timescale && *loc.timescale == 0) return Error{Errc::kInvalidValue, "LOC timescale is zero"};
  if (loc.frame_marking) {
    if (loc.frame_marking->temporal_id > 7) return Error{Errc::kInvalidValue, "temporal ID above 7"};
    if (loc.frame_marking->tl0_pic_idx && !loc.frame_marking->layer_id) {
      return Error{Errc::kInvalidValue, "TL0PICIDX needs a layer ID"};
    }
  }
  if (loc.audio_level && loc.audio_level->level > 127)
    return Error{Errc::kInvalidValue, "audio level above 127"};
  if (loc.video_config && loc.video_config->size() > kMaxKeyValueBytes) {
    return Error{Errc::kInvalidValue, "video config above 65535 bytes"};
  }
  if (loc.audio_config && loc.audio_config->size() > kMaxKeyValueBytes) {
    return Error{Errc::kInvalidValue, "audio config above 65535 bytes"};
  }
  if (loc.timestamp) properties.push_back(KeyValuePair::varint(loc::kTimestamp, *loc.timestamp));
  if (loc.timescale) properties.push_back(KeyValuePair::varint(loc::kTimescale, *loc.timescale));
  if (loc.frame_marking) {
    properties.push_back(
        KeyValuePair::blob(loc::kVideoFrameMarking, encode_frame_marking(*loc.frame_marking)));
  }
  if (loc.audio_level) {
    properties.push_back(KeyValuePair::varint(
        loc::kAudioLevel, (loc.audio_level->voice_activity ? 0x80u : 0u) | loc.audio_level->level));
  }
  if (loc.video_config) properties.push_back(KeyValuePair::blob(loc::kVideoConfig, *loc.video_config));
  if (loc.audio_config) properties.push_back(KeyValuePair::blob(loc::kAudioConfig, *loc.audio_config));
  return ok_status();
}

Result<LocProperties> parse_loc_properties(const KeyValueList& properties) {
  LocProperties out;
  for (const auto& kv : properties) {
    if (kv.type == property::kImmutableProperties) {
      KeyValueList inner;
      auto parsed = read_key_values_block(
          {reinterpret_cast<const std::uint8_t*>(kv.bytes.data()), kv.bytes.size()}, inner);
      if (!parsed) return formatting("Immutable Properties do not parse");
      for (const auto& inner_kv : inner) KINETIC_CHECK(take(inner_kv, out));
      continue;
    }
    KINETIC_CHECK(take(kv, out));
  }
  return out;
}

}  // namespace kinetic::wire
