// The demo clip as a live player receives it: the H.264 frames of assets/vtest_10s.mp4 as LOC
// frames with capture times on a chosen clock, and the clip decoded by file for comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/media/ffmpeg_decoder.hpp"
#include "kinetic/media/loc_packager.hpp"

namespace kinetic::test {

inline const std::string kDemoClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

struct ClipFrames {
  media::StreamInfo stream;
  std::vector<media::LocFrame> frames;  // display order (the clip has no B-frames)
  std::vector<std::int64_t> pts_us;
  std::vector<std::uint64_t> group;     // a new group at every keyframe, as kinetic pub makes them
  std::vector<std::uint64_t> object;
};

// The first `count` video frames, stamped as captured at `capture_base_us` + pts.
inline ClipFrames load_clip_frames(std::size_t count, std::int64_t capture_base_us) {
  ClipFrames out;
  auto demux = media::CmafDemuxer::open_file(kDemoClip);
  EXPECT_TRUE(demux) << "cannot open " << kDemoClip;
  if (!demux) return out;
  for (const auto& s : (*demux)->streams()) {
    if (s.kind == media::StreamKind::kVideo) out.stream = s;
  }
  std::uint64_t group = 0, object = 0;
  bool first = true;
  while (out.frames.size() < count) {
    auto p = (*demux)->next();
    if (!p || !*p) break;
    if ((*p)->stream_index != out.stream.index) continue;
    media::LocFrame f;
    f.kind = media::StreamKind::kVideo;
    f.payload = kinetic::SharedBytes(std::move((*p)->data));
    f.pts = (*p)->pts;
    f.timescale = out.stream.timescale;
    f.keyframe = (*p)->keyframe;
    const std::int64_t pts_us = media::loc_pts_us(f);
    f.capture_time_us = static_cast<std::uint64_t>(capture_base_us + pts_us);
    if (f.keyframe && !first) {
      ++group;
      object = 0;
    }
    first = false;
    out.group.push_back(group);
    out.object.push_back(object++);
    out.pts_us.push_back(pts_us);
    out.frames.push_back(std::move(f));
  }
  return out;
}

}  // namespace kinetic::test
