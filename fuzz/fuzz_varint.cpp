// Decoding then re-encoding at the decoded length must give back the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kinetic/wire/varint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = kinetic::wire::decode_varint({data, size});
  if (!r) return 0;
  std::uint8_t out[kinetic::wire::kMaxVarintLength];
  const std::size_t n = kinetic::wire::encode_varint(r->value, out, r->length);
  if (n != r->length || std::memcmp(out, data, n) != 0) std::abort();
  return 0;
}
