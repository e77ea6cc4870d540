// A broadcast made live from frames as they arrive (no pacing: a WebRTC sender already sends
// in real time), served to MoQT subscriptions on the gateway's relay session: the MSF catalog
// track and one LOC track per stream, one group per video keyframe, audio groups following the
// video's (media::Broadcast). The catalog needs the H.264 decoder configuration, which only the
// first keyframe brings, so subscriptions that come earlier are answered once it has arrived.
// Loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "kinetic/media/broadcast.hpp"
#include "kinetic/media/broadcast_server.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/moqt/types.hpp"
#include "kinetic/webrtc/whip_ingest.hpp"

namespace kinetic::webrtc {

struct LivePublisherOptions {
  bool audio = false;                 // the ingest carries Opus
  unsigned audio_channels = 2;
  // A group older than this asks the sender for a keyframe (WebRTC senders make keyframes only
  // when asked), so subscribers can join and recover at group boundaries.
  std::chrono::milliseconds max_group{2000};
  // Media tracks carry DYNAMIC_GROUPS: a subscriber's NEW_GROUP_REQUEST asks the sender for a
  // keyframe, though no sooner than this after the current group began (each keyframe costs
  // bitrate, and a viewer joining has the current group's start from the cache meanwhile).
  std::chrono::milliseconds min_group{500};
};

struct LivePublisherStats {
  std::uint64_t objects = 0;         // objects placed in the broadcast
  std::uint64_t groups = 0;          // video groups started
  std::uint64_t dropped = 0;         // frames before the first keyframe, or refused by the broadcast
  std::uint64_t keyframe_requests = 0;
  std::uint64_t new_group_requests = 0;  // subscribers' NEW_GROUP_REQUESTs heard
  // Video frames' time in the gateway, from their last RTP packet reaching it (decrypted) to
  // the object going to the MoQT subscriptions, in microseconds (the newest 100000).
  std::vector<std::int64_t> gateway_us;
  // The part of it after the jitter buffer released the packet (depacketizing, the hand-off to the
  // event loop, the MoQT write): the rest is the jitter buffer waiting for a missing packet (NACK/RTX).
  std::vector<std::int64_t> after_jitter_us;
};

class LivePublisher {
 public:
  LivePublisher(moqt::TrackNamespace ns, LivePublisherOptions options, std::function<void()> want_keyframe);

  [[nodiscard]] const moqt::TrackNamespace& track_namespace() const noexcept { return ns_; }
  // A frame from the ingest, in arrival order per stream.
  void add(IngestFrame&& frame);
  // Takes a subscription for this namespace (catalog, video0, audio0); false for another track.
  bool on_subscribe(const std::shared_ptr<moqt::ServedSubscription>& sub);
  // The ingest is over: every subscription ends with PUBLISH_DONE (TRACK_ENDED), pending ones are refused.
  void end(std::string_view reason);
  [[nodiscard]] const LivePublisherStats& stats() const noexcept { return stats_; }
  // Wall time (Unix µs) at which the newest object went to the subscriptions; 0 before any.
  [[nodiscard]] std::int64_t last_sent_us() const noexcept { return last_sent_us_; }

 private:
  bool start(const IngestFrame& keyframe);
  void accept(const std::shared_ptr<moqt::ServedSubscription>& sub);
  void send(media::BroadcastObject& obj);
  void new_group_requested();
  // Asks the sender for a keyframe if a subscriber wants a new group and the current one is old enough.
  void request_wanted_group(std::chrono::steady_clock::time_point now);
  void request_keyframe(std::chrono::steady_clock::time_point now);

  moqt::TrackNamespace ns_;
  LivePublisherOptions options_;
  std::function<void()> want_keyframe_;
  std::optional<media::Broadcast> broadcast_;
  media::BroadcastServer server_;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> waiting_;  // before the first keyframe
  std::chrono::steady_clock::time_point group_started_{};
  bool new_group_wanted_ = false;
  std::chrono::steady_clock::time_point last_keyframe_request_{};
  std::string config_;
  bool ended_ = false;
  LivePublisherStats stats_;
  std::int64_t last_sent_us_ = 0;
};

// "p50 A p99 B max C ms over N frames" of LivePublisherStats::gateway_us; "no samples" when empty.
std::string latency_summary(std::vector<std::int64_t> samples_us);

// OpusHead (RFC 7845 §5.1) for a WebRTC Opus stream: 48 kHz, the usual 312-sample pre-skip,
// mapping family 0. It is the decoder configuration MP4 and the catalog carry for Opus.
std::string opus_head(unsigned channels);

}  // namespace kinetic::webrtc
