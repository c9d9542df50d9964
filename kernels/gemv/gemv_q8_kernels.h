// The SIMD kernels behind gemv_q8_on() (gemv_q8.h): each level's file
// returns the kernel for a plan, or null where it has none (the weight
// then runs on a lower level or the reference). A kernel computes y[r]
// for r in [row_begin, row_end) completely (bias included).
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_plan.h"

namespace nibble::gemv {

using Q8Kernel = void (*)(const Q8Plan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                          const float* bias, float* y, int64_t row_begin, int64_t row_end);

#if NIBBLE_GEMV_X86_KERNELS
Q8Kernel avx2_q8_kernel(const Q8Plan& plan);        // AVX2, FMA, F16C: vpmaddubsw
Q8Kernel avx512_q8_kernel(const Q8Plan& plan);      // AVX-512 F, BW, VL: vpmaddubsw
Q8Kernel avx512vnni_q8_kernel(const Q8Plan& plan);  // + VNNI, VBMI: vpdpbusd, vpermb
#endif

}  // namespace nibble::gemv
