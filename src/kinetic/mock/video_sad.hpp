// Sum of absolute differences, the matching cost of the motion search. SSE2's psadbw
// computes exactly the same integer sum as the scalar loop, 16 pixels at a time.
#pragma once

#include <cstddef>
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

// SAD of `rows` rows of 16 pixels (strides `sa`, `sb`), giving up once the sum exceeds
// `limit` (checked every four rows; the value returned is then a partial sum > limit).
inline std::uint32_t sad_16xn(const std::uint8_t* a, std::size_t sa, const std::uint8_t* b, std::size_t sb, int rows,
                              std::uint32_t limit) noexcept {
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (int j = 0; j < rows; ++j) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + static_cast<std::size_t>(j) * sa));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + static_cast<std::size_t>(j) * sb));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
    if ((j & 3) == 3) {
      const auto sum = static_cast<std::uint32_t>(_mm_cvtsi128_si32(acc)) +
                       static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(acc, acc)));
      if (sum > limit) return sum;
    }
  }
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(acc)) +
         static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(acc, acc)));
#else
  std::uint32_t sum = 0;
  for (int j = 0; j < rows; ++j) {
    sum += row_sad(a + static_cast<std::size_t>(j) * sa, b + static_cast<std::size_t>(j) * sb, 16);
    if (sum > limit) return sum;
  }
  return sum;
#endif
}

}  // namespace kinetic::mock::video
