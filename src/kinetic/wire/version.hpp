// The MoQT drafts Kinetic speaks. Every wire difference between drafts is keyed on
// `Version` and decided in this file's companions (version.cpp and the codecs that call
// `features(v)`), so adding the next draft is a new row here, not a hunt through the code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kinetic::wire {

enum class Version : std::uint8_t {
  kDraft18,
  kDraft20,
};

inline constexpr std::array<Version, 2> kSupportedVersions = {Version::kDraft20, Version::kDraft18};

// ALPN token for raw QUIC and the WebTransport protocol token (draft-18 §3.1).
std::string_view alpn(Version v) noexcept;
std::string_view version_name(Version v) noexcept;
std::optional<Version> version_from_alpn(std::string_view alpn) noexcept;

}  // namespace kinetic::wire
