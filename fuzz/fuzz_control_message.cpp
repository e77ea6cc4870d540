// Control stream framer and codec. Input: one byte choosing the draft (bit 0) and the
// chunk size the stream is fed in (bits 1..7, plus one), then the stream itself.
// Checks: no crash; feeding in chunks gives the same messages and the same final error as
// feeding the whole stream; every decoded message re-encodes and decodes to itself.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/wire/control_parser.hpp"

namespace {

using namespace kinetic;
using namespace kinetic::wire;

struct Outcome {
  std::vector<ControlMessage> messages;
  std::optional<Errc> error;
};

Outcome parse(Version v, std::span<const std::uint8_t> stream, std::size_t chunk) {
  ControlParser parser(v);
  Outcome out;
  while (!stream.empty()) {
    const std::size_t n = std::min(chunk, stream.size());
    std::span<const std::uint8_t> piece = stream.first(n);
    stream = stream.subspan(n);
    while (true) {
      auto r = parser.next(piece);
      if (r.ok()) {
        out.messages.push_back(std::move(*r));
        continue;
      }
      if (r.error().need_more()) break;
      out.error = r.error().code;
      return out;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Version v = (data[0] & 1) ? Version::kDraft20 : Version::kDraft18;
  const std::size_t chunk = 1 + (data[0] >> 1);
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  const Outcome whole = parse(v, stream, stream.size() + 1);
  const Outcome chunked = parse(v, stream, chunk);
  if (whole.messages.size() != chunked.messages.size() || whole.error != chunked.error) std::abort();
  for (std::size_t i = 0; i < whole.messages.size(); ++i) {
    if (!(whole.messages[i] == chunked.messages[i])) std::abort();
    std::vector<std::uint8_t> again;
    if (!encode_control_message(v, whole.messages[i], again).ok()) std::abort();
    auto back = decode_control_message(v, again);
    if (!back.ok() || back->consumed != again.size() || !(back->message == whole.messages[i])) std::abort();
  }
  return 0;
}
