// Encoding a float weight [rows, cols] into its segment, given the scales
// (and zero points) the caller chose: the converter picks them with its
// calibration and search methods; these functions only apply the codec's
// definition, so converter and kernels share one definition of each code.
#pragma once

#include <cstdint>

#include "codec/code_tables.h"
#include "codec/rounding.h"
#include "codec/weight_layout.h"

namespace nibble::codec {

struct EncodeParams {
  // kInt / kTable: seg.num_scales scales (positive, finite), in f32; they
  // are stored as layout.scale_type, and codes are computed against the
  // stored (possibly f16-rounded) value, so decode matches encode.
  const float* scales = nullptr;
  // kInt asymmetric: seg.num_scales zero points in 0 .. 2^bits - 1.
  const uint8_t* zero_points = nullptr;
  // kTable: the rule that maps a normalised value to a code.
  TableKind table_kind = TableKind::kLut;
  float parameter = 0;           // pqnt: p; log2: r
  // kLut: the 2^bits entries, finite; code = the nearest entry. The other
  // kinds compute their codes from their formula and do not read it.
  const float* table = nullptr;
  // kInt / kTable; null: nearest, ties to even. (The ggml formats always
  // round as ggml does.)
  Rounder* rounder = nullptr;
};

// Writes the whole segment (seg.total_bytes bytes, padding zeroed). Returns
// false (segment contents unspecified) if `seg` is not what
// compute_segment_layout gives for `layout`, a parameter the format needs
// is missing or invalid (valid_table_params), or, for the quantized
// formats (ggml, kInt, kTable), a weight is not finite: no code holds it;
// likewise a ggml block whose fp16 d or m would overflow (|d|, |m| > 65504).
// f32/f16/bf16 store NaN and infinities as they are.
bool encode_weights(const WeightLayout& layout, const SegmentLayout& seg, const float* weights,
                    const EncodeParams& params, uint8_t* segment);

// Index into the scales part of the scale that covers weight (row, col):
// 0 for kTensor, row for kChannel, row * groups_per_row + col / group_size
// for kGroup; 0 for formats without a scales part (f32, f16, bf16, ggml).
uint64_t scale_index(const WeightLayout& layout, const SegmentLayout& seg, int64_t row, int64_t col);

}  // namespace nibble::codec
