// A demuxed input as a MoQT broadcast: one track per elementary stream, one group per
// keyframe interval, one object per frame (LOC packaged), plus the MSF catalog naming them.
// Audio has no keyframes of its own; its groups follow the video's so that a subscriber
// joining at a group boundary gets both from the same instant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/media/catalog.hpp"
#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/media/loc_packager.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::media {

struct BroadcastTrack {
  std::string name;       // "video0", "audio0", ...
  StreamInfo stream;
  std::string codec;      // RFC 6381
  std::uint64_t next_group = 0;
  std::uint64_t next_object = 0;
  bool started = false;
  std::int64_t offset = 0;         // added to the input's pts (continues time across loops)
  std::int64_t end_pts = 0;        // end of the latest frame, offset applied
  bool rebase_pending = false;
  std::int64_t group_start_pts = 0;
};

// Where a frame goes and what it carries.
struct BroadcastObject {
  std::size_t track = 0;
  std::uint64_t group = 0;
  std::uint64_t object = 0;
  bool new_group = false;          // the first object of `group`
  std::int64_t media_time_us = 0;  // pts on the broadcast's clock, for pacing
  LocObject loc;
};

class Broadcast {
 public:
  // kInvalidValue when a stream's codec has no codec string (the catalog could not name it).
  static Result<Broadcast> create(const std::vector<StreamInfo>& streams);

  [[nodiscard]] const std::vector<BroadcastTrack>& tracks() const noexcept { return tracks_; }
  // The catalog: every track LOC packaged, live, render group 1, init data inline.
  [[nodiscard]] Catalog catalog(std::optional<std::uint64_t> generated_at_ms = std::nullopt) const;

  // Places the next demuxed packet. nullopt (not an error) for frames before a track's first
  // keyframe, which no subscriber could decode. `capture_time_us` goes into the LOC object.
  Result<std::optional<BroadcastObject>> add(const Packet& packet, std::optional<std::uint64_t> capture_time_us);
  // The input starts again (--loop): the next packets continue after the latest ones in
  // time, and in new groups.
  void restart_input();
  // A track's decoder configuration changed mid-stream (a WebRTC sender changed resolution):
  // from its next group on, objects carry the new one, and catalog() names it. False for an
  // unknown track.
  bool set_config(std::size_t track, std::string extradata, int width, int height);

 private:
  std::vector<BroadcastTrack> tracks_;
  std::optional<std::size_t> video_;  // the track whose keyframes start groups
  std::uint64_t video_groups_ = 0;    // groups the video track has started
};

// Packet for the muxer from a received LOC frame (DTS = PTS: LOC carries presentation time
// only, so streams with reordered frames are not rebuilt exactly).
Packet packet_from_loc(const LocFrame& frame, std::int64_t duration);

}  // namespace kinetic::media
