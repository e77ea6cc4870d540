// HTTP/3 frames as a request or control stream carries them: the TLV reader fed the same
// bytes whole and in pieces must see the same frames and the same verdict, and any SETTINGS
// payload it accepts must encode and decode back to the same values.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <utility>
#include <vector>

#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/settings.hpp"
#include "kinetic/transport/webtransport/tlv_reader.hpp"

using namespace kinetic::transport::webtransport;

namespace {

struct Frames final : TlvReader::Visitor {
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> seen;
  std::vector<std::uint8_t> streaming;
  bool check = true;  // off for the re-encoded copy, which would otherwise recurse

  // DATA passes through in chunks, like a response body; the rest is buffered.
  bool streamed(std::uint64_t type) const override { return type == frame::kData; }
  H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override {
    if (check && type == frame::kSettings) check_settings(payload);
    seen.emplace_back(type, std::vector<std::uint8_t>(payload.begin(), payload.end()));
    return std::nullopt;
  }
  H3Status on_chunk(std::uint64_t type, std::span<const std::uint8_t> chunk, bool end) override {
    streaming.insert(streaming.end(), chunk.begin(), chunk.end());
    if (end) seen.emplace_back(type, std::exchange(streaming, {}));
    return std::nullopt;
  }

  static void check_settings(std::span<const std::uint8_t> payload) {
    auto settings = decode_settings(payload);
    if (!settings) return;
    std::vector<std::uint8_t> out;
    put_settings_frame(out, *settings);
    TlvReader again(64 * 1024, 0x107);
    Frames inner;
    inner.check = false;
    if (again.feed(out, inner) || inner.seen.size() != 1 || inner.seen[0].first != frame::kSettings) std::abort();
    auto back = decode_settings(inner.seen[0].second);
    if (!back || back->values != settings->values) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size for the second reading.
  const std::size_t piece = 1 + data[0] % 7;
  std::span<const std::uint8_t> in(data + 1, size - 1);

  TlvReader whole_reader(4096, 0x107);
  Frames whole;
  H3Status whole_status = whole_reader.feed(in, whole);

  TlvReader split_reader(4096, 0x107);
  Frames split;
  H3Status split_status;
  for (std::size_t at = 0; at < in.size() && !split_status; at += piece)
    split_status = split_reader.feed(in.subspan(at, std::min(piece, in.size() - at)), split);

  if (whole_status.has_value() != split_status.has_value()) std::abort();
  if (whole_status) {
    if (whole_status->code != split_status->code) std::abort();
    return 0;
  }
  if (whole.seen != split.seen || whole.streaming != split.streaming) std::abort();
  if (whole_reader.at_boundary() != split_reader.at_boundary()) std::abort();
  return 0;
}
