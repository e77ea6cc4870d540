#include "kinetic/wire/data_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kinetic/base/byte_arena.hpp"

namespace kinetic::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A subgroup stream with properties, empty objects, a 3000-byte payload and an End of Group.
Bytes subgroup_stream(std::vector<std::size_t>* boundaries = nullptr) {
  SubgroupHeader h{.track_alias = 9,
                   .group_id = 1000,
                   .id_mode = SubgroupIdMode::kFirstObjectId,
                   .subgroup_id = 2,
                   .publisher_priority = 3,
                   .properties = true,
                   .first_object = true};
  Bytes out;
  ByteWriter w(out);
  write_subgroup_header(w, h);
  if (boundaries) boundaries->push_back(out.size());
  SubgroupObjectWriter ow(h);
  std::uint64_t id = 2;
  for (int i = 0; i < 12; ++i) {
    KeyValueList props;
    if (i % 3 == 0)
      props = {KeyValuePair::varint(0x10, 1000u + static_cast<unsigned>(i)),
               KeyValuePair::blob(0x0D, "config")};
    const Bytes payload(i == 5 ? 3000 : (i % 4 == 1 ? 0 : 10 + i), static_cast<std::uint8_t>(i));
    EXPECT_TRUE(ow.write_object(w, id, props, ObjectStatus::kNormal, payload));
    if (boundaries) boundaries->push_back(out.size());
    id += 1 + static_cast<std::uint64_t>(i % 2);
  }
  EXPECT_TRUE(ow.write_object(w, id, {}, ObjectStatus::kEndOfGroup, {}));
  if (boundaries) boundaries->push_back(out.size());
  return out;
}

struct Parsed {
  std::optional<SubgroupHeader> header;
  std::vector<Object> objects;
  Status status = ok_status();
};

Parsed parse_in_chunks(const Bytes& stream, const std::vector<std::size_t>& cuts, DataLimits limits = {}) {
  SubgroupStreamParser p(Version::kDraft18, limits);
  Parsed out;
  std::size_t prev = 0;
  auto drain = [&] {
    Object o;
    while (p.next(o)) out.objects.push_back(o);
  };
  for (std::size_t cut : cuts) {
    auto s = p.feed(std::span<const std::uint8_t>(stream.data() + prev, cut - prev));
    prev = cut;
    drain();
    if (!s) {
      out.status = s;
      return out;
    }
  }
  out.status = p.finish();
  out.header = p.header();
  return out;
}

TEST(DataParser, ChunkingDoesNotChangeTheResult) {
  const Bytes stream = subgroup_stream();
  auto whole = decode_subgroup_stream(SharedBytes(stream), Version::kDraft18);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->objects.size(), 13u);

  Parsed all = parse_in_chunks(stream, {stream.size()});
  ASSERT_TRUE(all.status) << all.status.error().what;
  EXPECT_EQ(all.header, whole->header);
  EXPECT_EQ(all.objects, whole->objects);

  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i <= stream.size(); ++i) every_byte.push_back(i);
  Parsed bytewise = parse_in_chunks(stream, every_byte);
  ASSERT_TRUE(bytewise.status) << bytewise.status.error().what;
  EXPECT_EQ(bytewise.header, whole->header);
  EXPECT_EQ(bytewise.objects, whole->objects);

  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (at < stream.size()) {
      at = std::min(stream.size(), at + 1 + rng() % 700);
      cuts.push_back(at);
    }
    Parsed random = parse_in_chunks(stream, cuts);
    ASSERT_TRUE(random.status);
    EXPECT_EQ(random.objects, whole->objects) << round;
  }
}

TEST(DataParser, EveryTruncationIsNeedMoreBytesThenFinishFails) {
  std::vector<std::size_t> boundaries;
  const Bytes stream = subgroup_stream(&boundaries);
  for (std::size_t n = 0; n < stream.size(); ++n) {
    SubgroupStreamParser p(Version::kDraft20);
    ASSERT_TRUE(p.feed(std::span<const std::uint8_t>(stream.data(), n))) << n;
    const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    auto fin = p.finish();
    EXPECT_EQ(fin.ok(), at_boundary) << n;
    if (!fin) {
      EXPECT_EQ(fin.error().code, Errc::kProtocolViolation);
    }
  }
}

