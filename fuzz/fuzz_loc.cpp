// Object properties parsed as LOC: either a formatting error or fields that, appended to a
// fresh list, parse back to the same values.
#include <cstdint>
#include <cstdlib>

#include "kinetic/wire/key_value.hpp"
#include "kinetic/wire/loc.hpp"

using namespace kinetic;
using namespace kinetic::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  KeyValueList props;
  if (!read_key_values_block({data, size}, props)) return 0;
  auto loc = parse_loc_properties(props);
  if (!loc) {
    if (loc.error().code != Errc::kKeyValueFormatting) std::abort();
    return 0;
  }
  KeyValueList again;
  if (!append_loc_properties(*loc, again)) std::abort();
  auto back = parse_loc_properties(again);
  if (!back || !(*back == *loc)) std::abort();
  return 0;
}
