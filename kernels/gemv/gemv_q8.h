// Batch-1 GEMV with int8 activations (the "int8-activation path"):
//
//   x is quantized once per call, per block of kQ8Block = 32 columns, the
//   way ggml quantizes activations for its q8_0 dot products:
//     d[b] = max_{k in b} |x[k]| / 127,  q[k] = round_to_nearest_even(x[k] / d[b])
//     (q = 0 where d = 0), and sums[b] = sum_{k in b} q[k];
//   then y[r] = bias[r] + sum_b d[b] * sum_{k in b} W[r, k] * q[k].
//
// SIMD kernels compute the inner sums with integer dot products (AVX-512
// VNNI vpdpbusd, AVX2 vpmaddubsw, Neon sdot) where the weight's codes are
// integers times a scale (ggml blocks, ints), or decode through a table.
// The activation rounding costs accuracy: report it (docs/GEMV.md) and let
// the session choose (SessionOptions::activation_precision).
//
// Kernels: gemv_q8_kernels.h (levels, formats) and docs/GEMV.md (scheme).
// Stack: the SIMD kernels keep a tile of ~18 KiB (4096 columns of
// activations in the kernel's byte order, per-block scales and offset
// corrections) and a 1 KiB e8 table on the stack.
//
// The scalar reference (gemv_q8_reference) defines the result: it decodes
// the weights with codec::decode_range and sums in float, in column order
// within a block, blocks in order. SIMD kernels agree with it within the
// float rounding of their different order, not bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"

namespace nibble::gemv {

constexpr int64_t kQ8Block = 32;
// q is zero-padded to a multiple of this many columns (and d, sums to
// the matching number of blocks), so kernels may read whole vectors.
constexpr int64_t kQ8Padding = 256;

struct Q8Activations {
  const int8_t* q = nullptr;     // padded_cols values, 64-byte aligned
  const float* d = nullptr;      // padded_cols / kQ8Block scales
  const int32_t* sums = nullptr;  // padded_cols / kQ8Block sums of q
  int64_t cols = 0;
  int64_t padded_cols = 0;
};

// Bytes of the buffer quantize_activations() needs for `cols` columns
// (64-byte aligned buffer).
size_t q8_activation_bytes(int64_t cols);

// Quantizes x[0..cols) into `buffer` (q8_activation_bytes(cols) bytes,
// 64-byte aligned) and returns the view. Every level gives the same bits.
Q8Activations quantize_activations(Isa isa, const float* x, int64_t cols, void* buffer);

// y[r] for r in [row_begin, row_end) on the highest level <= `isa` with an
// int8-activation kernel for this weight (else the scalar reference);
// false (y untouched) if this build or CPU lacks `isa`. x.cols must equal
// w.layout.cols.
bool gemv_q8_on(Isa isa, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                int64_t row_begin, int64_t row_end);

// Whether `isa` (or a level below it) has an int8-activation SIMD kernel
// for this weight: sessions use the int8 path only where it has one.
bool has_q8_kernel(Isa isa, const codec::PackedWeights& w);

// The definition (every format), used by gemv_q8_on() where no SIMD
// kernel applies.
void gemv_q8_reference(const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                       int64_t row_begin, int64_t row_end);

}  // namespace nibble::gemv
