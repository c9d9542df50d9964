#include "gemv/gemv_plan.h"

#include <cmath>

#include "codec/scale_storage.h"

namespace nibble::gemv {

Plan make_plan(const codec::PackedWeights& w) {
  using codec::Format;
  using codec::Granularity;
  const codec::WeightLayout& l = w.layout;
  Plan plan;
  switch (l.format) {
    case Format::kQ4_0:
      plan.shape = Shape::kQ4_0;
      for (int c = 0; c < 16; ++c) plan.values[c] = static_cast<float>(c - 8);
      return plan;
    case Format::kQ8_0:
      plan.shape = Shape::kQ8_0;
      return plan;
    case Format::kQ4_1:
      plan.shape = Shape::kQ4_1;
      return plan;
    case Format::kQ5_0:
      plan.shape = Shape::kQ5_0;
      return plan;
    case Format::kQ5_1:
      plan.shape = Shape::kQ5_1;
      return plan;
    case Format::kF16:
    case Format::kBF16:
      plan.shape = Shape::kHalf;
      return plan;
    case Format::kInt:
    case Format::kTable:
      break;
    default:
      return plan;  // f32/f16/bf16 and the other ggml blocks: reference
  }
  const bool group = l.granularity == Granularity::kGroup;
  if (group && l.group_size % 16 != 0) return plan;
  const bool affine = l.format == Format::kInt && !l.symmetric;
  if (l.bits == 8 && l.format == Format::kInt && !group && !affine) {
    plan.shape = Shape::kInt8;
    return plan;
  }
  if (l.format == Format::kTable && w.table == nullptr) return plan;
  if (l.bits > 4) {
    if (l.bits > 8) return plan;  // 9-bit tables: a code may span 3 bytes
    plan.shape = Shape::kWide;
    plan.bits = l.bits;
    plan.affine = affine;
    plan.group_scales = group;
    plan.group_size = group ? l.group_size : 0;
    return plan;
  }
  // A lane of 1-bit codes holds 32 of them: it must not straddle groups.
  if (group && l.bits == 1 && l.group_size % 32 != 0) return plan;
  plan.shape = l.bits == 4 && !affine ? Shape::kCode4 : Shape::kCodes;
  plan.bits = l.bits;
  plan.affine = affine;
  const int mask = (1 << l.bits) - 1;
  const int zero = affine ? 0 : 1 << (l.bits - 1);
  for (int c = 0; c < 16; ++c) {
    plan.values[c] = l.format == Format::kTable ? w.table[c & mask] : static_cast<float>((c & mask) - zero);
  }
  plan.group_scales = group;
  plan.group_size = group ? l.group_size : 0;
  return plan;
}

float row_scale(const codec::PackedWeights& w, int64_t row) {
  const uint64_t index = w.layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(row);
  return codec::load_scale(w.data + w.segment.scales_offset + index * codec::scale_size(w.layout.scale_type),
                           w.layout.scale_type);
}

void e8_fraction_table(float table[16]) {
  for (int i = 0; i < 16; ++i) table[i] = std::ldexp(codec::e8_value(static_cast<uint8_t>(128 + i % 8)), -16);
}

}  // namespace nibble::gemv

namespace nibble::gemv {

void block_groups(int64_t c0, int64_t blocks, int lanes, int per_lane, int set, int64_t group_size,
                  int32_t* first_group, int32_t* rel) {
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t start = c0 + b * per_lane * lanes;
    const int64_t set_start = c0 + b / set * set * per_lane * lanes;
    const int64_t first = set_start / group_size;
    if (b % set == 0) first_group[b / set] = static_cast<int32_t>(first);
    for (int i = 0; i < lanes; ++i) rel[b * lanes + i] = static_cast<int32_t>((start + per_lane * i) / group_size - first);
  }
}

}  // namespace nibble::gemv
