// What a SIMD GEMV kernel needs to know about a weight, worked out once per
// call from its layout: which kernel shape applies, and for 4-bit codes the
// 16 values the codes stand for (before scaling).
//
// Kernel shapes (every other format runs the scalar reference):
//   kCode4   4-bit codes packed LSB-first (docs/CODECS.md):
//              TableCodec 4-bit:           value = table[code]
//              IntCodec 4-bit symmetric:   value = code - 8
//            times a scale per row (CHANNEL, TENSOR) or per group
//            (GROUP, group_size a multiple of 16), stored f32, f16 or e8.
//   kInt8    IntCodec 8-bit symmetric, per row scale: value = code - 128.
//   kQ4_0    ggml Q4_0 blocks: value = q - 8, times the block's f16 d.
//   kQ8_0    ggml Q8_0 blocks: value = q, times the block's f16 d.
// A 4-bit value is always a lookup in `values` (Q4_0 and the ints too):
// one permute per 16 codes on AVX-512, and no separate int-to-float path.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"

namespace nibble::gemv {

//   kCodes   (AVX-512 only) codes of 1, 2 or 3 bits, and 4-bit affine
//            IntCodec: the kCode4 scheme with 32 / bits codes per 32-bit
//            lane (3 bits: 8 codes, three bytes spread over a lane by one
//            vpermb); the value table repeats every 2^bits entries so the
//            bits of the next code above the index do not matter. Affine
//            (zero points): values = code; per-row scales subtract the
//            row's zero point from the table, group scales subtract
//            zero * (sum of the lane's x) per lane. 1-bit codes need
//            groups that are multiples of 32 (a lane holds 32 codes).
//   kWide    (AVX-512 only) codes of 5..8 bits, IntCodec (symmetric or
//            affine) or TableCodec, any scale layout (groups multiples of
//            16) except the int8 symmetric per-row case (kInt8): 16 codes
//            (2 * bits bytes) per step, each lane's two bytes picked by a
//            vpshufb of the broadcast bytes, shifted (vpsrlvd) and masked;
//            ints convert (minus the zero point), tables of 32 entries are
//            a vpermt2ps, larger ones a gather from the (L1-resident)
//            table.
//   kQ4_1, kQ5_0, kQ5_1  ggml blocks (AVX-512 only).
//   kHalf    f16 / bf16 weights (AVX2 and AVX-512).
enum class Shape : uint8_t { kUnsupported = 0, kCode4, kInt8, kQ4_0, kQ8_0, kCodes, kQ4_1, kQ5_0, kQ5_1, kHalf, kWide };

struct Plan {
  Shape shape = Shape::kUnsupported;
  // kCode4, kQ4_0: the value of each 4-bit code.
  float values[16] = {};
  // kCode4: scale per group (else one per row, applied once to the row's
  // sum); group_size: weights per group.
  bool group_scales = false;
  int64_t group_size = 0;
  // kCodes: bits per code (1..4) and whether zero points are stored.
  int bits = 4;
  bool affine = false;
};

// Fills `plan` for `w` (shape kUnsupported if no SIMD kernel applies).
Plan make_plan(const codec::PackedWeights& w);

// The scale of row r for per-row scales (CHANNEL: row r's, TENSOR: the
// only one), as decoded by codec::decode_row.
float row_scale(const codec::PackedWeights& w, int64_t row);

// e8 scale c = 2^((c - 128) / 8) = frac[c % 8] * 2^(c / 8), with
// frac[f] = e8_value(128 + f) * 2^-16 (exactly, a power-of-two factor):
// SIMD kernels decode e8 with a permute of this table and an integer add
// of (c / 8) << 23 to its exponent, bit-identical to codec::e8_value.
// The 16 entries repeat the 8 fractions so that a 16-entry permute can
// use the low 4 bits of c directly.
void e8_fraction_table(float table[16]);

}  // namespace nibble::gemv

namespace nibble::gemv {

// Group geometry of codes for a SIMD block of `lanes` lanes of
// `per_lane` codes each (a lane never straddles a group: group sizes are
// multiples of per_lane). Block b of a chunk starting at column c0 covers
// columns c0 + b * per_lane * lanes + [0, per_lane * lanes). Blocks go in sets of `set` (the
// blocks that share one load of scales): lane i of block b uses the scale
// first_group[b / set] + rel[b * lanes + i] of its row. A block spans at
// most per_lane groups, so rel < per_lane * set. Fills ceil(blocks / set) entries of
// first_group and blocks * lanes of rel.
void block_groups(int64_t c0, int64_t blocks, int lanes, int per_lane, int set, int64_t group_size, int32_t* first_group,
                  int32_t* rel);

}  // namespace nibble::gemv
