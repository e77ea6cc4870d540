// Which catalog tracks the players can decode, and with what.
#include "catalog_streams.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/codec_id.h>
}

namespace kinetic::app {
namespace {

media::CatalogTrack track(const std::string& codec) {
  media::CatalogTrack t;
  t.name = "t";
  t.codec = codec;
  t.timescale = 90000;
  t.width = 640;
  t.height = 360;
  t.framerate = 30;
  return t;
}

TEST(CatalogStreams, KnownCodecStringsMapToDecoders) {
  media::Catalog c;
  const std::pair<const char*, int> cases[] = {
      {"avc1.64001f", AV_CODEC_ID_H264}, {"hvc1.1.6.L93.B0", AV_CODEC_ID_HEVC}, {"vp09.00.10.08", AV_CODEC_ID_VP9},
      {"vp8", AV_CODEC_ID_VP8},          {"av01.0.04M.08", AV_CODEC_ID_AV1},    {"mp4a.40.2", AV_CODEC_ID_AAC},
      {"opus", AV_CODEC_ID_OPUS}};
  for (const auto& [codec, id] : cases) {
    auto s = stream_from_catalog(c, track(codec));
    ASSERT_TRUE(s) << codec;
    EXPECT_EQ(s->codec_id, id) << codec;
  }
  auto v = stream_from_catalog(c, track("avc1.64001f"));
  EXPECT_EQ(v->kind, media::StreamKind::kVideo);
  EXPECT_EQ(v->width, 640);
  EXPECT_DOUBLE_EQ(v->framerate, 30.0);
  EXPECT_EQ(stream_from_catalog(c, track("opus"))->kind, media::StreamKind::kAudio);
}

TEST(CatalogStreams, UnknownCodecsAndPackagingAreRefused) {
  media::Catalog c;
  EXPECT_FALSE(stream_from_catalog(c, track("theora")));
  EXPECT_FALSE(stream_from_catalog(c, track("")));
  auto cmaf = track("avc1.64001f");
  cmaf.packaging = "cmaf";
  EXPECT_FALSE(stream_from_catalog(c, cmaf));
  auto no_timescale = track("avc1.64001f");
  no_timescale.timescale.reset();
  EXPECT_FALSE(stream_from_catalog(c, no_timescale));
}

}  // namespace
}  // namespace kinetic::app
