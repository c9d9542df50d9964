// Shared by the AVX-512 VNNI rows4 kernels (gemv_q8_rows4.h): include
// only from files compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512vnni.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12.2's AVX-512 headers trip -Wuninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstdint>

#include "codec/scale_storage.h"
#include "gemv/gemv_q8_rows4.h"

namespace nibble::gemv::detail {

constexpr int64_t kChunk = 4096;  // columns per activation tile (on the stack)
constexpr int64_t kUnit = 64;
constexpr int64_t kUnits = kChunk / kUnit;
// Prefetch distance in bytes of the stream (~14 units), into L1. Two
// alternated bench runs over the GPT-2 shapes and 4096x4096 (% of read):
// 512 bytes 51-85%, 1024 57-86%, 2048 60-91%, 3072 60-96%; into L2
// (2048, 4096 bytes ahead) 51-80%; none 46-96% (best on 768-column rows,
// worst on 4096x4096).
constexpr int64_t kPrefetchBytes = 2048;

// The unit's 8 scales as f32: f16 converted, or e8 codes c decoded as
// 2^((c - 128) / 8) = (2^((c % 8) / 8) * 2^-16) * 2^(c / 8): a permute of
// the 8 fractions, then an integer add of (c / 8) << 23 to their exponent,
// bit for bit codec::e8_value(c) (docs/GEMV.md, "e8 in SIMD").
template <bool kE8>
[[gnu::always_inline]] inline __m256 unit_scales(const uint8_t* p, __m256 e8_fraction) {
  if (!kE8) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i c = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m256 fraction = _mm256_permutevar8x32_ps(e8_fraction, c);
  return _mm256_castsi256_ps(
      _mm256_add_epi32(_mm256_castps_si256(fraction), _mm256_slli_epi32(_mm256_srli_epi32(c, 3), 23)));
}

// A unit's activation scales (blocks b0, b0 + 1) in the order of its 8
// (row, block) weight scales: dx = d0, d1 four times; with kSums also
// xs = d * sums in that order (the m and zero-point terms' factor).
template <bool kSums>
[[gnu::always_inline]] inline void store_unit_scales(const Q8Activations& x, int64_t b0, float* dx, float* xs) {
  const float d0 = x.d[b0], d1 = x.d[b0 + 1];
  _mm256_store_ps(dx, _mm256_set_ps(d1, d0, d1, d0, d1, d0, d1, d0));
  if (kSums) {
    const float s0 = d0 * static_cast<float>(x.sums[b0]), s1 = d1 * static_cast<float>(x.sums[b0 + 1]);
    _mm256_store_ps(xs, _mm256_set_ps(s1, s0, s1, s0, s1, s0, s1, s0));
  }
}

// e8 codes 128..135 as f32 times 2^-16, for unit_scales<true>.
inline __m256 e8_fractions() {
  alignas(32) float fractions[8];
  for (int f = 0; f < 8; ++f) fractions[f] = codec::e8_value(static_cast<uint8_t>(128 + f)) * 0x1p-16f;
  return _mm256_load_ps(fractions);
}

// y[r] = bias[r] (or 0), and for an affine per-row weight (kRow with zero
// points) its term -factor * scale * zero * sum_b dx[b] * sums[b], the sum
// in block order so that any row range gives the same bits.
inline void start_rows(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                       int64_t row_begin, int64_t row_end) {
  float dx_sums = 0.0f;
  if (w.kind == Rows4Kind::kRow && w.row_zeros != nullptr) {
    for (int64_t b = 0; b < (w.cols + kQ8Block - 1) / kQ8Block; ++b) dx_sums += x.d[b] * static_cast<float>(x.sums[b]);
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    y[r] = bias != nullptr ? bias[r] : 0.0f;
    if (w.kind == Rows4Kind::kRow && w.row_zeros != nullptr) y[r] -= w.factor * w.row_scales[r] * w.row_zeros[r] * dx_sums;
  }
}

// The 2- and 3-bit kernel (gemv_q8_rows4_narrow_vnni.cc).
void avx512vnni_rows4_narrow(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                             int64_t row_begin, int64_t row_end);

}  // namespace nibble::gemv::detail
