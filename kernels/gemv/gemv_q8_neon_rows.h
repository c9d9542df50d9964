// The row loop of the Neon int8-activation kernels, shared by the two
// levels: each includes this file and instantiates q8_neon_run() with its
// own dot product of 32 int8 pairs, so each gets a copy compiled with its
// own flags (internal linkage: the baseline copy never holds an SDOT).
//
// Per row, blocks of 32 columns in order, four at a time (the sets wholly
// inside the row without a bounds check, the last one with):
//   part[i] = int32x4 partial sums of block j0+i's 32 products (exact);
//   sums = the four blocks' totals in one vector (two pairwise adds);
//   acc += float(sums) * (d[j0..j0+4) * block scale) (one FMA per 4 blocks);
//   y[r] = bias[r] + [row scale *] horizontal sum of acc.
// The integer sums are exact, so the result differs from the reference
// (gemv_q8_reference) only by the float rounding of the block sums' order
// and of where the scales are applied. Every row goes through the same
// operations whatever range it is computed in.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "gemv/gemv_q8_neon_plan.h"
#include "gemv/neon_scale.h"

namespace nibble::gemv {
namespace {

// 16 bytes from p of which only [0, n) are read (zeros above): the last
// block of an IntCodec row may end inside the row padding or the buffer.
inline uint8x16_t q8_load_16(const uint8_t* p, int64_t n) {
  if (n >= 16) return vld1q_u8(p);
  uint8_t tail[16] = {};
  if (n > 0) std::memcpy(tail, p, static_cast<size_t>(n));
  return vld1q_u8(tail);
}

// The 32 int8 values of block j of a row (columns 32j .. 32j+31 in order)
// and the block's own scale (ggml d; 1 for ints, whose scales are applied
// by the caller).
template <Q8NeonShape kShape, bool kChecked>
inline float q8_weight_block(const uint8_t* row, int64_t row_bytes, int64_t j, int8x16_t* w0, int8x16_t* w1) {
  const uint8x16_t low_mask = vdupq_n_u8(0x0F);
  if (kShape == Q8NeonShape::kQ4_0) {
    // qs byte i: weight i (low nibble), weight i + 16 (high nibble).
    const uint8_t* block = row + 18 * j;
    const uint8x16_t qs = vld1q_u8(block + 2);
    *w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(qs, low_mask)), vdupq_n_s8(8));
    *w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(qs, 4)), vdupq_n_s8(8));
    return neon_half_to_float(block);
  }
  if (kShape == Q8NeonShape::kQ8_0) {
    const uint8_t* block = row + 34 * j;
    *w0 = vld1q_s8(reinterpret_cast<const int8_t*>(block + 2));
    *w1 = vld1q_s8(reinterpret_cast<const int8_t*>(block + 18));
    return neon_half_to_float(block);
  }
  if (kShape == Q8NeonShape::kInt4) {
    // LSB-first: byte i holds column 2i (low nibble) and 2i + 1 (high);
    // zipping the nibbles back gives column order. value = code - 8.
    const uint8x16_t v = kChecked ? q8_load_16(row + 16 * j, row_bytes - 16 * j) : vld1q_u8(row + 16 * j);
    const uint8x16_t lo = vandq_u8(v, low_mask);
    const uint8x16_t hi = vshrq_n_u8(v, 4);
    *w0 = vsubq_s8(vreinterpretq_s8_u8(vzip1q_u8(lo, hi)), vdupq_n_s8(8));
    *w1 = vsubq_s8(vreinterpretq_s8_u8(vzip2q_u8(lo, hi)), vdupq_n_s8(8));
    return 1.0f;
  }
  // kInt8: value = code - 128, the code with its top bit flipped as int8.
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const uint8_t* p = row + 32 * j;
  const int64_t n = row_bytes - 32 * j;
  *w0 = vreinterpretq_s8_u8(veorq_u8(kChecked ? q8_load_16(p, n) : vld1q_u8(p), flip));
  *w1 = vreinterpretq_s8_u8(veorq_u8(kChecked ? q8_load_16(p + 16, n - 16) : vld1q_u8(p + 16), flip));
  return 1.0f;
}

