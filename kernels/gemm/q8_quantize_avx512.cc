// AVX-512 activation quantization (q8_quantize.h), bit-identical to the
// scalar rule: max |x| with NaN lanes ignored (as std::fmax), d = max / 127
// and 1/d in scalar as the rule writes them, x * (1/d) rounded to nearest
// even by vcvtps2dq (MXCSR default; NaN and overflow give INT_MIN, as the
// scalar cast does on x86), clamped to +-127.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "gemm/q8_quantize.h"

namespace nibble::gemm::detail {

void avx512_quantize_q8_blocks(const float* x, int64_t cols, int8_t* q, float* d, int32_t* sums) {
  const __m512i hi = _mm512_set1_epi32(127), lo = _mm512_set1_epi32(-127);
  for (int64_t c0 = 0, b = 0; c0 < cols; c0 += 32, ++b) {
    const int64_t n = cols - c0 < 32 ? cols - c0 : 32;
    const __mmask16 m0 = static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(n >= 32 ? 0xFFFF : n <= 16 ? 0 : (1u << (n - 16)) - 1);
    const __m512 x0 = _mm512_maskz_loadu_ps(m0, x + c0);
    const __m512 x1 = _mm512_maskz_loadu_ps(m1, x + c0 + 16);
    // max(|x|, acc): a NaN |x| yields the second operand (acc), so NaN is
    // ignored like std::fmax; acc starts at 0 as the rule's amax.
    __m512 amax = _mm512_max_ps(_mm512_abs_ps(x0), _mm512_setzero_ps());
    amax = _mm512_max_ps(_mm512_abs_ps(x1), amax);
    const float a = _mm512_reduce_max_ps(amax);
    const float scale = a / 127.0f;
    const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
    const __m512 inv = _mm512_set1_ps(inverse);
    __m512i v0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, inv));
    __m512i v1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, inv));
    v0 = _mm512_max_epi32(_mm512_min_epi32(v0, hi), lo);
    v1 = _mm512_max_epi32(_mm512_min_epi32(v1, hi), lo);
    v0 = _mm512_maskz_mov_epi32(m0, v0);
    v1 = _mm512_maskz_mov_epi32(m1, v1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + c0), _mm512_cvtepi32_epi8(v0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + c0 + 16), _mm512_cvtepi32_epi8(v1));
    d[b] = scale;
    sums[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(v0, v1));
  }
}

}  // namespace nibble::gemm::detail
