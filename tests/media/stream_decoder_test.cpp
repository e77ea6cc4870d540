// Decoding frame by frame, as a live player does, gives the same pictures as decoding the file,
// and garbage is an error the caller can step over, never a crash.
#include "kinetic/media/stream_decoder.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "kinetic/media/cmaf_demux.hpp"

extern "C" {
#include <libavcodec/codec_id.h>
}

namespace kinetic::media {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

TEST(StreamDecoder, FrameByFrameEqualsTheFileDecode) {
  auto demux = CmafDemuxer::open_file(kClip);
  ASSERT_TRUE(demux);
  StreamInfo video;
  for (const auto& s : (*demux)->streams()) {
    if (s.kind == StreamKind::kVideo) video = s;
  }
  auto decoder = StreamDecoder::open(video);
  ASSERT_TRUE(decoder) << decoder.error().what;
  auto file = decode_video(kClip, {.max_width = 0, .max_frames = 20, .max_seconds = 0});
  ASSERT_TRUE(file);
  std::vector<YuvPicture> live;
  while (live.size() < 20) {
    auto p = (*demux)->next();
    ASSERT_TRUE(p);
    ASSERT_TRUE(*p);
    if ((*p)->stream_index != video.index) continue;
    const auto pts_us = static_cast<std::int64_t>(
        std::llround(static_cast<double>((*p)->pts) * 1e6 / static_cast<double>(video.timescale)));
    auto pics = (*decoder)->decode_video((*p)->data, pts_us);
    ASSERT_TRUE(pics) << pics.error().what;
    ASSERT_EQ(pics->size(), 1u) << "a low-delay decoder returns each picture with its frame";
    EXPECT_EQ(pics->front().pts_us, pts_us);
    live.push_back(std::move(pics->front()));
  }
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].width, (*file)[i].width);
    EXPECT_EQ(live[i].y, (*file)[i].y) << "picture " << i;
    EXPECT_EQ(live[i].v, (*file)[i].v) << "picture " << i;
  }
}

TEST(StreamDecoder, GarbageIsAnErrorNotACrash) {
  StreamInfo s;
  s.kind = StreamKind::kVideo;
  s.codec_id = AV_CODEC_ID_H264;
  auto decoder = StreamDecoder::open(s);
  ASSERT_TRUE(decoder);
  std::vector<std::uint8_t> junk(4096);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 37 + 11);
  for (int i = 0; i < 5; ++i) {
    auto pics = (*decoder)->decode_video(junk, i * 33'333);
    if (pics) {
      EXPECT_TRUE(pics->empty());
    }
  }
  EXPECT_FALSE((*decoder)->decode_video({}, 0));
  EXPECT_FALSE((*decoder)->decode_audio(junk, 0)) << "a video decoder refuses audio";
}

TEST(StreamDecoder, RefusesWhatItCannotOpen) {
  StreamInfo none;
  none.codec_id = AV_CODEC_ID_NONE;
  EXPECT_FALSE(StreamDecoder::open(none));
  StreamInfo mismatched;
  mismatched.kind = StreamKind::kAudio;
  mismatched.codec_id = AV_CODEC_ID_H264;
  EXPECT_FALSE(StreamDecoder::open(mismatched));
  StreamInfo opus;
  opus.kind = StreamKind::kAudio;
  opus.codec_id = AV_CODEC_ID_OPUS;
  EXPECT_FALSE(StreamDecoder::open(opus, 48000, 3)) << "three output channels";
}

}  // namespace
}  // namespace kinetic::media
