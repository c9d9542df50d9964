// Quantizing activations for the int8 paths (GEMM rows, Conv2d pixel
// slices) by gemv_q8.h's rule, per block of 32: d = max |x| / 127,
// q = round-to-nearest-even(x * (1/d)) clamped to +-127 (0 where d = 0),
// sums = sum q. Bit-identical to gemv::quantize_activations on every level
// (tested); AVX-512 does it in vectors (the int8 paths quantize every
// call, so the scalar loop was a large share of a small layer's time).
#pragma once

#include <cstdint>

#include "cpu/isa.h"

namespace nibble::gemm {

// q[0 .. 32 * blocks) (zeros past cols), d[blocks], sums[blocks];
// blocks = ceil(cols / 32).
void quantize_q8_blocks(Isa isa, const float* x, int64_t cols, int8_t* q, float* d, int32_t* sums);

namespace detail {
#if NIBBLE_GEMM_X86_KERNELS
void avx512_quantize_q8_blocks(const float* x, int64_t cols, int8_t* q, float* d, int32_t* sums);
#endif
}  // namespace detail

}  // namespace nibble::gemm
