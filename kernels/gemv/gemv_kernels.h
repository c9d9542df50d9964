// The kernels behind gemv() (gemv.h), one table per instruction-set level.
// A SIMD table has one entry per kernel shape of gemv_plan.h; each entry
// computes y[r] for r in [row_begin, row_end) completely (bias included).
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "gemv/gemv_plan.h"

namespace nibble::gemv {

using ShapeKernel = void (*)(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias,
                             float* y, int64_t row_begin, int64_t row_end);

struct SimdGemv {
  const char* name;
  ShapeKernel code4;
  ShapeKernel int8;
  ShapeKernel q4_0;
  ShapeKernel q8_0;
  // Null: the reference.
  ShapeKernel codes;
  ShapeKernel q4_1;
  ShapeKernel q5_0;
  ShapeKernel q5_1;
  ShapeKernel half;
  ShapeKernel wide;
};

// The scalar reference (gemv_reference.cc): every format.
void gemv_reference(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
                    int64_t row_end);

#if NIBBLE_GEMV_X86_KERNELS
const SimdGemv& avx2_gemv();    // AVX2, FMA3, F16C
const SimdGemv& avx512_gemv();  // AVX-512 F, BW, VL
#endif
#if NIBBLE_GEMV_NEON_KERNELS
const SimdGemv& neon_gemv();  // Armv8.0 Advanced SIMD: kNeon and kNeonDot
#endif

// What gemv_on(isa, w, ...) runs: the name of the SIMD table whose kernel
// it calls ("avx2", "neon", ...), or "reference"; null if this build or
// CPU lacks `isa`. Lets tests check that a level really runs its kernels.
const char* kernel_name_on(Isa isa, const codec::PackedWeights& w);

}  // namespace nibble::gemv
