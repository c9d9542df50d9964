// What an int8-activation SIMD kernel needs to know about a weight, worked
// out once per call (the q8 counterpart of gemv_plan.h, kept apart so the
// two paths evolve independently).
//
// Every supported weight is read 64 columns (a "unit", two activation
// blocks of 32) at a time into 64 byte lanes v[p], p = 0..63, holding the
// code of column map[p] of the unit (the order the format's bytes unpack
// in cheaply). The weight of that column is
//     w = s_b * (v - o) + m_b          (b: the column's block of 32)
// with o a fixed per-format offset (undone with the activation sums:
// sum v*q - o * sums[b]), s_b the block's scale and m_b an additive term
// (q4_1/q5_1's m, affine ints' -s * zero_point). Kernels compute
// sum_p v[p] * xq[p] with u8 x s8 integer dot products, so v must be
// unsigned bytes; formats whose values need the full int8 range (q8_0,
// 8-bit ints, table codes) are "signed": v holds the value itself as s8
// and each level makes it unsigned its own way (VNNI: v ^ 0x80, o = 128;
// vpmaddubsw: |v| times x with v's sign, o = 0).
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"

namespace nibble::gemv {

enum class Q8Shape : uint8_t {
  kUnsupported = 0,
  kQ4_0,    // v = q (0..15),  o = 8,  s = d
  kQ4_1,    // v = q (0..15),  o = 0,  s = d, m = m
  kQ5_0,    // v = q (0..31),  o = 16, s = d
  kQ5_1,    // v = q (0..31),  o = 0,  s = d, m = m
  kQ8_0,    // signed v = q,          s = d
  kPacked,  // IntCodec / TableCodec LSB-first codes of `bits` bits
};

constexpr int64_t kQ8Unit = 64;  // columns per unit

struct Q8Plan {
  Q8Shape shape = Q8Shape::kUnsupported;
  int bits = 0;
  // kPacked:
  bool table = false;     // TableCodec: v = table_q[code] (signed)
  bool affine = false;    // IntCodec with zero points: o = 0, m = -s * zp
  bool group = false;     // a scale per group (else per row: CHANNEL/TENSOR)
  int64_t group_size = 0;  // a multiple of 32 (one scale per block)
  codec::ScaleType scale_type = codec::ScaleType::kF32;
  // IntCodec symmetric: the code's offset 2^(bits-1); 0 otherwise.
  int offset = 0;
  // The values need the full int8 range: tables, and 8-bit symmetric
  // ints, whose signed value is code ^ 0x80 (levels that read v unsigned
  // use the code and the offset 128 instead).
  bool is_signed = false;
  int8_t table_q[16] = {};  // table codes of <= 4 bits: the int8 table
  float table_factor = 1.0f;  // ... and its per-tensor factor
};

// Fills the plan (kUnsupported if no SIMD kernel applies to `w`).
Q8Plan make_q8_plan(const codec::PackedWeights& w);

}  // namespace nibble::gemv
