// ggml's legacy block formats, following quantize_row_q*_ref and
// dequantize_row_q* in ggml-quants.c (ggml's "reference" quantizers, the
// ones that make model files deterministic) operation by operation: the
// same f32 expressions in the same order, so the bytes are identical.
//
// Where ggml's casts are undefined behaviour (a NaN or an out-of-range
// float converted to int8_t: non-finite weights, or a block whose scale is
// so small that 1/d overflows), the conversions below saturate instead.
// They agree with ggml for every input ggml defines.
#include "codec/ggml_blocks.h"

#include <cmath>
#include <cstring>

#include "codec/half.h"

namespace nibble::codec {

namespace {

constexpr int kHalfBlock = kGgmlBlock / 2;  // 16 bytes of nibbles

void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// ggml's `MIN(hi, (int8_t)t)` / `(uint8_t)t`: truncation toward zero.
// For the t ggml produces from finite weights (t > -1), truncation is
// floor and the result is 0..hi.
int truncate_to_code(float t, int hi) {
  if (!(t > 0.0f)) return 0;  // also NaN
  if (t >= static_cast<float>(hi)) return hi;
  return static_cast<int>(t);
}

// ggml's `(int8_t)roundf(t)`: nearest, ties away from zero, |q| <= 127.
int round_to_q8(float t) {
  if (std::isnan(t)) return 0;
  if (t >= 127.0f) return 127;
  if (t <= -127.0f) return -127;
  return static_cast<int>(std::round(t));
}

// The element of largest magnitude with its sign. On equal magnitudes the
// first one wins (ggml compares with a strict `<`), which decides the sign
// of d in Q4_0/Q5_0.
float signed_absmax(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kGgmlBlock; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// 1/d, or 0 for an all-zero block (d is then +0 or -0: both are false).
float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

void encode_q8_0(const float* x, uint8_t* out) {
  float amax = 0.0f;
  for (int j = 0; j < kGgmlBlock; ++j) amax = amax > std::fabs(x[j]) ? amax : std::fabs(x[j]);
  const float d = amax / 127.0f;
  const float id = inverse_or_zero(d);
  store_u16(out, f32_to_f16(d));
  for (int j = 0; j < kGgmlBlock; ++j) {
    const float t = x[j] * id;
    out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(round_to_q8(t)));
  }
}

// Q4_0 and Q5_0: q = MIN(2^b - 1, trunc(x * id + 2^(b-1) + 0.5)) with
// d = max / -2^(b-1). Writes the low nibbles to qs and returns the fifth
// bits as ggml's qh (bit j for element j).
uint32_t encode_symmetric_nibbles(const float* x, int bits, uint8_t* d_out, uint8_t* qs) {
  const float levels_below_zero = static_cast<float>(1 << (bits - 1));  // 8 or 16
  const int max_code = (1 << bits) - 1;
  const float d = signed_absmax(x) / -levels_below_zero;
  const float id = inverse_or_zero(d);
  store_u16(d_out, f32_to_f16(d));
  const float offset = levels_below_zero + 0.5f;  // 8.5f or 16.5f, as ggml writes it
  uint32_t qh = 0;
  for (int j = 0; j < kHalfBlock; ++j) {
    const float x0 = x[j] * id;
    const float x1 = x[j + kHalfBlock] * id;
    const int q0 = truncate_to_code(x0 + offset, max_code);
    const int q1 = truncate_to_code(x1 + offset, max_code);
    qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
    qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kHalfBlock);
  }
  return qh;
}

// Q4_1 and Q5_1: d = (max - min) / (2^b - 1), m = min,
// q = MIN(2^b - 1, trunc((x - min) * id + 0.5)).
uint32_t encode_affine_nibbles(const float* x, int bits, uint8_t* dm_out, uint8_t* qs) {
  const int max_code = (1 << bits) - 1;
  float min = 3.40282347e+38f;  // FLT_MAX, as ggml starts
  float max = -3.40282347e+38f;
  for (int j = 0; j < kGgmlBlock; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / static_cast<float>(max_code);
  const float id = inverse_or_zero(d);
  store_u16(dm_out, f32_to_f16(d));
  store_u16(dm_out + 2, f32_to_f16(min));
  uint32_t qh = 0;
  for (int j = 0; j < kHalfBlock; ++j) {
    const float x0 = (x[j] - min) * id;
    const float x1 = (x[j + kHalfBlock] - min) * id;
    const int q0 = truncate_to_code(x0 + 0.5f, max_code);
    const int q1 = truncate_to_code(x1 + 0.5f, max_code);
    qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
    qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kHalfBlock);
  }
  return qh;
}

// Code of element j from its nibble byte and the block's qh (0 for Q4).
int code_of(const uint8_t* qs, uint32_t qh, int j) {
  const int low = j < kHalfBlock ? (qs[j] & 0x0F) : (qs[j - kHalfBlock] >> 4);
  return low | static_cast<int>(((qh >> j) & 1u) << 4);
}

// Q4_0/Q5_0: (q - zero) * d. No "+ 0": d is negative when the signed max
// is positive, and ggml's 0 * d = -0 must stay -0.
void decode_symmetric_nibbles(const uint8_t* qs, uint32_t qh, int zero, float d, float* out) {
  for (int j = 0; j < kGgmlBlock; ++j) out[j] = static_cast<float>(code_of(qs, qh, j) - zero) * d;
}

// Q4_1/Q5_1: q * d + m, in two statements so that no compiler contracts
// them into an FMA (clang does within one expression): the reference stays
// bit-identical across compilers and targets.
void decode_affine_nibbles(const uint8_t* qs, uint32_t qh, float d, float m, float* out) {
  for (int j = 0; j < kGgmlBlock; ++j) {
    const float scaled = static_cast<float>(code_of(qs, qh, j)) * d;
    out[j] = scaled + m;
  }
}

}  // namespace

