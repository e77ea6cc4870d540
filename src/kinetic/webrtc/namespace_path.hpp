// The namespace a WHIP or WHEP URL names: /whip/<namespace> with tuple fields of [A-Za-z0-9._-]
// joined by '/'. Kept to what needs no percent-decoding, so the text in the URL, the logs and
// the MoQT namespace are the same.
#pragma once

#include <optional>
#include <string_view>

#include "kinetic/moqt/types.hpp"

namespace kinetic::webrtc {

// nullopt for an empty, over-long (256) or otherwise malformed namespace.
std::optional<moqt::TrackNamespace> namespace_from_path(std::string_view text);

}  // namespace kinetic::webrtc
