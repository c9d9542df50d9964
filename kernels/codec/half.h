// IEEE binary16 and bfloat16 conversions, portable (no F16C needed): the
// converter stores ggml scales and f16/bf16 weights with these, and the
// reference decoder reads them back.
#pragma once

#include <cstdint>

namespace nibble::codec {

// Round to nearest, ties to even; overflow gives +-inf; NaN stays NaN.
uint16_t f32_to_f16(float x);
float f16_to_f32(uint16_t h);
// Round to nearest, ties to even; NaN stays NaN (quiet).
uint16_t f32_to_bf16(float x);
float bf16_to_f32(uint16_t h);

}  // namespace nibble::codec