TEST(DataParser, EverySingleByteCorruptionDecodesOrErrs) {
  const Bytes stream = subgroup_stream();
  for (std::size_t i = 0; i < stream.size(); ++i) {
    for (int flip : {0x01, 0x80, 0xFF}) {
      Bytes bad = stream;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
      SubgroupStreamParser p(Version::kDraft20);
      auto s = p.feed(SharedBytes(bad));
      if (s) (void)p.finish();
      Object o;
      while (p.next(o)) {
      }
    }
  }
}

TEST(DataParser, PayloadsInOneChunkAreSlices) {
  const SharedBytes chunk(subgroup_stream());
  SubgroupStreamParser p(Version::kDraft20);
  ASSERT_TRUE(p.feed(chunk));
  Object o;
  int slices = 0;
  while (p.next(o)) {
    if (o.payload.empty()) continue;
    EXPECT_GE(o.payload.data(), chunk.data());
    EXPECT_LT(o.payload.data(), chunk.data() + chunk.size());
    ++slices;
  }
  EXPECT_EQ(slices, 10);  // objects 1 and 9 and the End of Group are empty
}

TEST(DataParser, PayloadSplitAcrossChunksIsGatheredOnce) {
  const Bytes stream = subgroup_stream();
  SubgroupStreamParser p(Version::kDraft20);
  const std::size_t half = stream.size() / 2;  // inside the 3000-byte payload
  ASSERT_TRUE(p.feed(SharedBytes(Bytes(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(half)))));
  EXPECT_GT(p.buffered_bytes(), 0u);
  ASSERT_TRUE(p.feed(SharedBytes(Bytes(stream.begin() + static_cast<std::ptrdiff_t>(half), stream.end()))));
  ASSERT_TRUE(p.finish());
  std::size_t n = 0;
  Object o;
  while (p.next(o)) {
    if (n++ == 5) {
      EXPECT_EQ(o.payload.size(), 3000u);
      EXPECT_EQ(o.payload.use_count(), 1);  // its own buffer, nothing else holds it
    }
  }
  EXPECT_EQ(n, 13u);
}

// Chunks copied one after another into a ByteArena (as a session copies received packets) lie
// next to each other: a payload split across them stays one view of that memory.
TEST(DataParser, PayloadSplitAcrossAdjacentChunksStaysAView) {
  const Bytes stream = subgroup_stream();
  auto whole = decode_subgroup_stream(SharedBytes(stream), Version::kDraft18);
  ASSERT_TRUE(whole);
  ByteArena arena;
  SubgroupStreamParser p(Version::kDraft18);
  std::vector<SharedBytes> chunks;
  for (std::size_t at = 0; at < stream.size(); at += 700) {
    const std::size_t n = std::min<std::size_t>(700, stream.size() - at);
    chunks.push_back(arena.copy(std::span<const std::uint8_t>(stream.data() + at, n)));
    ASSERT_TRUE(p.feed(chunks.back()));
  }
  ASSERT_TRUE(p.finish());
  std::vector<Object> objects;
  Object o;
  while (p.next(o)) objects.push_back(o);
  EXPECT_EQ(objects, whole->objects);
  ASSERT_EQ(objects.size(), 13u);
  const SharedBytes& big = objects[5].payload;
  ASSERT_EQ(big.size(), 3000u);
  EXPECT_GE(big.data(), chunks.front().data());  // inside the arena's copies, not a buffer of its own
  EXPECT_LE(big.data() + big.size(), chunks.back().data() + chunks.back().size());
  EXPECT_GT(big.use_count(), 1);
}

// Where the arena starts a new block inside a payload (or a chunk is copied on its own), the payload
// is gathered as before; at any chunking and block size the objects are those of the whole stream.
TEST(DataParser, ArenaChunksAcrossBlocksAreGathered) {
  const Bytes stream = subgroup_stream();
  auto whole = decode_subgroup_stream(SharedBytes(stream), Version::kDraft18);
  ASSERT_TRUE(whole);
  std::mt19937 rng(11);
  int gathered = 0;
  int views = 0;
  for (int round = 0; round < 60; ++round) {
    ByteArena arena(2048 + rng() % 8192);
    SubgroupStreamParser p(Version::kDraft18);
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 1200, stream.size() - at);
      ASSERT_TRUE(p.feed(arena.copy(std::span<const std::uint8_t>(stream.data() + at, n))));
      at += n;
    }
    ASSERT_TRUE(p.finish());
    std::vector<Object> objects;
    Object o;
    while (p.next(o)) objects.push_back(o);
    ASSERT_EQ(objects, whole->objects) << round;
    ++(objects[5].payload.use_count() == 1 ? gathered : views);
  }
  EXPECT_GT(gathered, 0);  // the 3,000-byte payload crossed a block boundary or a chunk of its own
  EXPECT_GT(views, 0);     // and lay inside one block
}

