// A FETCH stream decoded whole and in chunks must agree; what decodes must re-encode (with the
// writer's own choice of flags) to bytes that decode to the same entries.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kinetic/wire/data_fetch.hpp"
#include "kinetic/wire/data_parser.hpp"

using namespace kinetic;
using namespace kinetic::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = data[0] % 16 + 1;
  const Version version = (data[0] & 0x10) ? Version::kDraft20 : Version::kDraft18;
  const GroupOrder order = (data[0] & 0x20) ? GroupOrder::kDescending : GroupOrder::kAscending;
  const SharedBytes stream = SharedBytes::copy(std::span<const std::uint8_t>(data + 1, size - 1));
  const DataLimits limits{.max_payload_bytes = 1 << 16, .max_property_bytes = 512};

  auto whole = decode_fetch_stream(stream, version, order, limits);

  FetchStreamParser parser(version, order, limits);
  std::vector<FetchEntry> streamed;
  Status status = ok_status();
  for (std::size_t at = 0; at < stream.size() && status; at += step) {
    status = parser.feed(stream.slice(at, std::min(step, stream.size() - at)));
    FetchEntry e;
    while (parser.next(e)) streamed.push_back(e);
  }
  if (status) status = parser.finish();

  if (whole) {
    if (!status || streamed != whole->entries) std::abort();
    std::vector<std::uint8_t> out;
    ByteWriter w(out);
    write_fetch_header(w, whole->header);
    FetchObjectWriter writer(version, order);
    for (const auto& e : whole->entries) {
      if (e.kind != FetchEntryKind::kObject) {
        // The decoder accepts markers out of order; the writer does not, so stop re-encoding there.
        if (!writer.write_end_of_range(w, e.kind, e.object.location())) return 0;
        continue;
      }
      FetchObjectHead h;
      h.group_id = e.object.group_id;
      h.object_id = e.object.object_id;
      h.subgroup_id = e.object.subgroup_id;
      h.forwarding = e.object.forwarding;
      h.publisher_priority = e.object.publisher_priority.value_or(0);
      h.properties = e.object.properties;
      if (!writer.write_object(w, h, e.object.payload)) return 0;
    }
    auto again = decode_fetch_stream(SharedBytes(std::move(out)), version, order, limits);
    if (!again || again->entries != whole->entries) std::abort();
  } else if (!whole.error().need_more()) {
    if (status || status.error().code != whole.error().code) std::abort();
  } else if (status) {
    std::abort();
  }
  return 0;
}
