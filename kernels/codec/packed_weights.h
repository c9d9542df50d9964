// A verified encoded weight, read in place, and the scalar reference
// decoder every SIMD kernel is tested against.
#pragma once

#include <cstdint>

#include "codec/weight_layout.h"

namespace nibble::codec {

struct PackedWeights {
  WeightLayout layout;
  SegmentLayout segment;
  const uint8_t* data = nullptr;  // the segment (64-byte aligned)
  const float* table = nullptr;   // kTable: 2^bits entries
};

// Decodes row `row` (all `cols` weights) into out[0..cols). The caller
// guarantees row < rows; the weights were verified (layout computed by
// compute_segment_layout, segment size equal, scales finite).
void decode_row(const PackedWeights& w, int64_t row, float* out);

// The scale of weight (row, col): what decode_row multiplies by.
float scale_at(const PackedWeights& w, int64_t row, int64_t col);

}  // namespace nibble::codec
