#include "kinetic/wire/version.hpp"

namespace kinetic::wire {
namespace {

constexpr VersionFeatures kDraft18Features{
    .publish_ok_message = true,
    .publish_state_notify = false,
    .type_0f_name = "PUBLISH_BLOCKED",
    .goaway_request_id = true,
    .fetch_locations_in_body = true,
    .stream_count_unknown = (1ull << 62) - 1,
    .subscription_filter = true,
    .location_filter = false,
    .range_filters = false,
    .include_properties = false,
    .publish_ok_subscriber_params = true,
    .group_order_in_subscribe_tracks = false,
    .subscribe_tracks_subscription_params = false,
    .forward_in_publish_state_notify = false,
    .expires_in_namespace_oks = false,
    .setup_max_filter_ranges = false,
    .setup_max_request_updates = false,
    .error_duplicate_subscription = true,
    .error_filter_codes = false,
    .error_too_many_request_updates = false,
    .datagram_type_is_flags = false,
    .subgroup_type_below_128 = false,
    .fetch_end_of_timed_out_range = false,
    .object_status_registry = false,
    .delivery_timeout_object_properties = false,
};

constexpr VersionFeatures kDraft20Features{
    .publish_ok_message = false,
    .publish_state_notify = true,
    .type_0f_name = "PUBLISH_SKIPPED",
    .goaway_request_id = false,
    .fetch_locations_in_body = false,
    .stream_count_unknown = ~0ull,
    .subscription_filter = false,
    .location_filter = true,
    .range_filters = true,
    .include_properties = true,
    .publish_ok_subscriber_params = false,
    .group_order_in_subscribe_tracks = true,
    .subscribe_tracks_subscription_params = true,
    .forward_in_publish_state_notify = true,
    .expires_in_namespace_oks = true,
    .setup_max_filter_ranges = true,
    .setup_max_request_updates = true,
    .error_duplicate_subscription = false,
    .error_filter_codes = true,
    .error_too_many_request_updates = true,
    .datagram_type_is_flags = true,
    .subgroup_type_below_128 = true,
    .fetch_end_of_timed_out_range = true,
    .object_status_registry = true,
    .delivery_timeout_object_properties = true,
};

}  // namespace

std::string_view alpn(Version v) noexcept {
  switch (v) {
    case Version::kDraft18: return "moqt-18";
    case Version::kDraft20: return "moqt-20";
    case Version::kDraft21: return "moqt-21";
    case Version::kDraft22: return "moqt-22";
  }
  return "";
}

std::string_view version_name(Version v) noexcept {
  switch (v) {
    case Version::kDraft18: return "draft-ietf-moq-transport-18";
    case Version::kDraft20: return "draft-ietf-moq-transport-20 (editor's copy 2026-08-21)";
    case Version::kDraft21: return "draft-ietf-moq-transport-21 (wire-identical to 20)";
    case Version::kDraft22: return "draft-ietf-moq-transport-22 (wire-identical to 20)";
  }
  return "";
}

std::optional<Version> version_from_alpn(std::string_view token) noexcept {
  for (Version v : kSupportedVersions) {
    if (alpn(v) == token) return v;
  }
  return std::nullopt;
}

std::vector<std::string> supported_alpns() {
  std::vector<std::string> out;
  for (Version v : kSupportedVersions) out.emplace_back(alpn(v));
  return out;
}

const VersionFeatures& features(Version v) noexcept {
  switch (v) {
    case Version::kDraft18: return kDraft18Features;
    case Version::kDraft20:
    case Version::kDraft21:
    case Version::kDraft22: return kDraft20Features;
  }
  return kDraft20Features;
}

}  // namespace kinetic::wire
