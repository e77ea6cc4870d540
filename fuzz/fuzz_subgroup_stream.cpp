// A subgroup stream decoded whole and fed to the streaming parser in chunks (sizes from the
// first input byte; adjacent views of one buffer, or every other chunk a copy of its own, so
// payloads are both kept as one run and gathered) must give the same objects or fail alike;
// what decodes must re-encode to bytes that decode to the same objects.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kinetic/wire/data_parser.hpp"
#include "kinetic/wire/data_subgroup.hpp"

using namespace kinetic;
using namespace kinetic::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = data[0] % 16 + 1;
  const Version version = (data[0] & 0x10) ? Version::kDraft20 : Version::kDraft18;
  const bool copies = (data[0] & 0x20) != 0;
  const SharedBytes stream = SharedBytes::copy(std::span<const std::uint8_t>(data + 1, size - 1));
  const DataLimits limits{.max_payload_bytes = 1 << 16, .max_property_bytes = 512};

  auto whole = decode_subgroup_stream(stream, version, limits);

  SubgroupStreamParser parser(version, limits);
  std::vector<Object> streamed;
  Status status = ok_status();
  for (std::size_t at = 0; at < stream.size() && status; at += step) {
    const SharedBytes chunk = stream.slice(at, std::min(step, stream.size() - at));
    status = parser.feed(copies && (at / step) % 2 == 1 ? SharedBytes::copy(chunk.span()) : chunk);
    Object o;
    while (parser.next(o)) streamed.push_back(o);
  }
  if (status) status = parser.finish();

  if (whole) {
    if (!status || streamed != whole->objects) std::abort();
    // Re-encode and decode again.
    std::vector<std::uint8_t> out;
    ByteWriter w(out);
    write_subgroup_header(w, whole->header);
    SubgroupObjectWriter writer(whole->header);
    for (const auto& o : whole->objects) {
      if (!writer.write_object(w, o.object_id, o.properties, o.status, o.payload)) std::abort();
    }
    auto again = decode_subgroup_stream(SharedBytes(std::move(out)), version, limits);
    if (!again || again->objects != whole->objects || again->header != whole->header) std::abort();
  } else if (!whole.error().need_more()) {
    if (status || status.error().code != whole.error().code) std::abort();
  } else if (status) {
    std::abort();  // a truncated stream must not finish cleanly
  }
  return 0;
}
