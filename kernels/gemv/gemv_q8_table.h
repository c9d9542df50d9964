// Table codes on the int8-activation path: integer dot products need
// integer weights, so a TableCodec table of <= 4 bits is rounded to int8
// with one per-tensor factor,
//     f = max_i |table[i]| / 127,   t[i] = round_to_nearest_even(table[i] / f),
// and the int8 path's weight is scale * f * t[code] (f = 0, t = 0 for an
// all-zero table). This rounding is part of the int8 path's definition:
// gemv_q8_reference decodes with f * t too, so every level computes the
// same function; the f32 path (gemv.h) keeps the exact table. Tables of 5
// bits and more stay exact (no SIMD kernel reads them). Accuracy cost:
// docs/GEMV.md.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"

namespace nibble::gemv {

constexpr int kQ8TableMaxBits = 4;

// Whether the int8 path rounds this weight's table.
bool q8_rounds_table(const codec::PackedWeights& w);

// The rounded table of `w` (2^bits <= 16 entries of `t`) and its factor.
void q8_table(const codec::PackedWeights& w, int8_t* t, float* factor);

}  // namespace nibble::gemv
