#include "kinetic/transport/webtransport/tlv_reader.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {
namespace {

struct Recorder : TlvReader::Visitor {
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> elements;
  std::vector<std::uint8_t> data;
  int data_ends = 0;
  bool streamed(std::uint64_t type) const override { return type == frame::kData; }
  H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override {
    elements.emplace_back(type, std::vector<std::uint8_t>(payload.begin(), payload.end()));
    return std::nullopt;
  }
  H3Status on_chunk(std::uint64_t, std::span<const std::uint8_t> chunk, bool end) override {
    data.insert(data.end(), chunk.begin(), chunk.end());
    data_ends += end ? 1 : 0;
    return std::nullopt;
  }
};

std::vector<std::uint8_t> sample() {
  std::vector<std::uint8_t> out;
  const std::vector<std::uint8_t> headers{1, 2, 3};
  put_frame(out, frame::kHeaders, headers);
  const std::vector<std::uint8_t> body(300, 0xab);
  put_frame(out, frame::kData, body);
  put_frame(out, frame::kGoaway, {});
  put_frame(out, frame::kData, {});
  return out;
}

TEST(TlvReader, WholeBufferAndBytewiseGiveTheSameResult) {
  const auto bytes = sample();
  Recorder whole;
  TlvReader a(1024, h3::kExcessiveLoad);
  ASSERT_FALSE(a.feed(bytes, whole));
  EXPECT_TRUE(a.at_boundary());

  Recorder bytewise;
  TlvReader b(1024, h3::kExcessiveLoad);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_FALSE(b.feed(std::span(bytes).subspan(i, 1), bytewise));
  }
  EXPECT_TRUE(b.at_boundary());

  for (const Recorder* r : {&whole, &bytewise}) {
    ASSERT_EQ(r->elements.size(), 2u);
    EXPECT_EQ(r->elements[0].first, frame::kHeaders);
    EXPECT_EQ(r->elements[0].second, (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(r->elements[1].first, frame::kGoaway);
    EXPECT_EQ(r->data.size(), 300u);
    EXPECT_EQ(r->data_ends, 2);
  }
}

TEST(TlvReader, MidElementIsNotABoundary) {
  auto bytes = sample();
  Recorder r;
  TlvReader reader(1024, h3::kExcessiveLoad);
  ASSERT_FALSE(reader.feed(std::span(bytes).first(4), r));
  EXPECT_FALSE(reader.at_boundary());
}

TEST(TlvReader, OversizedBufferedElementFails) {
  std::vector<std::uint8_t> bytes;
  put_frame_header(bytes, frame::kHeaders, 1u << 20);  // no payload needed to refuse it
  Recorder r;
  TlvReader reader(1024, h3::kExcessiveLoad);
  auto err = reader.feed(bytes, r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, h3::kExcessiveLoad);
}

TEST(TlvReader, VisitorErrorsStopTheReader) {
  struct Refuse : Recorder {
    H3Status on_element(std::uint64_t, std::span<const std::uint8_t>) override {
      return H3Error{h3::kFrameUnexpected, "no"};
    }
  } r;
  TlvReader reader(1024, h3::kExcessiveLoad);
  auto err = reader.feed(sample(), r);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, h3::kFrameUnexpected);
}

}  // namespace
}  // namespace kinetic::transport::webtransport
