// Capsules on a WebTransport CONNECT stream: a CLOSE_WEBTRANSPORT_SESSION value either fails
// to decode or gives a bounded reason that encodes and decodes back to itself.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "kinetic/transport/webtransport/capsule.hpp"
#include "kinetic/transport/webtransport/tlv_reader.hpp"

using namespace kinetic::transport::webtransport;

namespace {

void check_close(std::span<const std::uint8_t> value) {
  auto close = decode_close_session(value);
  if (!close) return;
  if (close->reason.size() > kMaxCloseReason) std::abort();
  std::vector<std::uint8_t> out;
  put_close_session_capsule(out, close->code, close->reason);
  struct One final : TlvReader::Visitor {
    std::vector<std::uint8_t> value;
    int count = 0;
    bool streamed(std::uint64_t) const override { return false; }
    H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override {
      if (type != capsule::kCloseWebTransportSession) std::abort();
      value.assign(payload.begin(), payload.end());
      ++count;
      return std::nullopt;
    }
    H3Status on_chunk(std::uint64_t, std::span<const std::uint8_t>, bool) override { std::abort(); }
  } one;
  TlvReader reader(64 * 1024, 0x10c);
  if (reader.feed(out, one) || one.count != 1 || !reader.at_boundary()) std::abort();
  auto back = decode_close_session(one.value);
  if (!back || back->code != close->code || back->reason != close->reason) std::abort();
}

struct Capsules final : TlvReader::Visitor {
  bool streamed(std::uint64_t type) const override { return type == capsule::kDatagram; }
  H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override {
    if (type == capsule::kCloseWebTransportSession) check_close(payload);
    return std::nullopt;
  }
  H3Status on_chunk(std::uint64_t, std::span<const std::uint8_t>, bool) override { return std::nullopt; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  check_close(in);
  TlvReader reader(kMaxCloseReason + 16, 0x10c);
  Capsules visitor;
  (void)reader.feed(in, visitor);
  return 0;
}
