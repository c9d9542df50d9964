// Neon kernels (simd_kernels.h) for aarch64: baseline Armv8 Advanced SIMD,
// which every aarch64 CPU has, so no extra compiler flags. Same rules as
// the x86 files: internal linkage only, no inline functions of shared
// headers, the scalar code's arithmetic (vdivq_f32 is the IEEE division;
// vcvtnq_s32_f32 rounds to nearest even, as std::nearbyint does in the
// default rounding mode; separate mul and add, -ffp-contract=off).
// Partial blocks go through a padded copy. No non-temporal stores (there
// is no intrinsic for STNP); `stream` is ignored.
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "quant/simd_kernels.h"

namespace nibble::quant {
namespace {

constexpr size_t kBlock = 16;  // elements per iteration: 16 codes = one 128-bit store

// ------------------------------------------------------------- quantize

struct QuantizeConstants {
  float32x4_t scale;
  float32x4_t lo;  // qmin - zero_point
  float32x4_t hi;  // qmax - zero_point
  int32x4_t zero_point;
};

// 4 codes as int32: clamp first (to integer ends: the same result), so the
// conversion stays in range.
int32x4_t codes4(float32x4_t x, const QuantizeConstants& c) {
  float32x4_t v = vdivq_f32(x, c.scale);
  const uint32x4_t ordered = vceqq_f32(v, v);                               // false for NaN
  v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), ordered));  // NaN -> 0 -> the zero point
  v = vminq_f32(vmaxq_f32(v, c.lo), c.hi);
  return vaddq_s32(vcvtnq_s32_f32(v), c.zero_point);
}

// 16 codes (in range) as 16 bytes: narrowing keeps the order.
template <bool kSigned>
uint8x16_t quantize16(const float* in, const QuantizeConstants& c) {
  const int16x8_t low = vcombine_s16(vmovn_s32(codes4(vld1q_f32(in), c)), vmovn_s32(codes4(vld1q_f32(in + 4), c)));
  const int16x8_t high =
      vcombine_s16(vmovn_s32(codes4(vld1q_f32(in + 8), c)), vmovn_s32(codes4(vld1q_f32(in + 12), c)));
  if (kSigned) return vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(low), vmovn_s16(high)));
  return vcombine_u8(vmovn_u16(vreinterpretq_u16_s16(low)), vmovn_u16(vreinterpretq_u16_s16(high)));
}

template <bool kSigned>
void quantize(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const QuantizeConstants c = {vdupq_n_f32(scale), vdupq_n_f32(static_cast<float>(qmin - zero_point)),
                               vdupq_n_f32(static_cast<float>(qmax - zero_point)), vdupq_n_s32(zero_point)};
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) vst1q_u8(out + i, quantize16<kSigned>(in + i, c));
  if (i < n) {
    float x[kBlock] = {};
    uint8_t q[kBlock];
    std::memcpy(x, in + i, (n - i) * sizeof(float));
    vst1q_u8(q, quantize16<kSigned>(x, c));
    std::memcpy(out + i, q, n - i);
  }
}

void quantize_u8(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                 bool /*stream*/) {
  quantize<false>(in, n, out, scale, zero_point, qmin, qmax);
}

void quantize_i8(const float* in, size_t n, int8_t* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                 bool /*stream*/) {
  quantize<true>(in, n, reinterpret_cast<uint8_t*>(out), scale, zero_point, qmin, qmax);
}

// ----------------------------------------------------------- dequantize

template <bool kSigned>
int16x8_t widen(uint8x8_t bytes) {
  return kSigned ? vmovl_s8(vreinterpret_s8_u8(bytes)) : vreinterpretq_s16_u16(vmovl_u8(bytes));
}

float32x4_t dequantize4(int16x4_t q, int32x4_t zero_point, float32x4_t scale) {
  return vmulq_f32(vcvtq_f32_s32(vsubq_s32(vmovl_s16(q), zero_point)), scale);
}

