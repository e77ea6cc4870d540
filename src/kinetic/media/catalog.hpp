// The MSF catalog (draft-ietf-moq-msf): a JSON document on the track named "catalog" that
// lists a broadcast's tracks, their codecs and how to initialise their decoders. Parsing
// validates what the draft requires, so a subscriber can trust a catalog it accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::media {

inline constexpr std::string_view kCatalogTrackName = "catalog";
inline constexpr std::string_view kCatalogVersion = "draft-01";

struct CatalogTrack {
  std::optional<std::string> track_namespace;  // absent: the catalog track's namespace
  std::string name;
  std::string packaging = "loc";
  bool is_live = true;
  std::optional<std::string> role;              // "video", "audio", ...
  std::optional<std::string> label;
  std::optional<std::int64_t> render_group;
  std::optional<std::int64_t> alt_group;
  std::optional<std::string> init_ref;
  std::optional<std::string> codec;
  std::optional<std::string> mime_type;
  std::optional<double> framerate;
  std::optional<std::uint64_t> timescale;
  std::optional<std::uint64_t> bitrate;
  std::optional<std::uint64_t> target_latency;  // milliseconds
  std::optional<std::uint64_t> width;
  std::optional<std::uint64_t> height;
  std::optional<std::uint64_t> samplerate;
  std::optional<std::string> channel_config;
  std::optional<std::string> lang;
  friend bool operator==(const CatalogTrack&, const CatalogTrack&) = default;
};

struct InitData {
  std::string id;
  std::string type = "inline";  // inline (base64), track-property, object-property
  std::string data;
  friend bool operator==(const InitData&, const InitData&) = default;
};

struct Catalog {
  std::string version{kCatalogVersion};
  std::optional<std::uint64_t> generated_at;  // ms since the Unix epoch
  bool is_complete = false;
  std::vector<CatalogTrack> tracks;
  std::vector<InitData> init_data;

  [[nodiscard]] const CatalogTrack* find(std::string_view name) const noexcept;
  // The inline init data a track refers to, decoded; nullopt when it has none.
  [[nodiscard]] std::optional<std::string> init_bytes(const CatalogTrack& track) const;
  friend bool operator==(const Catalog&, const Catalog&) = default;
};

// The checks the draft's "Required" and "MUST" clauses make of an independent catalog:
// version, tracks, name, packaging and isLive present; names unique per namespace; known
// packaging values; initRef pointing at an entry; inline init data that is base64.
Status validate_catalog(const Catalog& catalog);
// kInvalidValue with the reason for anything that is not a valid independent catalog
// (delta updates are refused: Kinetic publishes whole catalogs).
Result<Catalog> parse_catalog(std::string_view json);
std::string catalog_to_json(const Catalog& catalog);

// RFC 6381 codec string from the stream's decoder configuration, e.g. "avc1.64001f" from an
// avcC record, "mp4a.40.2" from an AudioSpecificConfig; kInvalidValue when it cannot be derived.
Result<std::string> codec_string(const StreamInfo& stream);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kinetic::media
