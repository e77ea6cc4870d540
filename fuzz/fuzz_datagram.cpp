// Any datagram: object or padding decode, or fail with a protocol error (never "need more");
// object datagrams that decode re-encode to the same bytes, but for non-minimal varints and an
// explicit zero Object ID, which re-encode shorter and must then decode to the same fields.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kinetic/wire/data_datagram.hpp"
#include "kinetic/wire/data_padding.hpp"

using namespace kinetic;
using namespace kinetic::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the draft; the datagram is the rest.
  const Version version = (data[0] & 1) ? Version::kDraft20 : Version::kDraft18;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  auto type = decode_varint(in);
  if (type && type->value == kPaddingDatagramType) {
    auto p = read_padding_datagram(in);
    if (!p && p.error().need_more()) std::abort();
    return 0;
  }
  auto d = read_object_datagram(in, version, {.max_payload_bytes = 1 << 16, .max_property_bytes = 512});
  if (!d) {
    if (d.error().need_more()) std::abort();
    return 0;
  }
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  if (!write_object_datagram(w, d->head, d->payload)) std::abort();
  if (out.size() > in.size()) std::abort();
  auto again = read_object_datagram(out, version);
  if (!again || !(again->head == d->head)) std::abort();
  if (!std::equal(again->payload.begin(), again->payload.end(), d->payload.begin(), d->payload.end()))
    std::abort();
  return 0;
}
