#include "kinetic/media/catalog.hpp"

extern "C" {
#include <libavcodec/codec_id.h>
#include <libavutil/base64.h>
}

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <utility>

namespace kinetic::media {

namespace {

using nlohmann::json;

Error invalid(const char* what) { return {Errc::kInvalidValue, what}; }

// Each reader leaves `out` alone when the key is absent and fails on a wrong JSON type.
bool read(const json& j, const char* key, std::optional<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}
bool read(const json& j, const char* key, std::optional<std::uint64_t>& out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}
bool read(const json& j, const char* key, std::optional<std::int64_t>& out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_number_integer()) return false;
  out = it->get<std::int64_t>();
  return true;
}
bool read(const json& j, const char* key, std::optional<double>& out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_number()) return false;
  out = it->get<double>();
  return true;
}

template <typename T>
void write(nlohmann::ordered_json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

bool known_packaging(const std::string& p) {
  static const std::set<std::string> kKnown{"loc", "mediatimeline", "eventtimeline", "moqlog", "moqmetrics", "catalog"};
  return kKnown.count(p) != 0;
}

Result<CatalogTrack> parse_track(const json& j) {
  if (!j.is_object()) return invalid("track is not an object");
  CatalogTrack t;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string()) return invalid("track without a name");
  t.name = name->get<std::string>();
  auto packaging = j.find("packaging");
  if (packaging == j.end() || !packaging->is_string()) return invalid("track without packaging");
  t.packaging = packaging->get<std::string>();
  auto live = j.find("isLive");
  if (live == j.end() || !live->is_boolean()) return invalid("track without isLive");
  t.is_live = live->get<bool>();
  const bool ok = read(j, "namespace", t.track_namespace) && read(j, "role", t.role) && read(j, "label", t.label) &&
                  read(j, "renderGroup", t.render_group) && read(j, "altGroup", t.alt_group) &&
                  read(j, "initRef", t.init_ref) && read(j, "codec", t.codec) && read(j, "mimeType", t.mime_type) &&
                  read(j, "framerate", t.framerate) && read(j, "timescale", t.timescale) &&
                  read(j, "bitrate", t.bitrate) && read(j, "targetLatency", t.target_latency) &&
                  read(j, "width", t.width) && read(j, "height", t.height) && read(j, "samplerate", t.samplerate) &&
                  read(j, "channelConfig", t.channel_config) && read(j, "lang", t.lang);
  if (!ok) return invalid("track field of the wrong type");
  return t;
}

}  // namespace

