// AVX2 kernels (simd_kernels.h). This file alone is compiled with -mavx2
// -mfma, and its table is used only on CPUs that have AVX2
// (kernel_dispatch.cc). Everything here has internal linkage and no inline
// function of a shared header is used: a copy compiled with AVX2 could be
// the one the linker keeps for scalar callers too.
//
// Exactness: _mm256_div_ps is the IEEE division of the scalar code;
// _mm256_cvtps_epi32 rounds to nearest even under the default MXCSR, as
// std::nearbyint does under the default rounding mode; mul and add are
// separate instructions (the quant sources are built with
// -ffp-contract=off, so no FMA is formed from them).
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "quant/simd_kernels.h"

namespace nibble::quant {
namespace {

constexpr size_t kBlock = 32;  // elements per iteration: 32 codes = one 32-byte store

size_t smaller(size_t a, size_t b) { return a < b ? a : b; }

// Elements to process one by one until `p` is `alignment`-byte aligned.
size_t elements_to_alignment(const void* p, size_t element_size, size_t alignment) {
  const size_t misalignment = reinterpret_cast<uintptr_t>(p) % alignment;
  return misalignment == 0 ? 0 : (alignment - misalignment) / element_size;
}

// ------------------------------------------------------------- quantize

struct QuantizeConstants {
  __m256 scale;
  __m256 lo;  // qmin - zero_point
  __m256 hi;  // qmax - zero_point
  __m256i zero_point;
};

QuantizeConstants quantize_constants(float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  return {_mm256_set1_ps(scale), _mm256_set1_ps(static_cast<float>(qmin - zero_point)),
          _mm256_set1_ps(static_cast<float>(qmax - zero_point)), _mm256_set1_epi32(zero_point)};
}

// 8 codes as int32. Clamping before rounding (to integer ends) equals
// clamping after, and keeps cvtps in range (it returns INT_MIN beyond it).
__m256i codes8(__m256 x, const QuantizeConstants& c) {
  __m256 v = _mm256_div_ps(x, c.scale);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0 -> the zero point
  v = _mm256_min_ps(_mm256_max_ps(v, c.lo), c.hi);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), c.zero_point);
}

// 32 int32 codes (in range) -> 32 bytes in order. The packs work within
// 128-bit lanes; the permute puts the 4-byte groups back in order.
template <bool kSigned>
__m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = kSigned ? _mm256_packs_epi16(ab, cd) : _mm256_packus_epi16(ab, cd);
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

template <bool kSigned>
__m256i quantize32(const float* in, const QuantizeConstants& c) {
  return pack32<kSigned>(codes8(_mm256_loadu_ps(in), c), codes8(_mm256_loadu_ps(in + 8), c),
                         codes8(_mm256_loadu_ps(in + 16), c), codes8(_mm256_loadu_ps(in + 24), c));
}

// Fewer than 32 elements, through a padded copy: the same arithmetic as a
// full block.
template <bool kSigned>
void quantize_partial(const float* in, size_t n, uint8_t* out, const QuantizeConstants& c) {
  alignas(32) float x[kBlock] = {};
  alignas(32) uint8_t q[kBlock];
  std::memcpy(x, in, n * sizeof(float));
  _mm256_store_si256(reinterpret_cast<__m256i*>(q), quantize32<kSigned>(x, c));
  std::memcpy(out, q, n);
}

template <bool kSigned>
void quantize(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
              bool stream) {
  const QuantizeConstants c = quantize_constants(scale, zero_point, qmin, qmax);
  size_t i = 0;
  if (stream) {
    // Non-temporal stores need 32-byte alignment: the head goes first.
    i = smaller(n, elements_to_alignment(out, 1, 32));
    if (i > 0) quantize_partial<kSigned>(in, i, out, c);
    for (; i + kBlock <= n; i += kBlock) {
      _mm256_stream_si256(reinterpret_cast<__m256i*>(out + i), quantize32<kSigned>(in + i, c));
    }
  } else {
    for (; i + kBlock <= n; i += kBlock) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), quantize32<kSigned>(in + i, c));
    }
  }
  if (i < n) quantize_partial<kSigned>(in + i, n - i, out + i, c);
  if (stream) _mm_sfence();  // order the streamed lines before the caller (or another thread) reads them
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
  __m256 scale;
  __m256i zero_point;
};

template <bool kSigned>
__m256 dequantize8(const uint8_t* in, const DequantizeConstants& c) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  const __m256i q = kSigned ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, c.zero_point)), c.scale);
}

template <bool kSigned, bool kAdd, bool kStream>
void dequantize32(const uint8_t* in, float* out, const DequantizeConstants& c) {
  for (int k = 0; k < 4; ++k) {
    __m256 v = dequantize8<kSigned>(in + 8 * k, c);
    if (kAdd) v = _mm256_add_ps(_mm256_loadu_ps(out + 8 * k), v);
    if (kStream) {
      _mm256_stream_ps(out + 8 * k, v);
    } else {
      _mm256_storeu_ps(out + 8 * k, v);
    }
  }
}

