// How a group's scale is stored: f32, f16, or e8 — one byte c meaning
// 2^((c - 128) / 8), eighth-octave steps from 2^-16 to 2^15.875. e8 makes
// small groups affordable: 16 weights share 8 bits of scale (0.5 bit per
// weight, what f16 costs for 32), and the scale search simply picks the
// best of the representable values. Its ±4.4% step costs far less SNR
// than halving the group gains (docs/CODECS.md has the measurements).
#pragma once

#include <cstdint>

#include "codec/weight_layout.h"

namespace nibble::codec {

// Bytes per stored scale (4, 2, 1); 0 for an unknown type.
uint32_t scale_size(ScaleType type);

// The value a decoder reads back after storing s (rounded to f16, or to
// the nearest e8 step in the log domain, clamped to its range).
float stored_scale_value(float s, ScaleType type);

void store_scale(float s, ScaleType type, uint8_t* p);
float load_scale(const uint8_t* p, ScaleType type);

// e8: the code of the nearest step (log domain, clamped) and its value.
uint8_t e8_code(float s);
float e8_value(uint8_t code);

}  // namespace nibble::codec
