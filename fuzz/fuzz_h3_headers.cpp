// Header blocks as a HEADERS frame carries them: QPACK decoding (static table only, as
// Kinetic announces), then request and response validation; decoded fields re-encode to
// the same list. The same bytes as text go through the structured-field list parsers,
// whose accepted values must format and parse back unchanged.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/transport/webtransport/headers.hpp"
#include "kinetic/transport/webtransport/qpack.hpp"

using namespace kinetic::transport::webtransport;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);

  QpackDecoder decoder(16 * 1024);
  HeaderList fields;
  if (!decoder.decode(0, in, fields)) {
    (void)parse_request(fields);
    auto status = parse_status(fields);
    if (status && (*status < 100 || *status > 999)) std::abort();

    QpackEncoder encoder;
    std::vector<std::uint8_t> block;
    if (encoder.encode(0, fields, block)) std::abort();
    QpackDecoder again(64 * 1024);
    HeaderList back;
    if (again.decode(0, block, back) || back != fields) std::abort();
  }

  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto list = parse_sf_string_list(text)) {
    auto back = parse_sf_string_list(format_sf_string_list(*list));
    if (!back || *back != *list) std::abort();
  }
  if (auto item = parse_sf_string(text)) {
    auto back = parse_sf_string(format_sf_string(*item));
    if (!back || *back != *item) std::abort();
  }
  return 0;
}
