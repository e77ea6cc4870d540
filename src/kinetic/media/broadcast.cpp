#include "kinetic/media/broadcast.hpp"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>

namespace kinetic::media {

namespace {
std::int64_t to_us(std::int64_t ticks, const StreamInfo& s) {
  return av_rescale_q(ticks, AVRational{static_cast<int>(s.timescale_num), static_cast<int>(s.timescale)},
                      AVRational{1, 1'000'000});
}
}  // namespace

Result<Broadcast> Broadcast::create(const std::vector<StreamInfo>& streams) {
  Broadcast b;
  int videos = 0;
  int audios = 0;
  for (const auto& s : streams) {
    if (s.timescale == 0 || s.timescale_num == 0) return Error{Errc::kInvalidValue, "stream without a timescale"};
    KINETIC_TRY(auto codec, codec_string(s));
    BroadcastTrack t;
    t.name = s.kind == StreamKind::kVideo ? "video" + std::to_string(videos++) : "audio" + std::to_string(audios++);
    t.stream = s;
    t.codec = std::move(codec);
    if (s.kind == StreamKind::kVideo && !b.video_) b.video_ = b.tracks_.size();
    b.tracks_.push_back(std::move(t));
  }
  if (b.tracks_.empty()) return Error{Errc::kInvalidValue, "no stream to publish"};
  return b;
}

Catalog Broadcast::catalog(std::optional<std::uint64_t> generated_at_ms) const {
  Catalog c;
  c.generated_at = generated_at_ms;
  for (const auto& t : tracks_) {
    CatalogTrack ct;
    ct.name = t.name;
    ct.packaging = "loc";
    ct.is_live = true;
    ct.role = t.stream.kind == StreamKind::kVideo ? "video" : "audio";
    ct.render_group = 1;
    ct.codec = t.codec;
    ct.timescale = t.stream.timescale;
    if (t.stream.bit_rate > 0) ct.bitrate = static_cast<std::uint64_t>(t.stream.bit_rate);
    if (t.stream.kind == StreamKind::kVideo) {
      if (t.stream.width > 0) ct.width = static_cast<std::uint64_t>(t.stream.width);
      if (t.stream.height > 0) ct.height = static_cast<std::uint64_t>(t.stream.height);
      if (t.stream.framerate > 0) ct.framerate = t.stream.framerate;
    } else {
      if (t.stream.sample_rate > 0) ct.samplerate = static_cast<std::uint64_t>(t.stream.sample_rate);
      if (t.stream.channels > 0) ct.channel_config = std::to_string(t.stream.channels);
    }
    if (!t.stream.extradata.empty()) {
      ct.init_ref = t.name + "-init";
      c.init_data.push_back({*ct.init_ref, "inline", base64_encode(t.stream.extradata)});
    }
    c.tracks.push_back(std::move(ct));
  }
  return c;
}

void Broadcast::restart_input() {
  for (auto& t : tracks_) t.rebase_pending = true;
}

bool Broadcast::set_config(std::size_t track, std::string extradata, int width, int height) {
  if (track >= tracks_.size()) return false;
  BroadcastTrack& t = tracks_[track];
  t.stream.extradata = std::move(extradata);
  if (width > 0) t.stream.width = width;
  if (height > 0) t.stream.height = height;
  if (auto codec = codec_string(t.stream)) t.codec = std::move(*codec);
  return true;
}

Result<std::optional<BroadcastObject>> Broadcast::add(const Packet& packet,
                                                            std::optional<std::uint64_t> capture_time_us) {
  auto it = std::find_if(tracks_.begin(), tracks_.end(),
                         [&](const BroadcastTrack& t) { return t.stream.index == packet.stream_index; });
  if (it == tracks_.end()) return Error{Errc::kInvalidValue, "packet of an unknown stream"};
  const std::size_t index = static_cast<std::size_t>(it - tracks_.begin());
  BroadcastTrack& t = *it;
  const bool is_video_track = video_ && *video_ == index;

  if (t.rebase_pending) {
    t.offset = t.end_pts - packet.pts;
    t.rebase_pending = false;
  }
  const std::int64_t pts = packet.pts + t.offset;

  bool new_group = false;
  std::uint64_t group = t.next_group;
  if (is_video_track) {
    if (!t.started && !packet.keyframe) return std::optional<BroadcastObject>{};
    new_group = packet.keyframe;
    if (new_group) group = video_groups_++;
  } else if (video_) {
    // Follow the video's groups; before the video's first keyframe there is nothing to join.
    if (video_groups_ == 0) return std::optional<BroadcastObject>{};
    new_group = !t.started || t.next_group + 1 < video_groups_;
    group = video_groups_ - 1;
  } else if (t.stream.kind == StreamKind::kVideo) {
    if (!t.started && !packet.keyframe) return std::optional<BroadcastObject>{};
    new_group = packet.keyframe;
    if (new_group && t.started) ++group;
  } else {
    // Audio alone: a group a second keeps joins cheap without a keyframe cadence to follow.
    new_group = !t.started || to_us(pts - t.group_start_pts, t.stream) >= 1'000'000;
    if (new_group && t.started) ++group;
  }
  if (new_group) {
    t.next_group = group;
    t.next_object = 0;
    t.group_start_pts = pts;
  }
  t.started = true;

  LocFrame frame;
  frame.kind = t.stream.kind;
  frame.payload = SharedBytes(packet.data);
  frame.pts = pts;
  frame.timescale = t.stream.timescale / std::max<std::uint32_t>(1, t.stream.timescale_num);
  frame.keyframe = packet.keyframe;
  frame.capture_time_us = capture_time_us;
  if (new_group && !t.stream.extradata.empty()) frame.config = t.stream.extradata;
  if (t.stream.timescale_num != 1) return Error{Errc::kInvalidValue, "time base is not 1/N"};
  KINETIC_TRY(auto loc, package_loc(frame));

  BroadcastObject out;
  out.track = index;
  out.group = t.next_group;
  out.object = t.next_object++;
  out.new_group = new_group;
  out.media_time_us = to_us(pts, t.stream);
  out.loc = std::move(loc);
  t.end_pts = std::max(t.end_pts, pts + std::max<std::int64_t>(packet.duration, 1));
  return std::optional<BroadcastObject>{std::move(out)};
}

Packet packet_from_loc(const LocFrame& frame, std::int64_t duration) {
  Packet p;
  p.pts = frame.pts;
  p.dts = frame.pts;
  p.duration = duration;
  p.keyframe = frame.keyframe;
  p.data.assign(frame.payload.data(), frame.payload.data() + frame.payload.size());
  return p;
}

}  // namespace kinetic::media