TEST(DataParser, HostileLengthsFailBeforeBuffering) {
  // Header 0x10 (alias 1, group 2, priority 3), object delta 0, payload length 2^28 - 1 (4-byte
  // varint EF FF FF FF) against the default 16 MiB limit.
  SubgroupStreamParser p(Version::kDraft20);
  const Bytes head = {0x10, 0x01, 0x02, 0x03, 0x00, 0xEF, 0xFF, 0xFF, 0xFF};
  auto s = p.feed(head);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(p.buffered_bytes(), 0u);
  EXPECT_EQ(p.feed(Bytes{0x00}).error().code, Errc::kLimitExceeded);  // sticky

  // Properties length over the limit, fed one byte at a time.
  SubgroupStreamParser q(Version::kDraft18, {.max_property_bytes = 16});
  const Bytes props = {0x11, 0x01, 0x02, 0x03, 0x00, 0x11};
  Status last = ok_status();
  for (std::uint8_t b : props) last = q.feed(Bytes{b});
  EXPECT_EQ(last.error().code, Errc::kLimitExceeded);
}

TEST(DataParser, DataAfterFinishIsAViolation) {
  SubgroupStreamParser p(Version::kDraft20);
  ASSERT_TRUE(p.feed(Bytes{0x10, 0x01, 0x02, 0x03}));
  ASSERT_TRUE(p.finish());
  EXPECT_EQ(p.feed(Bytes{0x00}).error().code, Errc::kProtocolViolation);
  SubgroupStreamParser empty(Version::kDraft20);
  EXPECT_EQ(empty.finish().error().code, Errc::kProtocolViolation);
}

Bytes fetch_stream() {
  Bytes out;
  ByteWriter w(out);
  write_fetch_header(w, {4});
  FetchObjectWriter fw(Version::kDraft20, GroupOrder::kDescending);
  std::uint64_t group = 50;
  for (int i = 0; i < 40; ++i) {
    if (i % 7 == 6) {
      EXPECT_TRUE(fw.write_end_of_range(w, FetchEntryKind::kEndOfTimedOutRange, {group, 100}));
      --group;
      continue;
    }
    FetchObjectHead h;
    h.group_id = group;
    h.object_id = static_cast<std::uint64_t>(i % 7);
    h.subgroup_id = static_cast<std::uint64_t>(i % 3);
    h.publisher_priority = static_cast<std::uint8_t>(i % 2);
    if (i % 5 == 0) h.properties = {KeyValuePair::blob(0x0F, "opus")};
    EXPECT_TRUE(fw.write_object(w, h, Bytes(static_cast<std::size_t>(i * 37 % 200), 0x5A)));
  }
  return out;
}

TEST(DataParser, FetchParserMatchesWholeDecodeAtAnyChunking) {
  const Bytes stream = fetch_stream();
  auto whole = decode_fetch_stream(SharedBytes(stream), Version::kDraft20, GroupOrder::kDescending);
  ASSERT_TRUE(whole) << whole.error().what;
  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{13}, stream.size()}) {
    FetchStreamParser p(Version::kDraft20);
    p.set_group_order(GroupOrder::kDescending);
    std::vector<FetchEntry> got;
    for (std::size_t at = 0; at < stream.size(); at += step) {
      ASSERT_TRUE(
          p.feed(std::span<const std::uint8_t>(stream.data() + at, std::min(step, stream.size() - at))));
      FetchEntry e;
      while (p.next(e)) got.push_back(e);
    }
    ASSERT_TRUE(p.finish());
    EXPECT_EQ(p.header()->request_id, 4u);
    EXPECT_EQ(got, whole->entries) << step;
  }
  // The same bytes under draft-18 stop at the first End of Timed-Out Range.
  FetchStreamParser old(Version::kDraft18, GroupOrder::kDescending);
  EXPECT_EQ(old.feed(stream).error().code, Errc::kProtocolViolation);
}

