// Q4_0 weights repacked for the int8-activation GEMV: four rows
// interleaved into one sequential stream (the "rows4" layout).
//
// Why: on the file's layout (ggml blocks of [d f16, 16 bytes of qs], row
// after row) the AVX-512 VNNI Q4_0 kernel spends ~15 instructions per row
// and 64 weights gathering two blocks' codes and scales from two places
// (docs/GEMV.md): it stays at ~45-55% of the read bandwidth, bound by
// instructions. Repacked, one 64-byte load holds two rows' codes for 64
// columns, the split into nibbles serves two rows, and one 16-byte load
// holds the 8 scales of 4 rows x 2 blocks: ~5 instructions per row and 64
// weights, and the whole matrix is read as one forward stream.
//
// Layout, per block of 4 rows (rows past the tensor's end are zeros: d = 0)
// and per unit of 64 columns (two ggml blocks b0, b1; a missing b1 at the
// end of an odd row is zeros), 144 bytes:
//   bytes   0.. 63: row 0's qs of b0 (16 bytes), of b1; row 1's of b0, b1
//   bytes  64..127: the same for rows 2 and 3
//   bytes 128..143: d (f16) of r0 b0, r0 b1, r1 b0, r1 b1, r2 b0, ..., r3 b1
// Units follow each other, then the next block of rows: the bytes are the
// file's (same size up to the padding), only their order changes.
//
// Sessions repack a LINEAR's weight once, at creation, where its one-row
// kernel is the int8-activation GEMV and the level is AVX-512 VNNI (the
// session then holds the copy: the file's blocks are still read by the
// batched GEMM of a prompt and by EMBEDDING).
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemv {

constexpr int64_t kRows4UnitBytes = 144;

struct Rows4Weights {
  const uint8_t* data = nullptr;  // q4_0_rows4_bytes() bytes, 64-byte aligned
  int64_t rows = 0;
  int64_t cols = 0;
};

// Whether `w` is Q4_0 and `isa` (available on this CPU) runs the rows4
// kernel: AVX-512 VNNI on x86-64 hosted builds; false elsewhere.
bool can_use_q4_0_rows4(Isa isa, const codec::PackedWeights& w);

// Bytes of the repacked weight (a multiple of 16).
size_t q4_0_rows4_bytes(const codec::PackedWeights& w);

// Writes the rows4 layout of Q4_0 weight `w` to out (q4_0_rows4_bytes()).
void repack_q4_0_rows4(const codec::PackedWeights& w, uint8_t* out);

// y[r] = bias[r] + sum_b d_x[b] d_w[r, b] sum_{k in b} (q_w - 8) q_x for r
// in [row_begin, row_end): gemv_q8_reference's function, summed in another
// order (per lane, FMA). Each row's operations do not depend on the range.
// Call only where can_use_q4_0_rows4() is true.
void gemv_q8_q4_0_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                        int64_t row_begin, int64_t row_end);

namespace detail {
#if NIBBLE_GEMV_X86_KERNELS
void avx512vnni_q4_0_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                           int64_t row_begin, int64_t row_end);
#endif
}  // namespace detail

}  // namespace nibble::gemv
