#include "kinetic/media/loc_packager.hpp"

#include <gtest/gtest.h>

#include "kinetic/wire/loc.hpp"

namespace kinetic::media {
namespace {

LocFrame video_key() {
  LocFrame f;
  f.kind = StreamKind::kVideo;
  f.payload = kinetic::SharedBytes::copy(std::string_view("\x00\x00\x00\x01\x65\x88", 6));
  f.pts = 123456;
  f.timescale = 10240;
  f.keyframe = true;
  f.capture_time_us = 1'764'000'000'000'000ull;
  f.config = std::string("\x01\x64\x00\x1f", 4);
  return f;
}

TEST(LocPackager, VideoRoundTrip) {
  const LocFrame f = video_key();
  auto obj = package_loc(f);
  ASSERT_TRUE(obj) << obj.error().what;
  EXPECT_EQ(obj->payload, f.payload);
  auto loc = wire::parse_loc_properties(obj->properties);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->timestamp, 123456u);
  EXPECT_EQ(loc->timescale, 10240u);
  ASSERT_TRUE(loc->frame_marking);
  EXPECT_TRUE(loc->frame_marking->independent);
  EXPECT_EQ(loc->video_config, f.config);
  auto back = unpackage_loc(StreamKind::kVideo, obj->payload, obj->properties);
  ASSERT_TRUE(back) << back.error().what;
  EXPECT_EQ(*back, f);
}

TEST(LocPackager, DeltaFrameAndAudio) {
  LocFrame f = video_key();
  f.keyframe = false;
  f.config.reset();
  f.capture_time_us.reset();
  auto obj = package_loc(f);
  ASSERT_TRUE(obj);
  auto back = unpackage_loc(StreamKind::kVideo, obj->payload, obj->properties);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, f);

  LocFrame a = video_key();
  a.kind = StreamKind::kAudio;
  a.timescale = 48000;
  auto aobj = package_loc(a);
  ASSERT_TRUE(aobj);
  auto aloc = wire::parse_loc_properties(aobj->properties);
  ASSERT_TRUE(aloc);
  EXPECT_FALSE(aloc->frame_marking);
  EXPECT_EQ(aloc->audio_config, a.config);
  auto aback = unpackage_loc(StreamKind::kAudio, aobj->payload, aobj->properties);
  ASSERT_TRUE(aback);
  EXPECT_EQ(*aback, a);
}

TEST(LocPackager, RefusesBadFramesAndObjects) {
  LocFrame f = video_key();
  f.pts = -1;
  EXPECT_FALSE(package_loc(f));
  f = video_key();
  f.timescale = 0;
  EXPECT_FALSE(package_loc(f));
  f = video_key();
  f.payload = {};
  EXPECT_FALSE(package_loc(f));

  const auto payload = video_key().payload;
  EXPECT_FALSE(unpackage_loc(StreamKind::kVideo, payload, {}));  // no media time
  EXPECT_FALSE(unpackage_loc(StreamKind::kVideo, payload,
                             {wire::KeyValuePair::varint(wire::loc::kTimestamp, 1),
                              wire::KeyValuePair::varint(wire::loc::kTimescale, 0)}));
  wire::KeyValueList twice{wire::KeyValuePair::varint(wire::loc::kTimestamp, 1),
                           wire::KeyValuePair::varint(wire::loc::kTimescale, 1000),
                           wire::KeyValuePair::varint(kCaptureTime, 5), wire::KeyValuePair::varint(kCaptureTime, 6)};
  EXPECT_FALSE(unpackage_loc(StreamKind::kVideo, payload, twice));
  twice.pop_back();
  auto ok = unpackage_loc(StreamKind::kVideo, payload, twice);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->capture_time_us, 5u);
  EXPECT_FALSE(ok->keyframe);  // no frame marking: not known to be independent
  auto first = unpackage_loc(StreamKind::kVideo, payload, twice, true);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keyframe);  // ... unless it starts its group (MSF)
}

// LOC: a Timestamp without a Timescale is wall-clock microseconds since the Unix epoch, as
// @moq/net publishes (its timescale travels in SUBSCRIBE_OK, not in each object).
TEST(LocPackager, TimestampWithoutTimescaleIsMicroseconds) {
  const auto payload = video_key().payload;
  const wire::KeyValueList props{wire::KeyValuePair::varint(wire::loc::kTimestamp, 1'764'000'000'123'456)};
  auto f = unpackage_loc(StreamKind::kVideo, payload, props, true);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->timescale, 1'000'000u);
  EXPECT_EQ(loc_pts_us(*f), 1'764'000'000'123'456);
  EXPECT_TRUE(f->keyframe);
  auto later = unpackage_loc(StreamKind::kVideo, payload, props, false);
  ASSERT_TRUE(later);
  EXPECT_FALSE(later->keyframe);
}

}  // namespace
}  // namespace kinetic::media

namespace kinetic::media {
namespace {

TEST(LocPtsUs, MediaTimeInMicroseconds) {
  LocFrame f;
  f.pts = 3003;
  f.timescale = 90000;
  EXPECT_EQ(loc_pts_us(f), 33'367);
  f.timescale = 0;
  EXPECT_EQ(loc_pts_us(f), 0);
}

}  // namespace
}  // namespace kinetic::media
