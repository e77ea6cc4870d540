#include "kinetic/wire/version.hpp"

namespace kinetic::wire {

std::string_view alpn(Version v) noexcept {
  switch (v) {
    case Version::kDraft18: return "moqt-18";
    case Version::kDraft20: return "moqt-20";
  }
  return "";
}

std::string_view version_name(Version v) noexcept {
  switch (v) {
    case Version::kDraft18: return "draft-ietf-moq-transport-18";
    case Version::kDraft20: return "draft-ietf-moq-transport-20 (editor's copy 2026-08-21)";
  }
  return "";
}

std::optional<Version> version_from_alpn(std::string_view token) noexcept {
  for (Version v : kSupportedVersions) {
    if (alpn(v) == token) return v;
  }
  return std::nullopt;
}

}  // namespace kinetic::wire
