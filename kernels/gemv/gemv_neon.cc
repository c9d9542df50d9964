// Neon GEMV kernels with f32 activations (gemv_kernels.h), AArch64 only.
// Advanced SIMD is baseline there, so this file needs no flags and its
// table serves both Neon levels (f32 activations use no dot products).
// Internal linkage only.
//
// The structure is the x86 files' (gemv_avx512.cc has the reasoning):
// fixed chunks of kChunk columns with x copied into a zero-padded stack
// buffer, each row computed by the same operations whatever rows share the
// call, y accumulated chunk by chunk. Differences:
//   - One row at a time: 32 registers hold a row's whole block (codes,
//     16 looked-up values, 8 x vectors) without the x86 files' row pairs.
//   - 4-bit lookup (docs/GEMV.md, "Neon"): tbl looks up 16 BYTES, so the
//     16-entry f32 table is kept as four byte planes (plane k = byte k of
//     every entry). 16 codes cost 4 tbl + 8 zips for 16 floats, fewer
//     instructions than a 64-byte tbl4 (whose indices code * 4 + byte
//     need a widening shuffle per 4 floats) or widening ints (6 widenings
//     + 4 converts, and tables would still need the lookup).
//   - Codes are not unpacked in column order: the low nibbles of 16 bytes
//     are the even columns of 32, the high nibbles the odd ones, and x is
//     permuted to match once per chunk (xp below).
#include <arm_neon.h>

#include <cstring>

#include "gemv/gemv_kernels.h"
#include "gemv/neon_scale.h"

