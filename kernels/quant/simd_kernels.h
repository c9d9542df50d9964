// The kernels that have SIMD versions: the bandwidth-bound paths (f32 to
// u8/i8 quantize with nearest rounding, u8/i8 to f32 dequantize, min/max).
// One table per instruction-set level; every table computes exactly what
// the scalar one does (element_math.h), bit for bit. The drivers
// (quantize.cc, dequantize.cc, quant_params.cc) call through the table of
// their context (kernel_dispatch.h); everything else is scalar.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nibble::quant {

template <typename F>
struct MinMax {
  F min;         // +inf for no elements
  F max;         // -inf for no elements
  bool has_nan;  // min and max ignore NaNs
};

struct SimdKernels {
  const char* name;  // "scalar", "avx2", "avx512", "neon"

  // out[i] = clamp(round_nearest_even(in[i] / scale) + zero_point, qmin, qmax),
  // NaN -> zero_point. [qmin, qmax] contains zero_point and lies within the
  // output type's range (narrower for 2- and 4-bit codes, which are packed
  // afterwards). stream: write with non-temporal stores (a large output
  // that will not be read again soon; saves reading the lines first).
  void (*quantize_f32_u8)(const float* in, size_t n, uint8_t* out, float scale, int32_t zero_point, int32_t qmin,
                          int32_t qmax, bool stream);
  void (*quantize_f32_i8)(const float* in, size_t n, int8_t* out, float scale, int32_t zero_point, int32_t qmin,
                          int32_t qmax, bool stream);

  // out[i] = float(in[i] - zero_point) * scale, or out[i] += that (add).
  // stream is ignored with add (the lines are read anyway).
  void (*dequantize_u8_f32)(const uint8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add,
                            bool stream);
  void (*dequantize_i8_f32)(const int8_t* in, size_t n, float* out, float scale, int32_t zero_point, bool add,
                            bool stream);

  MinMax<float> (*minmax_f32)(const float* x, size_t n);
  MinMax<double> (*minmax_f64)(const double* x, size_t n);
};

const SimdKernels& scalar_kernels();
#if NIBBLE_QUANT_X86_KERNELS
const SimdKernels& avx2_kernels();    // needs AVX2 (and FMA3, which x86 AVX2 parts all have)
const SimdKernels& avx512_kernels();  // needs AVX-512 F, BW and VL
#endif
#if NIBBLE_QUANT_NEON_KERNELS
const SimdKernels& neon_kernels();  // Armv8 Advanced SIMD (every aarch64 CPU)
#endif

}  // namespace nibble::quant