const CatalogTrack* Catalog::find(std::string_view name) const noexcept {
  for (const auto& t : tracks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::optional<std::string> Catalog::init_bytes(const CatalogTrack& track) const {
  if (!track.init_ref) return std::nullopt;
  for (const auto& d : init_data) {
    if (d.id == *track.init_ref && d.type == "inline") return base64_decode(d.data);
  }
  return std::nullopt;
}

Status validate_catalog(const Catalog& c) {
  if (c.version.rfind("draft-", 0) != 0 || c.version.size() <= 6) return invalid("unknown catalog version");
  std::set<std::string> ids;
  for (const auto& d : c.init_data) {
    if (d.id.empty() || !ids.insert(d.id).second) return invalid("init data id missing or repeated");
    if (d.type == "inline") {
      if (!base64_decode(d.data)) return invalid("inline init data is not base64");
    } else if (d.type != "track-property" && d.type != "object-property") {
      return invalid("unknown init data type");
    }
  }
  std::set<std::pair<std::string, std::string>> names;
  for (const auto& t : c.tracks) {
    if (t.name.empty()) return invalid("track without a name");
    if (!known_packaging(t.packaging)) return invalid("unknown packaging");
    if (!names.emplace(t.track_namespace.value_or(""), t.name).second) return invalid("track name repeated");
    if (t.init_ref && ids.count(*t.init_ref) == 0) return invalid("initRef names no init data");
    if (t.framerate && !(*t.framerate > 0)) return invalid("framerate not positive");
    if (t.timescale && *t.timescale == 0) return invalid("zero timescale");
  }
  return ok_status();
}

Result<Catalog> parse_catalog(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return invalid("catalog is not a JSON object");
  if (j.contains("deltaUpdate")) return invalid("delta catalog updates are not supported");
  Catalog c;
  auto version = j.find("version");
  if (version == j.end() || !version->is_string()) return invalid("catalog without a version");
  c.version = version->get<std::string>();
  if (!read(j, "generatedAt", c.generated_at)) return invalid("generatedAt is not a number");
  if (auto it = j.find("isComplete"); it != j.end()) {
    if (!it->is_boolean()) return invalid("isComplete is not a boolean");
    c.is_complete = it->get<bool>();
  }
  auto tracks = j.find("tracks");
  if (tracks == j.end() || !tracks->is_array()) return invalid("catalog without tracks");
  for (const auto& t : *tracks) {
    KINETIC_TRY(auto track, parse_track(t));
    c.tracks.push_back(std::move(track));
  }
  if (auto list = j.find("initDataList"); list != j.end()) {
    if (!list->is_array()) return invalid("initDataList is not an array");
    for (const auto& e : *list) {
      if (!e.is_object()) return invalid("init data is not an object");
      InitData d;
      auto id = e.find("id");
      auto type = e.find("type");
      auto data = e.find("data");
      if (id == e.end() || !id->is_string() || type == e.end() || !type->is_string() || data == e.end() ||
          !data->is_string()) {
        return invalid("init data without id, type or data");
      }
      d.id = id->get<std::string>();
      d.type = type->get<std::string>();
      d.data = data->get<std::string>();
      c.init_data.push_back(std::move(d));
    }
  }
  KINETIC_CHECK(validate_catalog(c));
  return c;
}

std::string catalog_to_json(const Catalog& c) {
  // ordered_json keeps the draft's layout: tracks before the verbose initDataList.
  nlohmann::ordered_json j;
  j["version"] = c.version;
  write(j, "generatedAt", c.generated_at);
  if (c.is_complete) j["isComplete"] = true;
  j["tracks"] = nlohmann::ordered_json::array();
  for (const auto& t : c.tracks) {
    nlohmann::ordered_json o;
    o["name"] = t.name;
    write(o, "namespace", t.track_namespace);
    o["packaging"] = t.packaging;
    o["isLive"] = t.is_live;
    write(o, "targetLatency", t.target_latency);
    write(o, "role", t.role);
    write(o, "label", t.label);
    write(o, "renderGroup", t.render_group);
    write(o, "altGroup", t.alt_group);
    write(o, "initRef", t.init_ref);
    write(o, "codec", t.codec);
    write(o, "mimeType", t.mime_type);
    write(o, "framerate", t.framerate);
    write(o, "timescale", t.timescale);
    write(o, "bitrate", t.bitrate);
    write(o, "width", t.width);
    write(o, "height", t.height);
    write(o, "samplerate", t.samplerate);
    write(o, "channelConfig", t.channel_config);
    write(o, "lang", t.lang);
    j["tracks"].push_back(std::move(o));
  }
  if (!c.init_data.empty()) {
    j["initDataList"] = nlohmann::ordered_json::array();
    for (const auto& d : c.init_data) j["initDataList"].push_back({{"id", d.id}, {"type", d.type}, {"data", d.data}});
  }
  // A catalog is JSON, so UTF-8, and MoQT names are bytes: a byte that is not UTF-8 is written
  // as U+FFFD (the track then matches nothing) rather than throwing out of the publisher.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::string> codec_string(const StreamInfo& s) {
  const auto* x = reinterpret_cast<const unsigned char*>(s.extradata.data());
  char buf[32];
  switch (static_cast<AVCodecID>(s.codec_id)) {
    case AV_CODEC_ID_H264:
      // avcC: configurationVersion 1, then profile, constraint flags, level (ISO 14496-15).
      if (s.extradata.size() < 4 || x[0] != 1) return invalid("H.264 without an avcC record");
      std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", x[1], x[2], x[3]);
      return std::string(buf);
    case AV_CODEC_ID_AAC: {
      // AudioSpecificConfig: the first five bits are the audio object type (31: escaped).
      if (s.extradata.empty()) return std::string("mp4a.40.2");
      unsigned aot = x[0] >> 3;
      if (aot == 31) {
        if (s.extradata.size() < 2) return invalid("truncated AudioSpecificConfig");
        aot = 32 + (((x[0] & 0x7u) << 3) | (x[1] >> 5));
      }
      std::snprintf(buf, sizeof buf, "mp4a.40.%u", aot);
      return std::string(buf);
    }
    case AV_CODEC_ID_OPUS:
      return std::string("opus");
    case AV_CODEC_ID_MP3:
      return std::string("mp4a.6b");
    default:
      return invalid("no codec string for this codec");
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out(static_cast<std::size_t>(AV_BASE64_SIZE(bytes.size())), '\0');
  if (av_base64_encode(out.data(), static_cast<int>(out.size()), reinterpret_cast<const std::uint8_t*>(bytes.data()),
                       static_cast<int>(bytes.size())) == nullptr) {
    return {};
  }
  out.resize(out.find('\0'));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // av_base64_decode stops at the first character outside the alphabet; the whole text must
  // be base64, with padding to a multiple of four.
  if (text.size() % 4 != 0) return std::nullopt;
  std::string in(text);
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = av_base64_decode(reinterpret_cast<std::uint8_t*>(out.data()), in.c_str(), static_cast<int>(out.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n));
  if (base64_encode(out) != text) return std::nullopt;
  return out;
}

}  // namespace kinetic::media
