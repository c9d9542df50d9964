// AVX-512 kernels (simd_kernels.h). This file alone is compiled with
// -mavx512f -mavx512bw -mavx512vl, and its table is used only on CPUs that
// have all three (kernel_dispatch.cc). Same rules as the AVX2 file:
// internal linkage only, no inline functions of shared headers, and the
// arithmetic of the scalar code (IEEE division, vcvtps2dq rounding to
// nearest even under the default MXCSR, separate mul and add).
// Partial blocks use masked loads and stores instead of copies.
// GCC 12.2's AVX-512 intrinsics pass _mm512_undefined_*() temporaries
// that -Wuninitialized then reports inside the header (GCC bug 105593,
// fixed in 12.3); the warning belongs to the header, not to this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cmath>

#include "quant/simd_kernels.h"

namespace nibble::quant {
namespace {

constexpr size_t kBlock = 64;  // elements per iteration: 64 codes = one cache line

size_t smaller(size_t a, size_t b) { return a < b ? a : b; }

// Lane reductions by hand, which is all _mm512_reduce_min/max_* do.
float lane_min(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float r = lanes[0];
  for (int k = 1; k < 16; ++k) r = lanes[k] < r ? lanes[k] : r;
  return r;
}

float lane_max(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float r = lanes[0];
  for (int k = 1; k < 16; ++k) r = lanes[k] > r ? lanes[k] : r;
  return r;
}

double lane_min(__m512d v) {
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, v);
  double r = lanes[0];
  for (int k = 1; k < 8; ++k) r = lanes[k] < r ? lanes[k] : r;
  return r;
}

double lane_max(__m512d v) {
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, v);
  double r = lanes[0];
  for (int k = 1; k < 8; ++k) r = lanes[k] > r ? lanes[k] : r;
  return r;
}

size_t elements_to_alignment(const void* p, size_t element_size, size_t alignment) {
  const size_t misalignment = reinterpret_cast<uintptr_t>(p) % alignment;
  return misalignment == 0 ? 0 : (alignment - misalignment) / element_size;
}

// The low n bits set (n <= 16).
__mmask16 first_lanes(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// ------------------------------------------------------------- quantize

struct QuantizeConstants {
  __m512 scale;
  __m512 lo;  // qmin - zero_point
  __m512 hi;  // qmax - zero_point
  __m512i zero_point;
};

QuantizeConstants quantize_constants(float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  return {_mm512_set1_ps(scale), _mm512_set1_ps(static_cast<float>(qmin - zero_point)),
          _mm512_set1_ps(static_cast<float>(qmax - zero_point)), _mm512_set1_epi32(zero_point)};
}

// 16 codes as int32; see the AVX2 file for why the clamp comes first.
__m512i codes16(__m512 x, const QuantizeConstants& c) {
  __m512 v = _mm512_div_ps(x, c.scale);
  const __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  v = _mm512_maskz_mov_ps(ordered, v);  // NaN -> 0 -> the zero point
  v = _mm512_min_ps(_mm512_max_ps(v, c.lo), c.hi);
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), c.zero_point);
}

// 64 int32 codes (in range) -> 64 bytes in order. The packs interleave
// 4-code groups of a..d within each 128-bit lane; the permute restores
// the order.
template <bool kSigned>
__m512i pack64(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_packs_epi32(a, b);
  const __m512i cd = _mm512_packs_epi32(c, d);
  const __m512i bytes = kSigned ? _mm512_packs_epi16(ab, cd) : _mm512_packus_epi16(ab, cd);
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(order, bytes);
}

template <bool kSigned>
__m512i quantize64(const float* in, const QuantizeConstants& c) {
  return pack64<kSigned>(codes16(_mm512_loadu_ps(in), c), codes16(_mm512_loadu_ps(in + 16), c),
                         codes16(_mm512_loadu_ps(in + 32), c), codes16(_mm512_loadu_ps(in + 48), c));
}

