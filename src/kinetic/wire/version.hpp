// The MoQT drafts Kinetic speaks. Every wire difference between drafts is keyed on
// `Version` and decided in this file's companions (version.cpp and the codecs that call
// `features(v)`), so adding the next draft is a new row here, not a hunt through the code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinetic::wire {

enum class Version : std::uint8_t {
  kDraft18,
  kDraft20,
  kDraft21,  // wire-identical to draft 20 (the WG's notes for -21 and -22 change no wire format)
  kDraft22,
};

// Newest first: a server picks the first of these the client offers.
inline constexpr std::array<Version, 4> kSupportedVersions = {Version::kDraft22, Version::kDraft21,
                                                              Version::kDraft20, Version::kDraft18};

// ALPN token for raw QUIC and the WebTransport protocol token (draft-18 §3.1).
std::string_view alpn(Version v) noexcept;
std::string_view version_name(Version v) noexcept;
std::optional<Version> version_from_alpn(std::string_view alpn) noexcept;
// The ALPN / WebTransport protocol tokens of kSupportedVersions, in that order.
std::vector<std::string> supported_alpns();

// Every wire-visible difference between the drafts. Codecs branch on these flags, never
// on the Version itself, so a new draft is a new row in version.cpp.
struct VersionFeatures {
  // ---------------------------------------------------------------- control plane
  // Message table.
  bool publish_ok_message;         // 0x1E PUBLISH_OK (REQUEST_OK body) exists (18); reserved in 20
  bool publish_state_notify;       // 0x22 PUBLISH_STATE_NOTIFY exists (20)
  std::string_view type_0f_name;   // 0xF is PUBLISH_BLOCKED (18) or PUBLISH_SKIPPED (20)

  // Message layouts.
  bool goaway_request_id;          // GOAWAY ends with [Request ID] on the control stream (18)
  bool fetch_locations_in_body;    // Standalone FETCH carries Start/End Location and Joining
                                   // FETCH carries Joining Start in the body (18); in 20 both
                                   // moved to the LOCATION_FILTER parameter
  std::uint64_t stream_count_unknown;  // PUBLISH_DONE Stream Count meaning "unknown"

  // Message parameters (draft §"Message Parameters").
  bool subscription_filter;        // 0x21 is SUBSCRIPTION_FILTER {Filter Type, ...} (18)
  bool location_filter;            // 0x21 is LOCATION_FILTER {StartGroup, ...} (20)
  bool range_filters;              // 0x25..0x29 SUBGROUP/OBJECTID/PRIORITY/OBJECT_PROPERTY/
                                   // TRACK_PROPERTY_FILTER (20)
  bool include_properties;         // 0x35 INCLUDE_PROPERTIES (20)
  bool publish_ok_subscriber_params;  // delivery timeouts, priority, group order, filter and
                                      // NEW_GROUP_REQUEST go in PUBLISH_OK (18) rather than
                                      // PUBLISH (20)
  bool group_order_in_subscribe_tracks;  // GROUP_ORDER may appear in SUBSCRIBE_TRACKS (20)
  bool subscribe_tracks_subscription_params;  // every SUBSCRIBE parameter is valid in
                                              // SUBSCRIBE_TRACKS (20); 18 allows only
                                              // AUTHORIZATION TOKEN and FORWARD
  bool forward_in_publish_state_notify;  // FORWARD/LOCATION_FILTER/LARGEST_OBJECT in
                                         // PUBLISH_STATE_NOTIFY (20)
  bool expires_in_namespace_oks;   // EXPIRES in SUBSCRIBE_NAMESPACE_OK / SUBSCRIBE_TRACKS_OK /
                                   // PUBLISH_NAMESPACE_OK (20)

  // Setup options.
  bool setup_max_filter_ranges;    // 0x06 MAX_FILTER_RANGES (20)
  bool setup_max_request_updates;  // 0x08 MAX_REQUEST_UPDATES (20)

  // Error code registries.
  bool error_duplicate_subscription;   // REQUEST_ERROR 0x19 DUPLICATE_SUBSCRIPTION (18)
  bool error_filter_codes;             // REQUEST_ERROR 0x35 CONFLICTING_FILTERS, 0x36 INVALID_FILTER (20)
  bool error_too_many_request_updates; // session 0x1B TOO_MANY_REQUEST_UPDATES (20)

  // ---------------------------------------------------------------- data plane
  // (owned by the data-stream codec; add fields here with their draft reference)
  bool datagram_type_is_flags;     // OBJECT_DATAGRAM Type is a vi64 of flags: bit 4 reserved,
                                   // unspecified bits are a PROTOCOL_VIOLATION (20); 18 lists
                                   // the valid values 0x00..0x0F / 0x20..0x2F
  bool subgroup_type_below_128;    // SUBGROUP_HEADER Type Flags >= 128 are invalid (20)
  bool fetch_end_of_timed_out_range;  // FETCH serialization flag 0x20C (20)
  bool object_status_registry;     // payload permission comes from the Object Status
                                   // registry (20); 18: any non-zero status has no payload
  bool delivery_timeout_object_properties;  // OBJECT/SUBGROUP_DELIVERY_TIMEOUT may be Object
                                            // Properties as well as Track Properties (20)
};

const VersionFeatures& features(Version v) noexcept;

}  // namespace kinetic::wire