template <bool kSigned, bool kAdd>
void dequantize_partial(const uint8_t* in, size_t n, float* out, const DequantizeConstants& c) {
  alignas(32) uint8_t q[kBlock] = {};
  alignas(32) float x[kBlock];
  std::memcpy(q, in, n);
  if (kAdd) std::memcpy(x, out, n * sizeof(float));
  dequantize32<kSigned, kAdd, false>(q, x, c);
  std::memcpy(out, x, n * sizeof(float));
}

template <bool kSigned, bool kAdd>
void dequantize_loop(const uint8_t* in, size_t n, float* out, const DequantizeConstants& c, bool stream) {
  size_t i = 0;
  if (stream) {
    i = smaller(n, elements_to_alignment(out, sizeof(float), 32));
    if (i > 0) dequantize_partial<kSigned, kAdd>(in, i, out, c);
    for (; i + kBlock <= n; i += kBlock) dequantize32<kSigned, kAdd, true>(in + i, out + i, c);
  } else {
    for (; i + kBlock <= n; i += kBlock) dequantize32<kSigned, kAdd, false>(in + i, out + i, c);
  }
  if (i < n) dequantize_partial<kSigned, kAdd>(in + i, n - i, out + i, c);
  if (stream) _mm_sfence();
}

template <bool kSigned>
void dequantize(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool stream) {
  const DequantizeConstants c = {_mm256_set1_ps(scale), _mm256_set1_epi32(zero_point)};
  // Streaming needs float alignment to reach 32-byte boundaries; with add
  // the lines are read anyway, so plain stores cost nothing extra.
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
// Four independent accumulator pairs hide the latency of min/max. With the
// accumulator as the second operand, a NaN element leaves it unchanged
// (min/max return the second operand when either is NaN); NaNs are
// counted separately.

MinMax<float> minmax_f32(const float* x, size_t n) {
  __m256 lo[4], hi[4];
  __m256 nan = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) {
    lo[k] = _mm256_set1_ps(INFINITY);
    hi[k] = _mm256_set1_ps(-INFINITY);
  }
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_loadu_ps(x + i + 8 * k);
      lo[k] = _mm256_min_ps(v, lo[k]);
      hi[k] = _mm256_max_ps(v, hi[k]);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
  }
  alignas(32) float lows[8], highs[8];
  _mm256_store_ps(lows, _mm256_min_ps(_mm256_min_ps(lo[0], lo[1]), _mm256_min_ps(lo[2], lo[3])));
  _mm256_store_ps(highs, _mm256_max_ps(_mm256_max_ps(hi[0], hi[1]), _mm256_max_ps(hi[2], hi[3])));
  MinMax<float> r{INFINITY, -INFINITY, _mm256_movemask_ps(nan) != 0};
  for (int k = 0; k < 8; ++k) {
    r.min = lows[k] < r.min ? lows[k] : r.min;
    r.max = highs[k] > r.max ? highs[k] : r.max;
  }
  for (; i < n; ++i) {
    const float v = x[i];
    if (v != v) {
      r.has_nan = true;
    } else {
      r.min = v < r.min ? v : r.min;
      r.max = v > r.max ? v : r.max;
    }
  }
  return r;
}

MinMax<double> minmax_f64(const double* x, size_t n) {
  __m256d lo[4], hi[4];
  __m256d nan = _mm256_setzero_pd();
  for (int k = 0; k < 4; ++k) {
    lo[k] = _mm256_set1_pd(INFINITY);
    hi[k] = _mm256_set1_pd(-INFINITY);
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int k = 0; k < 4; ++k) {
      const __m256d v = _mm256_loadu_pd(x + i + 4 * k);
      lo[k] = _mm256_min_pd(v, lo[k]);
      hi[k] = _mm256_max_pd(v, hi[k]);
      nan = _mm256_or_pd(nan, _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
    }
  }
  alignas(32) double lows[4], highs[4];
  _mm256_store_pd(lows, _mm256_min_pd(_mm256_min_pd(lo[0], lo[1]), _mm256_min_pd(lo[2], lo[3])));
  _mm256_store_pd(highs, _mm256_max_pd(_mm256_max_pd(hi[0], hi[1]), _mm256_max_pd(hi[2], hi[3])));
  MinMax<double> r{INFINITY, -INFINITY, _mm256_movemask_pd(nan) != 0};
  for (int k = 0; k < 4; ++k) {
    r.min = lows[k] < r.min ? lows[k] : r.min;
    r.max = highs[k] > r.max ? highs[k] : r.max;
  }
  for (; i < n; ++i) {
    const double v = x[i];
    if (v != v) {
      r.has_nan = true;
    } else {
      r.min = v < r.min ? v : r.min;
      r.max = v > r.max ? v : r.max;
    }
  }
  return r;
}

}  // namespace

const SimdKernels& avx2_kernels() {
  static constexpr SimdKernels kKernels = {"avx2",        quantize_u8, quantize_i8, dequantize_u8,
                                           dequantize_i8, minmax_f32,  minmax_f64};
  return kKernels;
}

}  // namespace nibble::quant