TEST(DataParser, FetchCorruptionsDecodeOrErr) {
  const Bytes stream = fetch_stream();
  for (std::size_t i = 0; i < stream.size(); ++i) {
    Bytes bad = stream;
    bad[i] ^= 0x41;
    FetchStreamParser p(Version::kDraft20, GroupOrder::kAscending);
    if (p.feed(SharedBytes(bad))) (void)p.finish();
  }
}

TEST(DataParser, UniStreamParserRoutesByType) {
  const Bytes sub = subgroup_stream();
  auto whole = decode_subgroup_stream(SharedBytes(sub), Version::kDraft18);
  ASSERT_TRUE(whole);
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, sub.size()}) {
    UniStreamParser p(Version::kDraft18);
    for (std::size_t at = 0; at < sub.size(); at += step) {
      ASSERT_TRUE(p.feed(SharedBytes::copy(
          std::span<const std::uint8_t>(sub).subspan(at, std::min(step, sub.size() - at)))));
    }
    ASSERT_TRUE(p.finish());
    ASSERT_EQ(p.kind(), UniStreamKind::kSubgroup);
    ASSERT_NE(p.subgroup(), nullptr);
    EXPECT_EQ(p.fetch(), nullptr);
    std::vector<Object> got;
    Object o;
    while (p.subgroup()->next(o)) got.push_back(o);
    EXPECT_EQ(got, whole->objects) << step;
  }

  const Bytes fetch = fetch_stream();
  UniStreamParser f(Version::kDraft20);
  ASSERT_TRUE(f.feed(SharedBytes::copy(std::span<const std::uint8_t>(fetch).first(1))));
  ASSERT_EQ(f.kind(), UniStreamKind::kFetch);
  f.fetch()->set_group_order(GroupOrder::kDescending);
  ASSERT_TRUE(f.feed(SharedBytes::copy(std::span<const std::uint8_t>(fetch).subspan(1))));
  ASSERT_TRUE(f.finish());
  EXPECT_EQ(f.fetch()->ready(), 40u);

  // Padding: type F0 13 2B 3E 28 split across chunks, then zeros; a non-zero byte fails.
  UniStreamParser pad(Version::kDraft20);
  ASSERT_TRUE(pad.feed(SharedBytes(Bytes{0xF0, 0x13})));
  EXPECT_FALSE(pad.kind().has_value());
  ASSERT_TRUE(pad.feed(SharedBytes(Bytes{0x2B, 0x3E, 0x28, 0x00, 0x00})));
  ASSERT_EQ(pad.kind(), UniStreamKind::kPadding);
  EXPECT_EQ(pad.padding()->discarded(), 2u);
  EXPECT_FALSE(pad.feed(SharedBytes(Bytes{0x07})));

  UniStreamParser setup(Version::kDraft20);
  EXPECT_FALSE(setup.feed(SharedBytes(Bytes{0xAF, 0x00})));
  UniStreamParser unknown(Version::kDraft20);
  EXPECT_EQ(unknown.feed(SharedBytes(Bytes{0x07})).error().code, Errc::kUnknownMessage);
  UniStreamParser cut(Version::kDraft20);
  ASSERT_TRUE(cut.feed(SharedBytes(Bytes{0xF0})));
  EXPECT_FALSE(cut.finish());
}

TEST(DataParser, PeekStreamKind) {
  EXPECT_EQ(*peek_uni_stream_kind(Bytes{0x05, 0x00}), UniStreamKind::kFetch);
  EXPECT_EQ(*peek_uni_stream_kind(Bytes{0x3D}), UniStreamKind::kSubgroup);
  EXPECT_EQ(*peek_uni_stream_kind(Bytes{0xAF, 0x00}), UniStreamKind::kSetup);  // 0x2F00 in two bytes
  EXPECT_EQ(peek_uni_stream_kind(Bytes{}).error().code, Errc::kNeedMoreBytes);
  EXPECT_EQ(peek_uni_stream_kind(Bytes{0x07}).error().code, Errc::kUnknownMessage);
}

}  // namespace
}  // namespace kinetic::wire