namespace nibble::gemv {
namespace {

using codec::ScaleType;

constexpr int64_t kChunk = 4096;
constexpr int64_t kBlock = 32;  // kCode4: 32 columns = 16 bytes of codes

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

void init_outputs(const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = bias != nullptr ? bias[r] : 0.0f;
}

// 16 bytes from p, of which only [0, n) are read (zeros above): the last
// block of a row may end inside the row's padding or the buffer's end.
uint8x16_t load_16(const uint8_t* p, int64_t n) {
  if (n >= 16) return vld1q_u8(p);
  uint8_t tail[16] = {};
  if (n > 0) std::memcpy(tail, p, static_cast<size_t>(n));
  return vld1q_u8(tail);
}

// The 16 values of the 4-bit codes as byte planes: plane[k][c] is byte k
// (little-endian) of values[c].
struct Planes {
  uint8x16_t plane[4];
};

Planes make_planes(const float values[16]) {
  uint8_t bytes[4][16];
  for (int c = 0; c < 16; ++c) {
    uint32_t u;
    std::memcpy(&u, &values[c], 4);
    for (int k = 0; k < 4; ++k) bytes[k][c] = static_cast<uint8_t>(u >> (8 * k));
  }
  Planes t;
  for (int k = 0; k < 4; ++k) t.plane[k] = vld1q_u8(bytes[k]);
  return t;
}

// values[c[i]] for the 16 codes of c (one per byte, each < 16): out[q]
// holds entries 4q .. 4q+3. The zips interleave the planes back into
// little-endian words: bytes 0|1 and 2|3 into halves, then halves into words.
inline void lookup16(const Planes& t, uint8x16_t c, float32x4_t out[4]) {
  const uint8x16_t b0 = vqtbl1q_u8(t.plane[0], c);
  const uint8x16_t b1 = vqtbl1q_u8(t.plane[1], c);
  const uint8x16_t b2 = vqtbl1q_u8(t.plane[2], c);
  const uint8x16_t b3 = vqtbl1q_u8(t.plane[3], c);
  const uint16x8_t low_0_7 = vreinterpretq_u16_u8(vzip1q_u8(b0, b1));
  const uint16x8_t low_8_15 = vreinterpretq_u16_u8(vzip2q_u8(b0, b1));
  const uint16x8_t high_0_7 = vreinterpretq_u16_u8(vzip1q_u8(b2, b3));
  const uint16x8_t high_8_15 = vreinterpretq_u16_u8(vzip2q_u8(b2, b3));
  out[0] = vreinterpretq_f32_u16(vzip1q_u16(low_0_7, high_0_7));
  out[1] = vreinterpretq_f32_u16(vzip2q_u16(low_0_7, high_0_7));
  out[2] = vreinterpretq_f32_u16(vzip1q_u16(low_8_15, high_8_15));
  out[3] = vreinterpretq_f32_u16(vzip2q_u16(low_8_15, high_8_15));
}

// ------------------------------------------------------------------ kCode4

// x of one chunk, permuted per block of 32 columns to the order the codes
// come out of a 16-byte load: xp[32b + i] = x[32b + 2i] (low nibbles),
// xp[32b + 16 + i] = x[32b + 2i + 1] (high nibbles), zeros past the end.
struct Code4Chunk {
  int64_t c0 = 0;
  int64_t n = 0;
  int64_t blocks = 0;
  alignas(16) float xp[kChunk];
};

void build_code4_chunk(const float* x, int64_t cols, int64_t c0, Code4Chunk* ch) {
  ch->c0 = c0;
  ch->n = min64(kChunk, cols - c0);
  ch->blocks = (ch->n + kBlock - 1) / kBlock;
  for (int64_t b = 0; b < ch->blocks; ++b) {
    for (int64_t i = 0; i < 16; ++i) {
      const int64_t even = b * kBlock + 2 * i;
      ch->xp[b * kBlock + i] = even < ch->n ? x[c0 + even] : 0.0f;
      ch->xp[b * kBlock + 16 + i] = even + 1 < ch->n ? x[c0 + even + 1] : 0.0f;
    }
  }
}

struct Code4Args {
  Planes planes;
  const uint8_t* codes;
  uint64_t row_bytes;
  uint64_t groups_per_row;
  int64_t group_size;
  int64_t cols;
  NeonScaleReader scales;
  const codec::PackedWeights* w;
};

// Sum over the 16 columns [32b + 16h, 32b + 16h + 16) of a block: the low
// nibbles' values lo[2h], lo[2h+1] and the high ones' hi[2h], hi[2h+1].
inline float32x4_t half_block(const float32x4_t* lo, const float32x4_t* hi, const float* xb, int h) {
  float32x4_t p = vmulq_f32(lo[2 * h], vld1q_f32(xb + 8 * h));
  p = vfmaq_f32(p, hi[2 * h], vld1q_f32(xb + 16 + 8 * h));
  p = vfmaq_f32(p, lo[2 * h + 1], vld1q_f32(xb + 8 * h + 4));
  return vfmaq_f32(p, hi[2 * h + 1], vld1q_f32(xb + 16 + 8 * h + 4));
}

// One row's part of y from one chunk. Group scales: groups are multiples
// of 16 columns, so each half block has one scale (a half past the last
// column has none and adds nothing).
template <ScaleType kType, bool kGroup>
void code4_row(const Code4Args& a, const Code4Chunk& ch, int64_t r, float* y) {
  const uint8_t* row = a.codes + static_cast<uint64_t>(r) * a.row_bytes + static_cast<uint64_t>(ch.c0 / 2);
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes) - ch.c0 / 2;
  const uint8x16_t low_mask = vdupq_n_u8(0x0F);
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < ch.blocks; ++b) {
    const uint8x16_t v = load_16(row + 16 * b, chunk_bytes - 16 * b);
    float32x4_t lo[4], hi[4];
    lookup16(a.planes, vandq_u8(v, low_mask), lo);
    lookup16(a.planes, vshrq_n_u8(v, 4), hi);
    const float* xb = ch.xp + kBlock * b;
    const float32x4_t p0 = half_block(lo, hi, xb, 0);
    const float32x4_t p1 = half_block(lo, hi, xb, 1);
    if (kGroup) {
      const int64_t col = ch.c0 + kBlock * b;
      const uint64_t first = static_cast<uint64_t>(r) * a.groups_per_row;
      acc = vfmaq_n_f32(acc, p0, a.scales.load<kType>(first + static_cast<uint64_t>(col / a.group_size)));
      if (col + 16 < a.cols) {
        acc = vfmaq_n_f32(acc, p1, a.scales.load<kType>(first + static_cast<uint64_t>((col + 16) / a.group_size)));
      }
    } else {
      // One scale per row: applied once to the row's sum.
      acc = vaddq_f32(acc, vaddq_f32(p0, p1));
    }
  }
  y[r] += kGroup ? vaddvq_f32(acc) : row_scale(*a.w, r) * vaddvq_f32(acc);
}

void code4_rows(const Plan& plan, const Code4Args& a, const Code4Chunk& ch, int64_t row_begin, int64_t row_end,
                float* y) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    if (!plan.group_scales) {
      code4_row<ScaleType::kF32, false>(a, ch, r, y);
      continue;
    }
    switch (a.w->layout.scale_type) {
      case ScaleType::kF32: code4_row<ScaleType::kF32, true>(a, ch, r, y); break;
      case ScaleType::kF16: code4_row<ScaleType::kF16, true>(a, ch, r, y); break;
      case ScaleType::kE8: code4_row<ScaleType::kE8, true>(a, ch, r, y); break;
    }
  }
}

void code4_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  Code4Args a{make_planes(plan.values),
              w.data,
              w.segment.row_bytes,
              w.segment.groups_per_row,
              plan.group_size,
              w.layout.cols,
              NeonScaleReader(w.data + w.segment.scales_offset, w.layout.scale_type),
              &w};
  Code4Chunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_code4_chunk(x, w.layout.cols, c0, &ch);
    code4_rows(plan, a, ch, row_begin, row_end, y);
  }
}

// ---------------------------------------------------- plain x: int8, ggml

struct PlainChunk {
  int64_t c0 = 0;
  int64_t n = 0;
  alignas(16) float x[kChunk];
};

