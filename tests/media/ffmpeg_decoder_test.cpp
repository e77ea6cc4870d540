#include "kinetic/media/ffmpeg_decoder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>

namespace kinetic::media {
namespace {

const std::string kVtest = std::string(KINETIC_SHARED_DIR) + "/media/vtest.avi";
const std::string kMegamind = std::string(KINETIC_SHARED_DIR) + "/media/Megamind.avi";

double mean(const std::vector<std::uint8_t>& plane) {
  return std::accumulate(plane.begin(), plane.end(), 0.0) / static_cast<double>(plane.size());
}

TEST(FfmpegDecoder, DecodesVtestAtSourceSizeWithinFrameLimit) {
  VideoStreamInfo info;
  auto frames = decode_video(kVtest, {.max_width = 0, .max_frames = 5, .max_seconds = 0}, &info);
  ASSERT_TRUE(frames.ok()) << frames.error().what;
  ASSERT_EQ(frames->size(), 5u);
  EXPECT_EQ(info.source_width, 768);
  EXPECT_EQ(info.source_height, 576);
  EXPECT_EQ(info.width, 768);
  EXPECT_NEAR(info.fps, 10.0, 1e-6);
  for (std::size_t i = 0; i < frames->size(); ++i) {
    const auto& f = (*frames)[i];
    ASSERT_EQ(f.width, 768);
    ASSERT_EQ(f.height, 576);
    ASSERT_EQ(f.y.size(), 768u * 576u);
    ASSERT_EQ(f.u.size(), 384u * 288u);
    EXPECT_EQ(f.pts_us, static_cast<std::int64_t>(i) * 100000);
    // A real street scene: neither black nor flat.
    EXPECT_GT(mean(f.y), 40.0);
    EXPECT_LT(mean(f.y), 220.0);
  }
  // Pedestrians move, so consecutive pictures differ somewhere.
  EXPECT_NE((*frames)[0].y, (*frames)[4].y);
}

TEST(FfmpegDecoder, MatchesTheFfmpegCliBitForBit) {
  // The CLI is the reference decoder; decoding the same first picture must give the same bytes.
  const auto tmp = std::filesystem::temp_directory_path() / "kinetic_ffmpeg_decoder_test_vtest0.yuv";
  const std::string cmd = "ffmpeg -v error -y -threads 1 -i '" + kVtest + "' -frames:v 1 -f rawvideo -pix_fmt yuv420p '" +
                          tmp.string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg CLI not available";
  std::ifstream in(tmp, std::ios::binary);
  std::vector<std::uint8_t> ref((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(tmp);
  auto frames = decode_video(kVtest, {.max_width = 0, .max_frames = 1, .max_seconds = 0});
  ASSERT_TRUE(frames.ok());
  const auto& f = frames->front();
  ASSERT_EQ(ref.size(), f.y.size() + f.u.size() + f.v.size());
  EXPECT_TRUE(std::equal(f.y.begin(), f.y.end(), ref.begin()));
  EXPECT_TRUE(std::equal(f.u.begin(), f.u.end(), ref.begin() + static_cast<std::ptrdiff_t>(f.y.size())));
}

TEST(FfmpegDecoder, ScalesDownKeepingAspectAndEvenSize) {
  VideoStreamInfo info;
  auto frames = decode_video(kMegamind, {.max_width = 321, .max_frames = 3, .max_seconds = 0}, &info);
  ASSERT_TRUE(frames.ok()) << frames.error().what;
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 234);  // 528 * 320 / 720 = 234.7, rounded then made even
  for (const auto& f : *frames) {
    EXPECT_EQ(f.width % 2, 0);
    EXPECT_EQ(f.height % 2, 0);
    EXPECT_EQ(f.u.size(), static_cast<std::size_t>(f.width / 2 * (f.height / 2)));
  }
}

TEST(FfmpegDecoder, NeverScalesUp) {
  VideoStreamInfo info;
  auto frames = decode_video(kVtest, {.max_width = 4000, .max_frames = 1, .max_seconds = 0}, &info);
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ(info.width, 768);
  EXPECT_EQ(frames->front().height, 576);
}

TEST(FfmpegDecoder, SecondsLimitUsesPresentationTime) {
  VideoStreamInfo info;
  auto frames = decode_video(kMegamind, {.max_width = 160, .max_frames = 0, .max_seconds = 1.0}, &info);
  ASSERT_TRUE(frames.ok());
  // 23.976 fps: pictures at 0 .. 0.959 s are the first 24.
  EXPECT_EQ(frames->size(), 24u);
  EXPECT_NEAR(info.fps, 23.976, 0.001);
  for (std::size_t i = 1; i < frames->size(); ++i) EXPECT_GT((*frames)[i].pts_us, (*frames)[i - 1].pts_us);
}

TEST(FfmpegDecoder, StreamingDecoderStopsAtEnd) {
  auto dec = VideoDecoder::open(kVtest, {.max_width = 96, .max_frames = 2, .max_seconds = 0});
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ((*dec)->info().width, 96);
  EXPECT_EQ((*dec)->info().height, 72);
  for (int i = 0; i < 2; ++i) {
    auto p = (*dec)->next();
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(p->has_value());
  }
  auto end = (*dec)->next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(FfmpegDecoder, MissingFileIsAnError) {
  auto r = decode_video("/nonexistent/kinetic/none.avi");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kinetic::Errc::kInvalidValue);
}

TEST(FfmpegDecoder, GarbageFileIsAnErrorNotACrash) {
  const auto tmp = std::filesystem::temp_directory_path() / "kinetic_ffmpeg_decoder_test_garbage.avi";
  {
    std::ofstream out(tmp, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919) & 0xff));
  }
  auto r = decode_video(tmp.string());
  std::filesystem::remove(tmp);
  EXPECT_FALSE(r.ok());
}

TEST(FfmpegDecoder, BadOptionsAreRejected) {
  EXPECT_FALSE(decode_video(kVtest, {.max_width = -1, .max_frames = 0, .max_seconds = 0}).ok());
  EXPECT_FALSE(decode_audio(kMegamind, {.sample_rate = 48000, .channels = 3, .max_seconds = 0}).ok());
}

TEST(FfmpegDecoder, VideoOnlyFileHasNoAudio) {
  auto r = decode_audio(kVtest);
  ASSERT_FALSE(r.ok());
}

TEST(FfmpegDecoder, DecodesMegamindSoundtrackAt48kMono) {
  auto pcm = decode_audio(kMegamind, {.sample_rate = 48000, .channels = 1, .max_seconds = 2.0});
  ASSERT_TRUE(pcm.ok()) << pcm.error().what;
  EXPECT_EQ(pcm->sample_rate, 48000);
  EXPECT_EQ(pcm->channels, 1);
  EXPECT_EQ(pcm->frames(), 96000u);
  double energy = 0;
  float peak = 0;
  for (float s : pcm->samples) {
    energy += static_cast<double>(s) * s;
    peak = std::max(peak, std::abs(s));
  }
  EXPECT_GT(energy / static_cast<double>(pcm->samples.size()), 1e-6);  // a soundtrack, not silence
  EXPECT_LE(peak, 1.5f);
  auto s16 = pcm->to_s16();
  ASSERT_EQ(s16.size(), pcm->samples.size());
}

TEST(FfmpegDecoder, StereoKeepsTwoChannelsInterleaved) {
  auto pcm = decode_audio(kMegamind, {.sample_rate = 48000, .channels = 2, .max_seconds = 0.5});
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->channels, 2);
  EXPECT_EQ(pcm->samples.size(), 48000u);
}

TEST(AudioPcm, ToS16Saturates) {
  AudioPcm pcm;
  pcm.channels = 1;
  pcm.samples = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 0.5f};
  auto s = pcm.to_s16();
  EXPECT_EQ(s[0], 0);
  EXPECT_EQ(s[1], 32767);
  EXPECT_EQ(s[2], -32767);
  EXPECT_EQ(s[3], 32767);
  EXPECT_EQ(s[4], -32767);
  EXPECT_EQ(s[5], 16384);
}

}  // namespace
}  // namespace kinetic::media
