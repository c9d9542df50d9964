// ggml's block formats Q8_0, Q4_0, Q4_1, Q5_0, Q5_1: 32 weights per block,
// byte-compatible with ggml's block_q8_0 ... block_q5_1 (little-endian
// fp16 scale d, then min m for the _1 formats, then the high bits qh for
// Q5, then the quants), and ggml's reference rounding rules:
//   Q8_0: d = absmax / 127, q = round(x * id) (ties away from zero).
//   Q4_0/Q5_0: d = max / -2^(b-1) where max is the value of largest
//     magnitude (sign kept; the first one on equal magnitudes),
//     q = min(2^b - 1, trunc(x * id + 2^(b-1) + 0.5)).
//   Q4_1/Q5_1: d = (max - min) / (2^b - 1), m = min,
//     q = min(2^b - 1, trunc((x - min) * id + 0.5)).
// id = 1 / d in f32 (0 when d = 0): encoding multiplies by the reciprocal
// of the f32 scale (not x / d: the last bit differs, and with it some
// codes); decoding multiplies by its fp16 rounding, as ggml does.
// An all-zero Q4_0/Q5_0 block stores d = -0 (0x8000), as ggml does.
#pragma once

#include <cstdint>

#include "codec/weight_layout.h"

namespace nibble::codec {

// Encodes one block of 32 floats into ggml_block_bytes(format) bytes.
void encode_ggml_block(Format format, const float* x, uint8_t* out);
// Decodes one block into 32 floats.
void decode_ggml_block(Format format, const uint8_t* block, float* out);

// A row of n weights (n need not be a multiple of 32: the last block is
// zero-padded) into ceil(n / 32) blocks; and back (n floats written).
void encode_ggml_row(Format format, const float* x, int64_t n, uint8_t* out);
void decode_ggml_row(Format format, const uint8_t* blocks, int64_t n, float* out);

}  // namespace nibble::codec
