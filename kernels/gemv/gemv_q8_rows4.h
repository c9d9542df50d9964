// 2- to 4-bit weights repacked for the int8-activation GEMV: four rows
// interleaved into one sequential stream (the "rows4" layout). Formats:
// ggml Q4_0 and Q4_1; IntCodec 2-, 3- and 4-bit (symmetric or with zero
// points) and TableCodec 2-, 3- and 4-bit, either in groups of 32 with f16
// or e8 scales or with a scale per row (CHANNEL, TENSOR; any scale type)
// (the int8 path's table: gemv_q8_table.h).
//
// Why: on the file's layouts the AVX-512 VNNI kernels spend ~15
// instructions per row and 64 weights gathering two blocks' codes and
// scales from two places (docs/GEMV.md): Q4_0 stayed at ~45-70% of the read
// bandwidth, bound by instructions. Repacked, one 64-byte load holds two
// rows' codes for 64 columns, the split into nibbles serves two rows, and
// one 16-byte load holds the 8 scales of 4 rows x 2 blocks: ~5
// instructions per row and 64 weights, and the matrix is one forward
// stream.
//
// Layout, per block of 4 rows (rows past the tensor's end are zeros:
// scale 0) and per unit of 64 columns (two blocks of 32, b0 and b1; a
// missing b1 at the end of a row is zeros):
//   bytes   0.. 63: row 0's 16 code bytes of b0, of b1; row 1's of b0, b1
//                   (byte j of a block: column j in the low nibble, column
//                   j + 16 in the high one: ggml's order)
//   bytes  64..127: the same for rows 2 and 3
// (2-bit codes: 64 bytes, lane p = 16 r + 8 b + j, j = 0..7, holding
// columns j, j + 8, j + 16, j + 24 of row r's block b in bits 0-1, 2-3,
// 4-5, 6-7; 3-bit codes: those 64 bytes for the low 2 bits, then four
// 64-bit masks, mask k's bit p the third bit of column j + 8k)
// then, by kind (Rows4Kind), with sizes for 4-bit codes:
//   kScales  8 scales (f16, or e8 one byte each) of r0 b0, r0 b1, r1 b0,
//            ..., r3 b1: a unit of 144 bytes (136 with e8)
//   kMins    Q4_1: the 8 d (f16), then the 8 m (f16): 160 bytes
//   kZeros   affine ints: the 8 scales, then the 8 zero points (u8):
//            152 bytes (144 with e8)
//   kRow     nothing: 128 bytes; after the last block of rows, one f32
//            scale per row (padded to a multiple of 4 rows), then for
//            affine ints one f32 zero point per row
// Units follow each other, then the next block of rows. Q4_0's and Q4_1's
// bytes are the file's in another order; the IntCodec/TableCodec codes
// are moved to ggml's nibble order next to their scales.
//
// Sessions repack a LINEAR's weight once, at creation, where its one-row
// kernel is the int8-activation GEMV and the level is AVX-512 VNNI (the
// session then holds the copy: the file's bytes are still read by the
// batched GEMM of a prompt and by EMBEDDING).
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemv {

// What follows a unit's codes (layout above).
enum class Rows4Kind : uint8_t { kScales, kMins, kZeros, kRow };

// Bytes of a unit's codes: 4 rows x 64 columns of `bits`-bit codes.
constexpr int64_t rows4_code_bytes(int bits) { return bits == 4 ? 128 : bits == 3 ? 96 : 64; }

// Bytes of a unit: the codes, then what its kind stores per (row, block).
constexpr int64_t rows4_unit_bytes(int bits, Rows4Kind kind, bool e8) {
  const int64_t codes = rows4_code_bytes(bits), scales = e8 ? 8 : 16;
  return kind == Rows4Kind::kScales  ? codes + scales
         : kind == Rows4Kind::kMins  ? codes + 16 + 16
         : kind == Rows4Kind::kZeros ? codes + scales + 8
                                     : codes;
}

struct Rows4Weights {
  const uint8_t* data = nullptr;  // rows4_bytes() bytes, 64-byte aligned
  int64_t rows = 0;
  int64_t cols = 0;
  // A weight is factor * (scale * (value(code) - offset) + m) with m
  // Q4_1's m, -scale * zero point for affine ints, else 0. Q4_0 and
  // symmetric ints: value = code, offset 2^(bits-1); Q4_1 and affine ints
  // offset 0;
  // tables value = table_u8[code] = t[code] + 128 (the int8 table, unsigned
  // for vpdpbusd), offset 128, factor its f.
  Rows4Kind kind = Rows4Kind::kScales;
  int bits = 4;                 // 2, 3 or 4
  bool table = false;
  bool e8 = false;              // group scales are e8 codes (else f16)
  int offset = 8;
  float factor = 1.0f;
  uint8_t table_u8[16] = {};
  const float* row_scales = nullptr;  // kRow: one per row
  const float* row_zeros = nullptr;   // kRow, affine ints: one per row
};

// Whether `w` has a rows4 layout and `isa` (available on this CPU) runs
// its kernel: AVX-512 VNNI on x86-64 hosted builds; false elsewhere.
bool can_use_rows4(Isa isa, const codec::PackedWeights& w);

// Bytes of the repacked weight (a multiple of 16).
size_t rows4_bytes(const codec::PackedWeights& w);

// Writes the rows4 layout of `w` (can_use_rows4) to out (rows4_bytes()).
void repack_rows4(const codec::PackedWeights& w, uint8_t* out);

// The kernel's view of a repacked weight at `data`.
Rows4Weights rows4_weights(const codec::PackedWeights& w, const uint8_t* data);

// y[r] = bias[r] + sum_b d_x[b] * (weight's int8-path value times q_x) for
// r in [row_begin, row_end): gemv_q8_reference's function, summed in
// another order (per lane, FMA). Each row's operations do not depend on
// the range. Call only where can_use_rows4() is true.
void gemv_q8_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
                   int64_t row_end);

namespace detail {
#if NIBBLE_GEMV_X86_KERNELS
void avx512vnni_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                      int64_t row_begin, int64_t row_end);  // any width: 2- and 3-bit go to the narrow kernel
#endif
}  // namespace detail

}  // namespace nibble::gemv