// Blocks [j0, j0 + 4) of a row, added to acc. kChecked: some of them may
// be past the row's last block (nothing read, nothing added) or may end
// past its bytes (loaded through a zeroed copy); otherwise plain loads and
// no branches. Both compute the same values the same way.
template <class Dot, Q8NeonShape kShape, codec::ScaleType kType, bool kGroup, bool kChecked>
inline float32x4_t q8_four_blocks(const Q8NeonPlan& plan, const NeonScaleReader& scales, const uint8_t* row,
                                  int64_t row_bytes, uint64_t first_group, int64_t blocks, const Q8Activations& x,
                                  int64_t j0, float32x4_t acc) {
  int32x4_t part[4];
  float block_scale[4];
  for (int i = 0; i < 4; ++i) {
    const int64_t j = j0 + i;
    if (kChecked && j >= blocks) {
      // Past the row (x.d has these blocks: padded_cols is a multiple of
      // 8 blocks).
      part[i] = vdupq_n_s32(0);
      block_scale[i] = 0.0f;
      continue;
    }
    int8x16_t w0, w1;
    float s = q8_weight_block<kShape, kChecked>(row, row_bytes, j, &w0, &w1);
    if (kGroup) s = scales.load<kType>(first_group + static_cast<uint64_t>(j * kQ8Block / plan.group_size));
    part[i] = Dot::dot32(w0, w1, vld1q_s8(x.q + kQ8Block * j), vld1q_s8(x.q + kQ8Block * j + 16));
    block_scale[i] = s;
  }
  const int32x4_t sums = vpaddq_s32(vpaddq_s32(part[0], part[1]), vpaddq_s32(part[2], part[3]));
  const float32x4_t scale = vmulq_f32(vld1q_f32(x.d + j0), vld1q_f32(block_scale));
  return vfmaq_f32(acc, vcvtq_f32_s32(sums), scale);
}

template <class Dot, Q8NeonShape kShape, codec::ScaleType kType, bool kGroup>
void q8_neon_rows(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x, const float* bias,
                  float* y, int64_t row_begin, int64_t row_end) {
  const int64_t blocks = (w.layout.cols + kQ8Block - 1) / kQ8Block;
  const int64_t row_bytes = static_cast<int64_t>(w.segment.row_bytes);
  // Sets of 4 blocks before `unchecked_end` are whole and inside the row's
  // bytes (ggml blocks always are; IntCodec rows end on 4 or 8 bytes).
  int64_t inside = blocks;
  if (kShape == Q8NeonShape::kInt4) inside = row_bytes / 16;
  if (kShape == Q8NeonShape::kInt8) inside = row_bytes / 32;
  const int64_t unchecked_end = (inside < blocks ? inside : blocks) / 4 * 4;
  const NeonScaleReader scales(w.data + w.segment.scales_offset, w.layout.scale_type);
  for (int64_t r = row_begin; r < row_end; ++r) {
    const uint8_t* row = w.data + static_cast<uint64_t>(r) * w.segment.row_bytes;
    const uint64_t first_group = static_cast<uint64_t>(r) * w.segment.groups_per_row;
    float32x4_t acc = vdupq_n_f32(0.0f);
    int64_t j0 = 0;
    for (; j0 < unchecked_end; j0 += 4) {
      acc = q8_four_blocks<Dot, kShape, kType, kGroup, false>(plan, scales, row, row_bytes, first_group, blocks, x,
                                                              j0, acc);
    }
    for (; j0 < blocks; j0 += 4) {
      acc = q8_four_blocks<Dot, kShape, kType, kGroup, true>(plan, scales, row, row_bytes, first_group, blocks, x,
                                                             j0, acc);
    }
    const bool ggml = kShape == Q8NeonShape::kQ4_0 || kShape == Q8NeonShape::kQ8_0;
    const float sum = ggml || kGroup ? vaddvq_f32(acc) : row_scale(w, r) * vaddvq_f32(acc);
    y[r] = (bias != nullptr ? bias[r] : 0.0f) + sum;
  }
}

template <class Dot, Q8NeonShape kShape>
void q8_neon_rows_of(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                     const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  using codec::ScaleType;
  if (!plan.group_scales) return q8_neon_rows<Dot, kShape, ScaleType::kF32, false>(plan, w, x, bias, y, row_begin, row_end);
  switch (w.layout.scale_type) {
    case ScaleType::kF32: return q8_neon_rows<Dot, kShape, ScaleType::kF32, true>(plan, w, x, bias, y, row_begin, row_end);
    case ScaleType::kF16: return q8_neon_rows<Dot, kShape, ScaleType::kF16, true>(plan, w, x, bias, y, row_begin, row_end);
    case ScaleType::kE8: return q8_neon_rows<Dot, kShape, ScaleType::kE8, true>(plan, w, x, bias, y, row_begin, row_end);
  }
}

template <class Dot>
void q8_neon_run(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x, const float* bias,
                 float* y, int64_t row_begin, int64_t row_end) {
  switch (plan.shape) {
    case Q8NeonShape::kQ4_0: return q8_neon_rows<Dot, Q8NeonShape::kQ4_0, codec::ScaleType::kF32, false>(plan, w, x, bias, y, row_begin, row_end);
    case Q8NeonShape::kQ8_0: return q8_neon_rows<Dot, Q8NeonShape::kQ8_0, codec::ScaleType::kF32, false>(plan, w, x, bias, y, row_begin, row_end);
    case Q8NeonShape::kInt4: return q8_neon_rows_of<Dot, Q8NeonShape::kInt4>(plan, w, x, bias, y, row_begin, row_end);
    case Q8NeonShape::kInt8: return q8_neon_rows_of<Dot, Q8NeonShape::kInt8>(plan, w, x, bias, y, row_begin, row_end);
    case Q8NeonShape::kUnsupported: return;
  }
}

}  // namespace
}  // namespace nibble::gemv
