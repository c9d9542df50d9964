// Embedding lookup on an encoded table: out[i, :] = W[ids[i], :], each
// row decoded straight from its codes into the output (never a decoded
// copy of the table). W is rows x cols = vocabulary x width, any codec.
//
// One row per token is a few microseconds of decoding against a whole
// transformer step, so this uses the codec's definition (decode_row) on
// every level: SIMD would not show in any end-to-end figure.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"

namespace nibble::embedding {

// False (out untouched) if any id is outside [0, rows); the caller reports
// which (first_bad_index).
bool lookup(const codec::PackedWeights& w, const int64_t* ids, int64_t count, float* out,
            int64_t* first_bad_index = nullptr);

// The same for int32 ids: a model's I32 input tensor, read in place.
bool lookup(const codec::PackedWeights& w, const int32_t* ids, int64_t count, float* out,
            int64_t* first_bad_index = nullptr);

}  // namespace nibble::embedding
