// Sum of absolute differences, the matching cost of the motion search. SSE2's psadbw
// computes exactly the same integer sum as the scalar loop, 16 pixels at a time.
#pragma once

#include <cstdint>
#include <cstdlib>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kinetic::mock::video {

inline std::uint32_t row_sad(const std::uint8_t* a, const std::uint8_t* b, int n) noexcept {
  std::uint32_t sum = 0;
  int i = 0;
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
  }
  sum += static_cast<std::uint32_t>(_mm_cvtsi128_si32(acc)) +
         static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(acc, acc)));
#endif
  for (; i < n; ++i) sum += static_cast<std::uint32_t>(std::abs(static_cast<int>(a[i]) - static_cast<int>(b[i])));
  return sum;
}

}  // namespace kinetic::mock::video
