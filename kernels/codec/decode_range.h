// Decoding part of a row: what a blocked kernel needs when it walks the
// reduction axis in chunks (the reference Conv2d packs at most 512 weights
// of 16 rows at a time), so no kernel ever holds a decoded copy of a whole
// tensor.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"

namespace nibble::codec {

// out[i] = weight (row, col0 + i) for i in [0, count); the range must lie
// inside the row. Bit-identical to the same elements of decode_row().
void decode_range(const PackedWeights& w, int64_t row, int64_t col0, int64_t count, float* out);

}  // namespace nibble::codec
