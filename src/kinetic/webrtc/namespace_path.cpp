#include "kinetic/webrtc/namespace_path.hpp"

#include <string>

namespace kinetic::webrtc {

std::optional<moqt::TrackNamespace> namespace_from_path(std::string_view text) {
  if (text.empty() || text.size() > 256) return std::nullopt;
  moqt::TrackNamespace ns;
  for (;;) {
    const auto slash = text.find('/');
    const auto field = text.substr(0, slash);
    if (field.empty() || field == "." || field == "..") return std::nullopt;
    for (const char c : field) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
      if (!ok) return std::nullopt;
    }
    ns.fields.emplace_back(field);
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return ns;
}

}  // namespace kinetic::webrtc
