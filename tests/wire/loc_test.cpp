#include "kinetic/wire/loc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kinetic/wire/data_object.hpp"

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Loc, VideoObjectPropertiesVector) {
  // A key frame at 90 kHz: Timescale (0x08) 90000, Timestamp (0x10) 3003, frame marking
  // (0x09) S|E|I = 0xE0 (single byte, non-scalable), Video Config (0x0D) "cfg".
  LocProperties loc;
  loc.timestamp = 3003;
  loc.timescale = 90000;
  loc.frame_marking = VideoFrameMarking{.start_of_frame = true, .end_of_frame = true, .independent = true};
  loc.video_config = "cfg";
  KeyValueList props;
  ASSERT_TRUE(append_loc_properties(loc, props));
  Bytes out;
  ByteWriter w(out);
  write_properties_field(w, props);
  const Bytes expected = {
      0x0F,                         // Properties Length 15
      0x08, 0xC1, 0x5F, 0x90,       // type 0x08, 90000 in the 3-byte form (0b110 prefix, 0x015F90)
      0x01, 0x01, 0xE0,             // type 0x09 (delta 1), length 1, S|E|I
      0x04, 0x03, 'c',  'f',  'g',  // type 0x0D (delta 4), length 3
      0x03, 0x8B, 0xBB,             // type 0x10 (delta 3), 3003 in the 2-byte form
  };
  // The length byte counts what follows it.
  ASSERT_EQ(expected.size() - 1, 15u);
  EXPECT_EQ(out, expected);

  ByteReader r(out);
  KeyValueList back;
  ASSERT_TRUE(read_properties_field(r, {}, back));
  auto parsed = parse_loc_properties(back);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, loc);
}

TEST(Loc, AudioLevelAndConfig) {
  // RFC 6464: V bit 0x80 and level 0..127 (-dBov); 0x80 | 30 = 0x9E needs the 2-byte varint.
  LocProperties loc;
  loc.audio_level = AudioLevel{.voice_activity = true, .level = 30};
  loc.audio_config = std::string("\x11\x90", 2);
  KeyValueList props;
  ASSERT_TRUE(append_loc_properties(loc, props));
  Bytes out;
  ByteWriter w(out);
  write_key_values(w, props);
  EXPECT_EQ(out, (Bytes{0x0C, 0x80, 0x9E, 0x03, 0x02, 0x11, 0x90}));
  EXPECT_EQ(*parse_loc_properties(props), loc);
}

TEST(Loc, FrameMarkingForms) {
  for (const auto& m :
       {VideoFrameMarking{.discardable = true, .temporal_id = 2},
        VideoFrameMarking{.start_of_frame = true, .base_layer_sync = true, .temporal_id = 7, .layer_id = 3},
        VideoFrameMarking{.end_of_frame = true, .temporal_id = 1, .layer_id = 1, .tl0_pic_idx = 200}}) {
    KeyValueList props;
    ASSERT_TRUE(append_loc_properties({.frame_marking = m}, props));
    ASSERT_EQ(props.size(), 1u);
    EXPECT_EQ(props[0].bytes.size(), 1u + (m.layer_id ? 1 : 0) + (m.tl0_pic_idx ? 1 : 0));
    auto back = parse_loc_properties(props);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->frame_marking, m);
  }
  // |S|E|I|D|B|TID| = 0b0101'1010: E, D, B and TID 2.
  auto p = parse_loc_properties({KeyValuePair::blob(loc::kVideoFrameMarking, "\x5A")});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->frame_marking->start_of_frame);
  EXPECT_TRUE(p->frame_marking->end_of_frame);
  EXPECT_FALSE(p->frame_marking->independent);
  EXPECT_TRUE(p->frame_marking->discardable);
  EXPECT_TRUE(p->frame_marking->base_layer_sync);
  EXPECT_EQ(p->frame_marking->temporal_id, 2);
}

TEST(Loc, FindsPropertiesInsideImmutableProperties) {
  KeyValueList inner;
  ASSERT_TRUE(append_loc_properties({.timestamp = 42}, inner));
  Bytes block;
  ByteWriter w(block);
  write_key_values(w, inner);
  const KeyValueList props = {
      KeyValuePair::blob(property::kImmutableProperties, std::string(block.begin(), block.end())),
      KeyValuePair::varint(loc::kTimescale, 1000)};
  auto p = parse_loc_properties(props);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->timestamp, std::optional<std::uint64_t>(42));
  EXPECT_EQ(p->timescale, std::optional<std::uint64_t>(1000));
}

TEST(Loc, MalformedValuesAreFormattingErrors) {
  auto code = [](KeyValueList l) { return parse_loc_properties(l).error().code; };
  EXPECT_EQ(code({KeyValuePair::blob(loc::kVideoFrameMarking, "")}), Errc::kKeyValueFormatting);
  EXPECT_EQ(code({KeyValuePair::blob(loc::kVideoFrameMarking, "abcd")}), Errc::kKeyValueFormatting);
  EXPECT_EQ(code({KeyValuePair::varint(loc::kAudioLevel, 256)}), Errc::kKeyValueFormatting);
  EXPECT_EQ(code({KeyValuePair::varint(loc::kTimescale, 0)}), Errc::kKeyValueFormatting);
  EXPECT_EQ(code({KeyValuePair::varint(loc::kTimestamp, 1), KeyValuePair::varint(loc::kTimestamp, 2)}),
            Errc::kKeyValueFormatting);
  EXPECT_EQ(code({KeyValuePair::blob(property::kImmutableProperties, "\x01")}), Errc::kKeyValueFormatting);
  // Unknown types pass through untouched.
  EXPECT_TRUE(parse_loc_properties({KeyValuePair::varint(0x3C, 5), KeyValuePair::blob(0x3801, "x")}));
}

TEST(Loc, WriterRejectsOutOfRangeFields) {
  KeyValueList props;
  EXPECT_FALSE(append_loc_properties({.timescale = 0}, props));
  EXPECT_FALSE(append_loc_properties({.frame_marking = VideoFrameMarking{.temporal_id = 8}}, props));
  EXPECT_FALSE(append_loc_properties({.frame_marking = VideoFrameMarking{.tl0_pic_idx = 1}}, props));
  EXPECT_FALSE(append_loc_properties({.audio_level = AudioLevel{.level = 128}}, props));
  EXPECT_TRUE(props.empty());
}

}  // namespace
}  // namespace kinetic::wire
