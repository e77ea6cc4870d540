// A structural check of untrusted CBOR before libcbor sees it: libcbor allocates what an array,
// map or string header declares, so a few bytes claiming 2^35 elements would exhaust memory.
// This walks the items once without allocating and accepts only definite-length items whose
// declared sizes fit in the bytes that remain, nested at most `max_depth` deep, with nothing
// after the top-level item.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace kinetic::auth {

bool cbor_within_bounds(std::span<const std::uint8_t> bytes, int max_depth = 16);

}  // namespace kinetic::auth