template <bool kSigned, bool kAdd>
void dequantize16(const uint8_t* in, float* out, int32x4_t zero_point, float32x4_t scale) {
  const uint8x16_t bytes = vld1q_u8(in);
  const int16x8_t low = widen<kSigned>(vget_low_u8(bytes));
  const int16x8_t high = widen<kSigned>(vget_high_u8(bytes));
  float32x4_t v[4] = {
      dequantize4(vget_low_s16(low), zero_point, scale), dequantize4(vget_high_s16(low), zero_point, scale),
      dequantize4(vget_low_s16(high), zero_point, scale), dequantize4(vget_high_s16(high), zero_point, scale)};
  for (int k = 0; k < 4; ++k) {
    if (kAdd) v[k] = vaddq_f32(vld1q_f32(out + 4 * k), v[k]);
    vst1q_f32(out + 4 * k, v[k]);
  }
}

template <bool kSigned, bool kAdd>
void dequantize_loop(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point) {
  const int32x4_t zp = vdupq_n_s32(zero_point);
  const float32x4_t s = vdupq_n_f32(scale);
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) dequantize16<kSigned, kAdd>(in + i, out + i, zp, s);
  if (i < n) {
    uint8_t q[kBlock] = {};
    float x[kBlock];
    std::memcpy(q, in + i, n - i);
    if (kAdd) std::memcpy(x, out + i, (n - i) * sizeof(float));
    dequantize16<kSigned, kAdd>(q, x, zp, s);
    std::memcpy(out + i, x, (n - i) * sizeof(float));
  }
}

void dequantize_u8(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add,
                   bool /*stream*/) {
  if (add) {
    dequantize_loop<false, true>(in, n, out, scale, zero_point);
  } else {
    dequantize_loop<false, false>(in, n, out, scale, zero_point);
  }
}

void dequantize_i8(const int8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool /*stream*/) {
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(in);
  if (add) {
    dequantize_loop<true, true>(bytes, n, out, scale, zero_point);
  } else {
    dequantize_loop<true, false>(bytes, n, out, scale, zero_point);
  }
}

// --------------------------------------------------------------- min/max
// vminq/vmaxq propagate NaN, so NaN lanes are replaced by the accumulator
// (vbslq) and counted apart.

MinMax<float> minmax_f32(const float* x, size_t n) {
  float32x4_t lo[2] = {vdupq_n_f32(INFINITY), vdupq_n_f32(INFINITY)};
  float32x4_t hi[2] = {vdupq_n_f32(-INFINITY), vdupq_n_f32(-INFINITY)};
  uint32x4_t nan = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 2; ++k) {
      const float32x4_t v = vld1q_f32(x + i + 4 * k);
      const uint32x4_t ordered = vceqq_f32(v, v);
      nan = vornq_u32(nan, ordered);
      lo[k] = vbslq_f32(ordered, vminq_f32(v, lo[k]), lo[k]);
      hi[k] = vbslq_f32(ordered, vmaxq_f32(v, hi[k]), hi[k]);
    }
  }
  MinMax<float> r{vminvq_f32(vminq_f32(lo[0], lo[1])), vmaxvq_f32(vmaxq_f32(hi[0], hi[1])), vmaxvq_u32(nan) != 0};
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
  float64x2_t lo[2] = {vdupq_n_f64(INFINITY), vdupq_n_f64(INFINITY)};
  float64x2_t hi[2] = {vdupq_n_f64(-INFINITY), vdupq_n_f64(-INFINITY)};
  uint64x2_t nan = vdupq_n_u64(0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 2; ++k) {
      const float64x2_t v = vld1q_f64(x + i + 2 * k);
      const uint64x2_t ordered = vceqq_f64(v, v);
      nan = vorrq_u64(nan, veorq_u64(ordered, vdupq_n_u64(~0ull)));
      lo[k] = vbslq_f64(ordered, vminq_f64(v, lo[k]), lo[k]);
      hi[k] = vbslq_f64(ordered, vmaxq_f64(v, hi[k]), hi[k]);
    }
  }
  MinMax<double> r{vminvq_f64(vminq_f64(lo[0], lo[1])), vmaxvq_f64(vmaxq_f64(hi[0], hi[1])),
                   (vgetq_lane_u64(nan, 0) | vgetq_lane_u64(nan, 1)) != 0};
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

const SimdKernels& neon_kernels() {
  static constexpr SimdKernels kKernels = {"neon",        quantize_u8, quantize_i8, dequantize_u8,
                                           dequantize_i8, minmax_f32,  minmax_f64};
  return kKernels;
}

}  // namespace nibble::quant
