#include "kinetic/media/catalog.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/codec_id.h>
}

namespace kinetic::media {
namespace {

// The draft's "Time-aligned Audio/Video Tracks with single quality" example, verbatim.
constexpr const char* kDraftExample = R"({
  "version": "draft-01",
  "generatedAt": 1746104606044,
  "tracks": [
    {
      "name": "1080p-video",
      "namespace": "conference.example.com/conference123/alice",
      "packaging": "loc",
      "isLive": true,
      "targetLatency": 2000,
      "role": "video",
      "renderGroup": 1,
      "codec":"av01.0.08M.10.0.110.09",
      "width":1920,
      "height":1080,
      "framerate":30,
      "bitrate":1500000
    },
    {
      "name": "audio",
      "namespace": "conference.example.com/conference123/alice",
      "packaging": "loc",
      "isLive": true,
      "targetLatency": 2000,
      "role": "audio",
      "renderGroup": 1,
      "codec":"opus",
      "samplerate":48000,
      "channelConfig":"2",
      "bitrate":32000
    }
   ]
})";

TEST(Catalog, ParsesTheDraftExample) {
  auto c = parse_catalog(kDraftExample);
  ASSERT_TRUE(c) << c.error().what;
  EXPECT_EQ(c->version, "draft-01");
  EXPECT_EQ(c->generated_at, 1746104606044u);
  ASSERT_EQ(c->tracks.size(), 2u);
  const CatalogTrack* v = c->find("1080p-video");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->codec, "av01.0.08M.10.0.110.09");
  EXPECT_EQ(v->width, 1920u);
  EXPECT_EQ(v->framerate, 30.0);
  EXPECT_EQ(v->target_latency, 2000u);
  const CatalogTrack* a = c->find("audio");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->channel_config, "2");
  EXPECT_EQ(a->samplerate, 48000u);
  EXPECT_EQ(c->find("nope"), nullptr);
}

TEST(Catalog, RoundTripWithInitData) {
  Catalog c;
  c.generated_at = 42;
  CatalogTrack t;
  t.name = "video0";
  t.role = "video";
  t.render_group = 1;
  t.codec = "avc1.64001f";
  t.timescale = 10240;
  t.width = 768;
  t.height = 576;
  t.framerate = 10;
  t.init_ref = "video0-init";
  c.tracks.push_back(t);
  const std::string avcc("\x01\x64\x00\x1f\xff\x00\x10", 7);
  c.init_data.push_back({"video0-init", "inline", base64_encode(avcc)});
  const std::string json = catalog_to_json(c);
  // The draft asks for the init data list after the tracks.
  EXPECT_LT(json.find("\"tracks\""), json.find("\"initDataList\""));
  auto back = parse_catalog(json);
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->init_bytes(back->tracks[0]), avcc);
}

// MoQT names are bytes; a catalog is JSON text. Writing one must not throw out of the publisher.
TEST(Catalog, WritesANameThatIsNotUtf8WithAReplacementCharacter) {
  Catalog c;
  CatalogTrack t;
  t.name = "cam\xff";
  c.tracks.push_back(t);
  std::string json;
  ASSERT_NO_THROW(json = catalog_to_json(c));
  auto back = parse_catalog(json);
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(back->tracks[0].name, "cam\xef\xbf\xbd");
}

TEST(Catalog, RefusesWhatTheDraftForbids) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"tracks":[]})",                                                          // no version
      R"({"version":"draft-01"})",                                                 // no tracks
      R"({"version":"1","tracks":[]})",                                            // unknown version form
      R"({"version":"draft-01","tracks":[{"packaging":"loc","isLive":true}]})",    // no name
      R"({"version":"draft-01","tracks":[{"name":"a","isLive":true}]})",           // no packaging
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"loc"}]})",       // no isLive
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"mp3","isLive":true}]})",
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"loc","isLive":true},
                                         {"name":"a","packaging":"loc","isLive":true}]})",
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"loc","isLive":true,"width":"wide"}]})",
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"loc","isLive":true,"width":-1}]})",
      R"({"version":"draft-01","tracks":[{"name":"a","packaging":"loc","isLive":true,"initRef":"x"}]})",
      R"({"version":"draft-01","tracks":[],"initDataList":[{"id":"x","type":"inline","data":"!!!!"}]})",
      R"({"version":"draft-01","tracks":[],"initDataList":[{"id":"x","type":"url","data":""}]})",
      R"({"version":"draft-01","deltaUpdate":[{"op":"add","tracks":[]}]})",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_catalog(text)) << text;
  // Same name in two namespaces is allowed.
  EXPECT_TRUE(parse_catalog(R"({"version":"draft-01","tracks":[
      {"name":"a","namespace":"x","packaging":"loc","isLive":true},
      {"name":"a","namespace":"y","packaging":"loc","isLive":true}]})"));
}

TEST(Catalog, CodecStrings) {
  StreamInfo h264;
  h264.codec_id = AV_CODEC_ID_H264;
  h264.extradata = std::string("\x01\x64\x00\x1f\xff", 5);
  EXPECT_EQ(codec_string(h264).value(), "avc1.64001f");
  h264.extradata = std::string("\x00\x00\x00\x01", 4);  // Annex B, not avcC
  EXPECT_FALSE(codec_string(h264));
  StreamInfo aac;
  aac.codec_id = AV_CODEC_ID_AAC;
  aac.extradata = std::string("\x12\x10", 2);  // AAC-LC
  EXPECT_EQ(codec_string(aac).value(), "mp4a.40.2");
  aac.extradata = std::string("\x2b\x8a\x08\x00", 4);  // HE-AAC (SBR, type 5)
  EXPECT_EQ(codec_string(aac).value(), "mp4a.40.5");
  StreamInfo opus;
  opus.codec_id = AV_CODEC_ID_OPUS;
  EXPECT_EQ(codec_string(opus).value(), "opus");
  StreamInfo other;
  other.codec_id = AV_CODEC_ID_RAWVIDEO;
  EXPECT_FALSE(codec_string(other));
}

TEST(Catalog, Base64) {
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("aGVsbG8"));
  EXPECT_FALSE(base64_decode("aGV*bG8="));
}

}  // namespace
}  // namespace kinetic::media
