// What decoder or muxer setup an MSF catalog track promises, in the media layer's terms. `sub`
// and `play` both subscribe through the catalog, so the codec-string mapping lives here once.
#pragma once

#include <optional>

#include "kinetic/media/catalog.hpp"
#include "kinetic/media/cmaf_demux.hpp"

namespace kinetic::app {

// nullopt when the track is not LOC packaged, has no timescale, or names a codec (RFC 6381
// string) that Kinetic cannot decode: H.264, H.265, VP8, VP9, AV1, AAC and Opus are known.
std::optional<media::StreamInfo> stream_from_catalog(const media::Catalog& catalog, const media::CatalogTrack& track);

}  // namespace kinetic::app
