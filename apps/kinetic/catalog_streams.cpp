#include "catalog_streams.hpp"

extern "C" {
#include <libavcodec/codec_id.h>
}

#include <climits>
#include <cstdlib>
#include <string>

namespace kinetic::app {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::optional<media::StreamInfo> stream_from_catalog(const media::Catalog& c, const media::CatalogTrack& t) {
  if (t.packaging != "loc" || !t.codec || !t.timescale || *t.timescale == 0 || *t.timescale > INT32_MAX) {
    return std::nullopt;
  }
  media::StreamInfo s;
  const std::string& codec = *t.codec;
  s.kind = media::StreamKind::kVideo;
  if (starts_with(codec, "avc1.") || starts_with(codec, "avc3.")) {
    s.codec_id = AV_CODEC_ID_H264;
  } else if (starts_with(codec, "hev1.") || starts_with(codec, "hvc1.")) {
    s.codec_id = AV_CODEC_ID_HEVC;
  } else if (codec == "vp8" || starts_with(codec, "vp08.")) {
    s.codec_id = AV_CODEC_ID_VP8;
  } else if (codec == "vp9" || starts_with(codec, "vp09.")) {
    s.codec_id = AV_CODEC_ID_VP9;
  } else if (starts_with(codec, "av01.")) {
    s.codec_id = AV_CODEC_ID_AV1;
  } else if (starts_with(codec, "mp4a.40.")) {
    s.kind = media::StreamKind::kAudio;
    s.codec_id = AV_CODEC_ID_AAC;
  } else if (codec == "opus") {
    s.kind = media::StreamKind::kAudio;
    s.codec_id = AV_CODEC_ID_OPUS;
  } else {
    return std::nullopt;
  }
  s.timescale = static_cast<std::uint32_t>(*t.timescale);
  s.width = static_cast<int>(t.width.value_or(0));
  s.height = static_cast<int>(t.height.value_or(0));
  s.sample_rate = static_cast<int>(t.samplerate.value_or(0));
  s.channels = t.channel_config ? std::atoi(t.channel_config->c_str()) : 0;
  s.framerate = t.framerate.value_or(0);
  if (auto init = c.init_bytes(t)) s.extradata = *init;
  return s;
}

}  // namespace kinetic::app