// Fewer than 64 elements, 16 at a time with masks. Codes are in range, so
// the truncating vpmovdb stores them exactly for both signs.
void quantize_partial(const float* in, size_t n, uint8_t* out, const QuantizeConstants& c) {
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 lanes = first_lanes(smaller(16, n - i));
    const __m512i codes = codes16(_mm512_maskz_loadu_ps(lanes, in + i), c);
    _mm512_mask_cvtepi32_storeu_epi8(out + i, lanes, codes);
  }
}

template <bool kSigned>
void quantize(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
              bool stream) {
  const QuantizeConstants c = quantize_constants(scale, zero_point, qmin, qmax);
  size_t i = 0;
  if (stream) {
    i = smaller(n, elements_to_alignment(out, 1, 64));
    if (i > 0) quantize_partial(in, i, out, c);
    for (; i + kBlock <= n; i += kBlock) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(out + i), quantize64<kSigned>(in + i, c));
    }
  } else {
    for (; i + kBlock <= n; i += kBlock) {
      _mm512_storeu_si512(out + i, quantize64<kSigned>(in + i, c));
    }
  }
  if (i < n) quantize_partial(in + i, n - i, out + i, c);
  if (stream) _mm_sfence();
}

void quantize_u8(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                 bool stream) {
  quantize<false>(in, n, out, scale, zero_point, qmin, qmax, stream);
}

void quantize_i8(const float* in, size_t n, int8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                 bool stream) {
  quantize<true>(in, n, reinterpret_cast<uint8_t*>(out), scale, zero_point, qmin, qmax, stream);
}

// ----------------------------------------------------------- dequantize

struct DequantizeConstants {
  __m512 scale;
  __m512i zero_point;
};

template <bool kSigned>
__m512 dequantize16(__m128i bytes, const DequantizeConstants& c) {
  const __m512i q = kSigned ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, c.zero_point)), c.scale);
}

template <bool kSigned, bool kAdd, bool kStream>
void dequantize64(const uint8_t* in, float* out, const DequantizeConstants& c) {
  for (int k = 0; k < 4; ++k) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * k));
    __m512 v = dequantize16<kSigned>(bytes, c);
    if (kAdd) v = _mm512_add_ps(_mm512_loadu_ps(out + 16 * k), v);
    if (kStream) {
      _mm512_stream_ps(out + 16 * k, v);
    } else {
      _mm512_storeu_ps(out + 16 * k, v);
    }
  }
}

template <bool kSigned, bool kAdd>
void dequantize_partial(const uint8_t* in, size_t n, float* out, const DequantizeConstants& c) {
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 lanes = first_lanes(smaller(16, n - i));
    __m512 v = dequantize16<kSigned>(_mm_maskz_loadu_epi8(lanes, in + i), c);
    if (kAdd) v = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, out + i), v);
    _mm512_mask_storeu_ps(out + i, lanes, v);
  }
}

template <bool kSigned, bool kAdd>
void dequantize_loop(const uint8_t* in, size_t n, float* out, const DequantizeConstants& c, bool stream) {
  size_t i = 0;
  if (stream) {
    i = smaller(n, elements_to_alignment(out, sizeof(float), 64));
    if (i > 0) dequantize_partial<kSigned, kAdd>(in, i, out, c);
    for (; i + kBlock <= n; i += kBlock) dequantize64<kSigned, kAdd, true>(in + i, out + i, c);
  } else {
    for (; i + kBlock <= n; i += kBlock) dequantize64<kSigned, kAdd, false>(in + i, out + i, c);
  }
  if (i < n) dequantize_partial<kSigned, kAdd>(in + i, n - i, out + i, c);
  if (stream) _mm_sfence();
}

template <bool kSigned>
void dequantize(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool stream) {
  const DequantizeConstants c = {_mm512_set1_ps(scale), _mm512_set1_epi32(zero_point)};
  stream = stream && !add && reinterpret_cast<uintptr_t>(out) % sizeof(float) == 0;
  if (add) {
    dequantize_loop<kSigned, true>(in, n, out, c, false);
  } else {
    dequantize_loop<kSigned, false>(in, n, out, c, stream);
  }
}

