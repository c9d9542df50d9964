// The Neon int8-activation GEMV (gemv_q8.h), AArch64 builds only
// (NIBBLE_GEMV_NEON_KERNELS): gemv_q8_dispatch.cc asks here first.
//
// Weights whose codes are integers times a scale per row or per block of
// 32: ggml Q4_0 and Q8_0, IntCodec 4- and 8-bit symmetric per tensor,
// channel or group (group size a multiple of 32). Two levels: kNeonDot
// (SDOT, Armv8.2 dotprod; gemv_q8_neondot.cc) and kNeon (Armv8.0: widening
// multiplies vmull_s8 and pairwise adds vpadalq_s16; gemv_q8_neon.cc).
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemv {

// The Neon level gemv_q8_neon(isa, w, ...) runs: the highest of kNeonDot,
// kNeon that is <= isa, available, and has a kernel for w; else kScalar
// (no Neon kernel: the caller runs the reference).
Isa q8_neon_level(Isa isa, const codec::PackedWeights& w);

inline bool has_q8_neon_kernel(Isa isa, const codec::PackedWeights& w) {
  return q8_neon_level(isa, w) != Isa::kScalar;
}

// gemv_q8_on() on that level; false (y untouched) if it is kScalar.
bool gemv_q8_neon(Isa isa, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end);

}  // namespace nibble::gemv
