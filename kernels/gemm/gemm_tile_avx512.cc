// The AVX-512 microkernel (gemm_internal.h): mr <= 8 rows x 32 outputs of
// f32 accumulators (16 zmm), per k two panel loads and one broadcast per
// row feeding two FMAs. Rows are given as pointers (GEMM: a + i*lda; Conv2d:
// a pixel's input at a tap, or a zero row), as in XNNPACK's igemm. Every
// output is one FMA chain in k order, whatever mr, nb or its neighbours:
// results do not depend on how callers split rows or outputs.
// GCC 12 reports the intrinsics' internal undefined placeholders (__Y) as
// uninitialized (a false positive); nothing here reads uninitialized data.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "gemm/gemm_internal.h"

namespace nibble::gemm::detail {
namespace {

// kTwo: both 16-output halves; else only the first (nb <= 16: no FMAs on
// masked-off lanes, and room for more rows).
template <int MR, bool kTwo>
void tile(const float* const* a, int64_t kc, const float* panel, float* c, int64_t ldc, bool first, bool last,
          const float* bias, int64_t nb, float lo, float hi) {
  const __mmask16 m0 = static_cast<__mmask16>(nb >= 16 ? 0xFFFF : (1u << nb) - 1);
  const __mmask16 m1 = static_cast<__mmask16>(nb >= 32 ? 0xFFFF : nb <= 16 ? 0 : (1u << (nb - 16)) - 1);
  __m512 acc0[MR], acc1[MR];
  if (first) {
    const __m512 b0 = bias != nullptr ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 b1 = bias != nullptr ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < MR; ++r) {
      acc0[r] = b0;
      if (kTwo) acc1[r] = b1;
    }
  } else {
    for (int r = 0; r < MR; ++r) {
      acc0[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
      if (kTwo) acc1[r] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
    }
  }
  const float* ar[MR];
  for (int r = 0; r < MR; ++r) ar[r] = a[r];
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 w0 = _mm512_load_ps(panel + k * kNr);
    const __m512 w1 = kTwo ? _mm512_load_ps(panel + k * kNr + 16) : w0;
    for (int r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(ar[r][k]);
      acc0[r] = _mm512_fmadd_ps(x, w0, acc0[r]);
      if (kTwo) acc1[r] = _mm512_fmadd_ps(x, w1, acc1[r]);
    }
  }
  if (last) {
    // max(lo, v) then min(hi, v): a NaN v is the second operand, so it
    // passes through like the reference's comparisons.
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int r = 0; r < MR; ++r) {
      acc0[r] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc0[r]));
      if (kTwo) acc1[r] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc1[r]));
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
    if (kTwo) _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
  }
}

}  // namespace

void avx512_tile(int mr, const float* const* a, int64_t kc, const float* panel, float* c, int64_t ldc, bool first,
                 bool last, const float* bias, int64_t nb, float lo, float hi) {
  if (nb <= 16) {
    switch (mr) {
#define NIBBLE_TILE_CASE(R) \
  case R: tile<R, false>(a, kc, panel, c, ldc, first, last, bias, nb, lo, hi); return;
      NIBBLE_TILE_CASE(1) NIBBLE_TILE_CASE(2) NIBBLE_TILE_CASE(3) NIBBLE_TILE_CASE(4)
      NIBBLE_TILE_CASE(5) NIBBLE_TILE_CASE(6) NIBBLE_TILE_CASE(7)
#undef NIBBLE_TILE_CASE
      default: tile<8, false>(a, kc, panel, c, ldc, first, last, bias, nb, lo, hi); return;
    }
  }
  switch (mr) {
#define NIBBLE_TILE_CASE(R) \
  case R: tile<R, true>(a, kc, panel, c, ldc, first, last, bias, nb, lo, hi); return;
    NIBBLE_TILE_CASE(1) NIBBLE_TILE_CASE(2) NIBBLE_TILE_CASE(3) NIBBLE_TILE_CASE(4)
    NIBBLE_TILE_CASE(5) NIBBLE_TILE_CASE(6) NIBBLE_TILE_CASE(7)
#undef NIBBLE_TILE_CASE
    default: tile<8, true>(a, kc, panel, c, ldc, first, last, bias, nb, lo, hi); return;
  }
}

}  // namespace nibble::gemm::detail