void dequantize_u8(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool stream) {
  dequantize<false>(in, n, out, scale, zero_point, add, stream);
}

void dequantize_i8(const int8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool stream) {
  dequantize<true>(reinterpret_cast<const uint8_t*>(in), n, out, scale, zero_point, add, stream);
}

// --------------------------------------------------------------- min/max
// As in the AVX2 file: independent accumulators, NaNs counted apart (the
// accumulator is the second operand, which min/max return for a NaN).
// The tail is masked: lanes outside it keep the accumulator.

MinMax<float> minmax_f32(const float* x, size_t n) {
  __m512 lo[4], hi[4];
  for (int k = 0; k < 4; ++k) {
    lo[k] = _mm512_set1_ps(INFINITY);
    hi[k] = _mm512_set1_ps(-INFINITY);
  }
  __mmask16 nan = 0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (int k = 0; k < 4; ++k) {
      const __m512 v = _mm512_loadu_ps(x + i + 16 * k);
      lo[k] = _mm512_min_ps(v, lo[k]);
      hi[k] = _mm512_max_ps(v, hi[k]);
      nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    }
  }
  for (; i < n; i += 16) {
    const __mmask16 lanes = first_lanes(smaller(16, n - i));
    const __m512 v = _mm512_maskz_loadu_ps(lanes, x + i);
    lo[0] = _mm512_mask_min_ps(lo[0], lanes, v, lo[0]);
    hi[0] = _mm512_mask_max_ps(hi[0], lanes, v, hi[0]);
    nan |= _mm512_mask_cmp_ps_mask(lanes, v, v, _CMP_UNORD_Q);
  }
  const __m512 low = _mm512_min_ps(_mm512_min_ps(lo[0], lo[1]), _mm512_min_ps(lo[2], lo[3]));
  const __m512 high = _mm512_max_ps(_mm512_max_ps(hi[0], hi[1]), _mm512_max_ps(hi[2], hi[3]));
  return {lane_min(low), lane_max(high), nan != 0};
}

MinMax<double> minmax_f64(const double* x, size_t n) {
  __m512d lo[4], hi[4];
  for (int k = 0; k < 4; ++k) {
    lo[k] = _mm512_set1_pd(INFINITY);
    hi[k] = _mm512_set1_pd(-INFINITY);
  }
  __mmask8 nan = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      const __m512d v = _mm512_loadu_pd(x + i + 8 * k);
      lo[k] = _mm512_min_pd(v, lo[k]);
      hi[k] = _mm512_max_pd(v, hi[k]);
      nan |= _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q);
    }
  }
  for (; i < n; i += 8) {
    const __mmask8 lanes = static_cast<__mmask8>((1u << smaller(8, n - i)) - 1u);
    const __m512d v = _mm512_maskz_loadu_pd(lanes, x + i);
    lo[0] = _mm512_mask_min_pd(lo[0], lanes, v, lo[0]);
    hi[0] = _mm512_mask_max_pd(hi[0], lanes, v, hi[0]);
    nan |= _mm512_mask_cmp_pd_mask(lanes, v, v, _CMP_UNORD_Q);
  }
  const __m512d low = _mm512_min_pd(_mm512_min_pd(lo[0], lo[1]), _mm512_min_pd(lo[2], lo[3]));
  const __m512d high = _mm512_max_pd(_mm512_max_pd(hi[0], hi[1]), _mm512_max_pd(hi[2], hi[3]));
  return {lane_min(low), lane_max(high), nan != 0};
}

}  // namespace

const SimdKernels& avx512_kernels() {
  static constexpr SimdKernels kKernels = {"avx512",      quantize_u8, quantize_i8, dequantize_u8,
                                           dequantize_i8, minmax_f32,  minmax_f64};
  return kKernels;
}

}  // namespace nibble::quant
