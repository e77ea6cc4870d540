// An MSF catalog arrives on a track any publisher writes: parsing it either refuses it or gives
// a catalog that passes validation and survives a write → parse round trip unchanged. Writing
// one whose strings are not UTF-8 (track names are bytes) must not throw.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kinetic/media/catalog.hpp"

using namespace kinetic;
using namespace kinetic::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Catalog raw;
  raw.tracks.push_back(
      {.name = std::string(text.substr(0, size / 2)), .label = std::string(text.substr(size / 2))});
  (void)catalog_to_json(raw);

  auto parsed = parse_catalog(text);
  if (!parsed) return 0;
  if (!validate_catalog(*parsed)) std::abort();
  for (const auto& t : parsed->tracks) (void)parsed->init_bytes(t);
  auto back = parse_catalog(catalog_to_json(*parsed));
  if (!back || !(*back == *parsed)) std::abort();
  return 0;
}