void encode_ggml_block(Format format, const float* x, uint8_t* out) {
  switch (format) {
    case Format::kQ8_0: encode_q8_0(x, out); break;
    case Format::kQ4_0: encode_symmetric_nibbles(x, 4, out, out + 2); break;
    case Format::kQ5_0: store_u32(out + 2, encode_symmetric_nibbles(x, 5, out, out + 6)); break;
    case Format::kQ4_1: encode_affine_nibbles(x, 4, out, out + 4); break;
    case Format::kQ5_1: store_u32(out + 4, encode_affine_nibbles(x, 5, out, out + 8)); break;
    default: break;
  }
}

void decode_ggml_block(Format format, const uint8_t* block, float* out) {
  const float d = f16_to_f32(load_u16(block));
  switch (format) {
    case Format::kQ8_0:
      for (int j = 0; j < kGgmlBlock; ++j) out[j] = static_cast<float>(static_cast<int8_t>(block[2 + j])) * d;
      break;
    case Format::kQ4_0: decode_symmetric_nibbles(block + 2, 0, 8, d, out); break;
    case Format::kQ5_0: decode_symmetric_nibbles(block + 6, load_u32(block + 2), 16, d, out); break;
    case Format::kQ4_1: decode_affine_nibbles(block + 4, 0, d, f16_to_f32(load_u16(block + 2)), out); break;
    case Format::kQ5_1:
      decode_affine_nibbles(block + 8, load_u32(block + 4), d, f16_to_f32(load_u16(block + 2)), out);
      break;
    default: break;
  }
}

void encode_ggml_row(Format format, const float* x, int64_t n, uint8_t* out) {
  const uint32_t block_bytes = ggml_block_bytes(format);
  int64_t i = 0;
  for (; i + kGgmlBlock <= n; i += kGgmlBlock) {
    encode_ggml_block(format, x + i, out);
    out += block_bytes;
  }
  if (i < n) {
    // The padding zeros take part in the block's max/min, as they would if
    // the row had been zero-padded before calling ggml.
    float padded[kGgmlBlock] = {};
    std::memcpy(padded, x + i, static_cast<size_t>(n - i) * sizeof(float));
    encode_ggml_block(format, padded, out);
  }
}

void decode_ggml_row(Format format, const uint8_t* blocks, int64_t n, float* out) {
  const uint32_t block_bytes = ggml_block_bytes(format);
  int64_t i = 0;
  for (; i + kGgmlBlock <= n; i += kGgmlBlock) {
    decode_ggml_block(format, blocks, out + i);
    blocks += block_bytes;
  }
  if (i < n) {
    float block[kGgmlBlock];
    decode_ggml_block(format, blocks, block);
    std::memcpy(out + i, block, static_cast<size_t>(n - i) * sizeof(float));
  }
}

}  // namespace nibble::codec
