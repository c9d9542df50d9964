// Batch-1 matrix-vector product on encoded weights, decoding the codes
// inside the kernel (no decoded copy of a row is ever written out):
//
//   y[r] = bias[r] + sum_k W[r, k] * x[k]    for r in [row_begin, row_end)
//
// W is rows x cols (rows = output channels N, cols = reduction K), any
// codec::PackedWeights; y and bias are indexed by absolute row (both hold
// `rows` floats; bias may be null). The row range lets callers split the
// rows between threads: a row's result never depends on the range it was
// computed in (every kernel computes each row with the same sequence of
// operations, whatever rows it shares a block with).
//
// Levels: a scalar reference built on codec::decode_range (the truth, and
// what every other level is tested against) and, on x86-64, AVX2+FMA and
// AVX-512 kernels, on AArch64 Neon ones (both Neon levels), for the
// formats that matter for speed (gemv_plan.h).
// Formats without a SIMD kernel run the scalar reference on every level.
// The level is nibble::default_isa() (cpu/isa.h: the best one, lowered by
// the environment variable NIBBLE_ISA); gemv_on() runs a lower one.
//
// Stack: the SIMD kernels keep a chunk of x (4096 floats) and a few KiB of
// tables on the stack, ~24 KiB in all (Neon ~17 KiB); the reference 1 KiB.
//
// Accuracy: the SIMD kernels sum in another order than the reference (in
// lanes, with FMA, scales applied per group), so they agree with it to
// about cols * FLT_EPSILON * sum_k |W[r,k] x[k]|, not bit for bit.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"

namespace nibble::gemv {

using nibble::Isa;

// On the process's level, default_isa().
void gemv(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
          int64_t row_end);

// The same on the highest level with a GEMV kernel that is <= `isa` (a
// session's option, tests, benchmarks): false (y untouched) if this build
// or this CPU lacks `isa`.
bool gemv_on(Isa isa, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
             int64_t row_begin, int64_t row_end);

// The level names and availability are cpu/isa.h's.
using nibble::default_isa;
using nibble::isa_available;
using nibble::isa_name;
using nibble::parse_isa;

// Whether some SIMD level has a kernel of its own for this weight (if
// not, every level runs the scalar reference). The shapes added after the
// first ones (gemv_plan.h: kCodes, kWide, kQ4_1, kQ5_*) have AVX-512
// kernels only; AVX2 runs the reference for them (kHalf has both).
bool has_simd_kernel(const codec::PackedWeights& w);

}  // namespace nibble::gemv
