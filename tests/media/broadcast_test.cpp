#include "kinetic/media/broadcast.hpp"

#include <gtest/gtest.h>

#include <string>

extern "C" {
#include <libavcodec/codec_id.h>
}

namespace kinetic::media {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

TEST(Broadcast, OneGroupPerKeyframeIntervalOneObjectPerFrame) {
  auto d = CmafDemuxer::open_file(kClip);
  ASSERT_TRUE(d);
  auto b = Broadcast::create((*d)->streams());
  ASSERT_TRUE(b) << b.error().what;
  ASSERT_EQ(b->tracks().size(), 1u);
  EXPECT_EQ(b->tracks()[0].name, "video0");

  const Catalog c = b->catalog(1000);
  ASSERT_TRUE(validate_catalog(c));
  auto parsed = parse_catalog(catalog_to_json(c));
  ASSERT_TRUE(parsed);
  const CatalogTrack* t = parsed->find("video0");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->codec->rfind("avc1.", 0), 0u);
  EXPECT_EQ(t->width, 768u);
  EXPECT_EQ(parsed->init_bytes(*t), (*d)->streams()[0].extradata);

  std::uint64_t expected_group = 0;
  std::uint64_t expected_object = 0;
  int objects = 0;
  for (;;) {
    auto p = (*d)->next();
    ASSERT_TRUE(p);
    if (!*p) break;
    auto o = b->add(**p, 7);
    ASSERT_TRUE(o) << o.error().what;
    ASSERT_TRUE(*o);
    if ((*p)->keyframe && objects > 0) {
      ++expected_group;
      expected_object = 0;
    }
    EXPECT_EQ((*o)->group, expected_group);
    EXPECT_EQ((*o)->object, expected_object++);
    EXPECT_EQ((*o)->new_group, (*p)->keyframe);
    auto frame = unpackage_loc(StreamKind::kVideo, (*o)->loc.payload, (*o)->loc.properties);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->pts, (*p)->pts);
    EXPECT_EQ(frame->keyframe, (*p)->keyframe);
    EXPECT_EQ(frame->capture_time_us, 7u);
    EXPECT_EQ(frame->config.has_value(), (*p)->keyframe);  // config rides on group starts
    ++objects;
  }
  EXPECT_EQ(objects, 100);
  EXPECT_EQ(expected_group, 9u);
}

StreamInfo fake(int index, StreamKind kind, int codec, std::string extradata) {
  StreamInfo s;
  s.index = index;
  s.kind = kind;
  s.codec_id = codec;
  s.extradata = std::move(extradata);
  s.timescale = 1000;
  return s;
}

Packet pkt(int stream, std::int64_t pts, bool key) {
  Packet p;
  p.stream_index = stream;
  p.pts = p.dts = pts;
  p.duration = 100;
  p.keyframe = key;
  p.data = {1, 2, 3};
  return p;
}

TEST(Broadcast, AudioFollowsVideoGroupsAndLoopsContinueTime) {
  auto b = Broadcast::create({fake(0, StreamKind::kVideo, AV_CODEC_ID_H264, std::string("\x01\x42\x00\x1e", 4)),
                              fake(1, StreamKind::kAudio, AV_CODEC_ID_OPUS, "")});
  ASSERT_TRUE(b);
  // Nothing before the first keyframe can be decoded, audio included.
  EXPECT_FALSE(b->add(pkt(1, 0, true), std::nullopt).value());
  EXPECT_FALSE(b->add(pkt(0, 0, false), std::nullopt).value());
  auto v0 = b->add(pkt(0, 100, true), std::nullopt).value();
  ASSERT_TRUE(v0);
  EXPECT_EQ(v0->group, 0u);
  auto a0 = b->add(pkt(1, 100, true), std::nullopt).value();
  ASSERT_TRUE(a0);
  EXPECT_EQ(a0->group, 0u);
  EXPECT_TRUE(a0->new_group);
  auto a1 = b->add(pkt(1, 200, true), std::nullopt).value();
  EXPECT_EQ(a1->group, 0u);
  EXPECT_EQ(a1->object, 1u);
  auto v1 = b->add(pkt(0, 300, true), std::nullopt).value();
  EXPECT_EQ(v1->group, 1u);
  auto a2 = b->add(pkt(1, 300, true), std::nullopt).value();
  EXPECT_EQ(a2->group, 1u);
  EXPECT_EQ(a2->object, 0u);

  b->restart_input();
  auto v2 = b->add(pkt(0, 100, true), std::nullopt).value();
  EXPECT_EQ(v2->group, 2u);
  EXPECT_EQ(v2->media_time_us, 400'000);  // after the last frame (300 + 100 ticks of 1 ms)
  auto frame = unpackage_loc(StreamKind::kVideo, v2->loc.payload, v2->loc.properties);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->pts, 400);

  EXPECT_FALSE(b->add(pkt(5, 0, true), std::nullopt));  // unknown stream
}

TEST(Broadcast, RefusesStreamsItCannotName) {
  EXPECT_FALSE(Broadcast::create({}));
  EXPECT_FALSE(Broadcast::create({fake(0, StreamKind::kVideo, AV_CODEC_ID_RAWVIDEO, "")}));
}

TEST(Broadcast, ANewConfigurationRidesOnTheNextGroupAndTheCatalog) {
  StreamInfo v;
  v.kind = StreamKind::kVideo;
  v.codec_id = AV_CODEC_ID_H264;
  v.codec_name = "h264";
  v.extradata = std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11);
  v.timescale = 90000;
  v.width = 640;
  v.height = 480;
  auto b = Broadcast::create({v});
  ASSERT_TRUE(b) << b.error().what;
  Packet key;
  key.keyframe = true;
  key.data = {0, 0, 0, 1, 0x65};
  ASSERT_TRUE(b->add(key, std::nullopt));
  const std::string main_profile("\x01\x4d\x40\x1e\xff\xe1\x00\x00\x01\x00\x00", 11);
  EXPECT_FALSE(b->set_config(3, main_profile, 320, 240));
  ASSERT_TRUE(b->set_config(0, main_profile, 320, 240));
  key.pts = 3000;
  auto o = b->add(key, std::nullopt);
  ASSERT_TRUE(o && *o);
  auto frame = unpackage_loc(StreamKind::kVideo, (*o)->loc.payload, (*o)->loc.properties);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->config, main_profile);
  const Catalog c = b->catalog();
  ASSERT_EQ(c.tracks.size(), 1u);
  EXPECT_EQ(c.tracks[0].codec, "avc1.4d401e");
  EXPECT_EQ(c.tracks[0].width, 320u);
  EXPECT_EQ(c.init_bytes(c.tracks[0]), main_profile);
}

}  // namespace
}  // namespace kinetic::media
