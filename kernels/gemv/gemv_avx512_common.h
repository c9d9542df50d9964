// What the AVX-512 GEMV files share (gemv_avx512*.cc): the chunk of x,
// masked loads, horizontal sums, scale decoding. Everything has internal
// linkage, so each file compiled with the AVX-512 flags gets its own copy
// and no inline function is shared with a file compiled without them.
//
// Common structure: rows are processed kRows at a time so that each x
// vector loaded (a memory operand of the FMAs) serves kRows rows; every
// row is computed by exactly the same sequence of operations whatever its
// neighbours, so results do not depend on the row range. The reduction
// axis is cut into chunks of kChunk columns at fixed absolute positions;
// per chunk, x is copied (packed codes: permuted, gemv_avx512.cc) into a
// zero-padded stack buffer, so tails read zeros instead of running past
// x; a row's partial sum is added to y[r] after each chunk.
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

#include <cstring>

#include "codec/ggml_blocks.h"
#include "codec/packed_weights.h"
#include "codec/scale_storage.h"
#include "gemv/gemv_kernels.h"
#include "gemv/gemv_plan.h"

namespace nibble::gemv {
namespace {

using codec::ScaleType;

constexpr int64_t kChunk = 4096;  // columns per chunk: 16 KiB of x on the stack
constexpr int kRows = 4;          // rows per block: 4 x (codes, partial, accumulator) registers

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Lanes summed in a fixed order.
inline float hsum(__m512 v) {
  // (vextractf64x4: AVX-512F; the f32x8 form needs DQ.)
  const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  b = _mm_add_ps(b, _mm_movehl_ps(b, b));
  b = _mm_add_ss(b, _mm_movehdup_ps(b));
  return _mm_cvtss_f32(b);
}

inline void init_outputs(const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = bias != nullptr ? bias[r] : 0.0f;
}

// The row block whose lines a block prefetches (into L2) while it runs:
// the one after next (next_rows_prefetch.h says why).
constexpr int kAhead = 2;

// How many rows of the block [r0 + kAhead R, r0 + (kAhead + 1) R) exist:
// what NextRowsPrefetchL2 fetches.
inline int next_rows(const codec::PackedWeights& w, int64_t r0, int R) {
  const int64_t left = w.layout.rows - (r0 + kAhead * R);
  return static_cast<int>(min64(R, left > 0 ? left : 0));
}

// The low n bits set, n <= 64.
inline __mmask64 first_bytes(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// Bytes [0, n) of p (n <= 64), zeros above; never reads past p + n.
// Masked loads only for tails: loops call this with n >= 64 except at a
// row's end, and a plain load needs no mask register.
inline __m512i load_bytes(const uint8_t* p, int64_t n) {
  return n >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(first_bytes(n), p);
}

// The same for 16 bytes.
inline __m128i load_16_bytes(const uint8_t* p, int64_t n) {
  if (n >= 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm_maskz_loadu_epi8(n <= 0 ? __mmask16{0} : static_cast<__mmask16>((1u << n) - 1u), p);
}

// kN = 8 or 16 scales [index, index + kN) of the scales part as f32, in
// lanes 0 .. kN-1 (those past num_scales, and lanes kN.. are 0; never reads
// past the part). A block of 128 codes spans at most 8 groups, a pair of
// them (or a block of 256 or 512 codes) 16, so kN = 16 serves them with
// one load and one decode.
template <ScaleType kType, int kN>
inline __m512 load_scales(const uint8_t* scales, uint64_t index, uint64_t num_scales, __m512 e8_fraction) {
  const uint64_t left = num_scales - index;
  const bool all = left >= kN;  // plain loads then (see load_bytes)
  const __mmask16 m = all ? static_cast<__mmask16>((1u << kN) - 1u) : static_cast<__mmask16>((1u << left) - 1u);
  if (kType == ScaleType::kF32) {
    const float* p = reinterpret_cast<const float*>(scales) + index;
    if (kN == 16) return all ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
    return _mm512_castps256_ps512(all ? _mm256_loadu_ps(p) : _mm256_maskz_loadu_ps(static_cast<__mmask8>(m), p));
  } else if (kType == ScaleType::kF16) {
    const uint16_t* p = reinterpret_cast<const uint16_t*>(scales) + index;
    if (kN == 16) {
      return _mm512_cvtph_ps(all ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskz_loadu_epi16(m, p));
    }
    const __m128i h = all ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi16(static_cast<__mmask8>(m), p);
    return _mm512_castps256_ps512(_mm256_cvtph_ps(h));
  } else {
    // e8: 2^((c - 128) / 8) = (2^((c % 8) / 8) * 2^-16) * 2^(c / 8): a
    // permute for the fraction, an integer add of (c / 8) << 23 =
    // (c & ~7) << 20 into the exponent (exact).
    const uint8_t* p = scales + index;
    __m128i bytes;
    if (kN == 16) {
      bytes = all ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi8(m, p);
    } else {
      bytes = all ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi8(m, p);
    }
    const __m512i c = _mm512_cvtepu8_epi32(bytes);
    const __m512 fraction = _mm512_permutexvar_ps(c, e8_fraction);
    const __m512i exponent = _mm512_slli_epi32(_mm512_and_si512(c, _mm512_set1_epi32(0xF8)), 20);
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(fraction), exponent));
  }
}

// kN zero points [index, index + kN) (u8) as f32, like load_scales.
template <int kN>
inline __m512 load_zero_points(const uint8_t* zero_points, uint64_t index, uint64_t num_scales) {
  const uint64_t left = num_scales - index;
  const __mmask16 m = left >= kN ? static_cast<__mmask16>((1u << kN) - 1u) : static_cast<__mmask16>((1u << left) - 1u);
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, zero_points + index)));
}

// x in code order, zero-padded to a multiple of 64 columns.
struct PlainChunk {
  int64_t c0 = 0;
  int64_t n = 0;  // columns in the chunk
  alignas(64) float x[kChunk];
};

inline void build_plain_chunk(const float* x, int64_t cols, int64_t c0, int64_t pad_to, PlainChunk* ch) {
  ch->c0 = c0;
  ch->n = min64(kChunk, cols - c0);
  const int64_t padded = (ch->n + pad_to - 1) / pad_to * pad_to;
  std::memcpy(ch->x, x + c0, static_cast<size_t>(ch->n) * sizeof(float));
  for (int64_t i = ch->n; i < padded; ++i) ch->x[i] = 0.0f;
}

}  // namespace

// The kernels of the other AVX-512 files, for the table in gemv_avx512.cc.
namespace avx512 {
void int8_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void half_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void wide_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void q4_0_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void q8_0_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void q4_1_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void q5_0_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
void q5_1_kernel(const Plan&, const codec::PackedWeights&, const float*, const float*, float*, int64_t, int64_t);
}  // namespace avx512

}  // namespace nibble::gemv