void build_plain_chunk(const float* x, int64_t cols, int64_t c0, int64_t pad_to, PlainChunk* ch) {
  ch->c0 = c0;
  ch->n = min64(kChunk, cols - c0);
  const int64_t padded = (ch->n + pad_to - 1) / pad_to * pad_to;
  std::memcpy(ch->x, x + c0, static_cast<size_t>(ch->n) * sizeof(float));
  for (int64_t i = ch->n; i < padded; ++i) ch->x[i] = 0.0f;
}

// 8 signed bytes as 8 floats (two vectors).
inline void widen_8(int8x8_t v, float32x4_t out[2]) {
  const int16x8_t h = vmovl_s8(v);
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
  out[1] = vcvtq_f32_s32(vmovl_high_s16(h));
}

// IntCodec 8-bit symmetric: value = code - 128, which is the code with its
// top bit flipped read as int8. Rows hold a multiple of 8 codes, so 8-byte
// loads never leave the row.
void int8_row(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r, float* y) {
  const uint8_t* row = w.data + static_cast<uint64_t>(r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0);
  const uint8x8_t flip = vdup_n_u8(0x80);
  float32x4_t acc_a = vdupq_n_f32(0.0f), acc_b = vdupq_n_f32(0.0f);
  const int64_t padded = (ch.n + 7) / 8 * 8;
  for (int64_t j = 0; j < padded; j += 8) {
    float32x4_t v[2];
    widen_8(vreinterpret_s8_u8(veor_u8(vld1_u8(row + j), flip)), v);
    acc_a = vfmaq_f32(acc_a, v[0], vld1q_f32(ch.x + j));
    acc_b = vfmaq_f32(acc_b, v[1], vld1q_f32(ch.x + j + 4));
  }
  y[r] += row_scale(w, r) * vaddvq_f32(vaddq_f32(acc_a, acc_b));
}

void int8_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 8, &ch);
    for (int64_t r = row_begin; r < row_end; ++r) int8_row(w, ch, r, y);
  }
}

const uint8_t* ggml_row(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r, int block_bytes) {
  return w.data + static_cast<uint64_t>(r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * block_bytes);
}

// Sum of 8 vectors of values times x[0..32).
inline float32x4_t dot_32(const float32x4_t* v, const float* x) {
  float32x4_t p = vmulq_f32(v[0], vld1q_f32(x));
  for (int i = 1; i < 8; ++i) p = vfmaq_f32(p, v[i], vld1q_f32(x + 4 * i));
  return p;
}

// Q4_0: byte j of qs holds weight j (low nibble) and j + 16 (high nibble):
// the low nibbles are weights 0..15 in order, no permutation of x.
void q4_0_row(const Planes& planes, const codec::PackedWeights& w, const PlainChunk& ch, int64_t r, float* y) {
  constexpr int kBytes = 18;
  const uint8_t* row = ggml_row(w, ch, r, kBytes);
  const int64_t nb = (ch.n + 31) / 32;
  const uint8x16_t low_mask = vdupq_n_u8(0x0F);
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (int64_t j = 0; j < nb; ++j) {
    const uint8_t* block = row + j * kBytes;
    const uint8x16_t qs = vld1q_u8(block + 2);
    float32x4_t v[8];
    lookup16(planes, vandq_u8(qs, low_mask), v);
    lookup16(planes, vshrq_n_u8(qs, 4), v + 4);
    acc = vfmaq_n_f32(acc, dot_32(v, ch.x + 32 * j), neon_half_to_float(block));
  }
  y[r] += vaddvq_f32(acc);
}

// Q8_0: 32 int8 weights after the f16 d.
void q8_0_row(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r, float* y) {
  constexpr int kBytes = 34;
  const uint8_t* row = ggml_row(w, ch, r, kBytes);
  const int64_t nb = (ch.n + 31) / 32;
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (int64_t j = 0; j < nb; ++j) {
    const uint8_t* block = row + j * kBytes;
    const int8_t* qs = reinterpret_cast<const int8_t*>(block + 2);
    float32x4_t v[8];
    for (int i = 0; i < 4; ++i) widen_8(vld1_s8(qs + 8 * i), v + 2 * i);
    acc = vfmaq_n_f32(acc, dot_32(v, ch.x + 32 * j), neon_half_to_float(block));
  }
  y[r] += vaddvq_f32(acc);
}

void q4_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  const Planes planes = make_planes(plan.values);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    for (int64_t r = row_begin; r < row_end; ++r) q4_0_row(planes, w, ch, r, y);
  }
}

void q8_0_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    for (int64_t r = row_begin; r < row_end; ++r) q8_0_row(w, ch, r, y);
  }
}

}  // namespace

const SimdGemv& neon_gemv() {
  static const SimdGemv table = {"neon", code4_kernel, int8_kernel, q4_0_kernel, q8_0_kernel};
  return table;
}

}  // namespace nibble::gemv
