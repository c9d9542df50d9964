// ggml's Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 blocks (codec/ggml_blocks.h). The
// expected bytes below are worked out by hand from ggml's block structs
// (ggml-common.h) and reference quantizers (quantize_row_q*_ref in
// ggml-quants.c), never by calling the encoder:
//   block_q8_0 { fp16 d; int8 qs[32]; }                    34 bytes
//   block_q4_0 { fp16 d; u8 qs[16]; }                      18
//   block_q4_1 { fp16 d; fp16 m; u8 qs[16]; }              20
//   block_q5_0 { fp16 d; u8 qh[4]; u8 qs[16]; }            22
//   block_q5_1 { fp16 d; fp16 m; u8 qh[4]; u8 qs[16]; }    24
// qs[j] = low nibble of element j | low nibble of element j + 16 << 4;
// qh (u32 little-endian) bit j = fifth bit of element j.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "codec/ggml_blocks.h"
#include "codec/half.h"

namespace nibble::codec {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes encode_block(Format format, const float* x) {
  Bytes out(ggml_block_bytes(format), 0xEE);
  encode_ggml_block(format, x, out.data());
  return out;
}

// Header bytes, then `fill` for the rest of the block, then `quants`
// written over the start of the quants.
Bytes block_bytes(Bytes header, Bytes quants, uint8_t fill, size_t total) {
  Bytes out = header;
  out.resize(total, fill);
  for (size_t i = 0; i < quants.size(); ++i) out[header.size() + i] = quants[i];
  return out;
}

TEST(GgmlBlocks, Q8_0ByHand) {
  // amax = 127: d = 1 (fp16 0x3c00), id = 1, q = roundf(x), ties away from 0.
  float x[32] = {127.0f, -2.5f, 2.5f, 0.4f, -127.0f, 1.5f};
  EXPECT_EQ(encode_block(Format::kQ8_0, x), block_bytes({0x00, 0x3c}, {0x7f, 0xfd, 0x03, 0x00, 0x81, 0x02}, 0x00, 34));
}

TEST(GgmlBlocks, Q8_0ByHandWithInexactScale) {
  // amax = 1: d = 1/127 = 0.0078740157 in f32; as fp16: 2^-7 * (1 + 8/1024)
  // (the fraction 0.0079 * 1024 = 8.06 rounds to 8) = 0x2008. id = 1/d =
  // 127 exactly in f32: 0.3 -> 38.1 -> 38 (0x26), -0.25 -> -31.75 -> -32 (0xe0).
  float x[32] = {1.0f, 0.3f, -0.25f};
  EXPECT_EQ(encode_block(Format::kQ8_0, x), block_bytes({0x08, 0x20}, {0x7f, 0x26, 0xe0}, 0x00, 34));
}

TEST(GgmlBlocks, Q4_0ByHand) {
  // max = -4 (largest magnitude, sign kept): d = -4 / -8 = 0.5 (0x3800),
  // id = 2, q = MIN(15, trunc(2x + 8.5)):
  //   x0 = -4   -> 0.5  -> 0      x16 = 1    -> 10.5 -> 10
  //   x1 = 3.5  -> 15.5 -> 15     x17 = -1.3 -> 5.9  -> 5
  //   x2 = 0.25 -> 9.0  -> 9      zeros      -> 8.5  -> 8
  //   x3 = -0.25 -> 8   -> 8
  //   x4 = 0.75 -> 10   -> 10
  float x[32] = {-4.0f, 3.5f, 0.25f, -0.25f, 0.75f};
  x[16] = 1.0f;
  x[17] = -1.3f;
  EXPECT_EQ(encode_block(Format::kQ4_0, x), block_bytes({0x00, 0x38}, {0xa0, 0x5f, 0x89, 0x88, 0x8a}, 0x88, 18));
}

TEST(GgmlBlocks, Q4_0FirstOfEqualMagnitudesSetsTheSign) {
  // 2 and -2 tie on magnitude: the first (2) wins, d = 2 / -8 = -0.25
  // (0xb400), id = -4: 2 -> -8 + 8.5 -> 0; -2 -> 16.5 -> 16 -> MIN 15.
  float x[32] = {2.0f, -2.0f};
  EXPECT_EQ(encode_block(Format::kQ4_0, x), block_bytes({0x00, 0xb4}, {0x80, 0x8f}, 0x88, 18));
}

TEST(GgmlBlocks, AllZeroBlocksAsGgmlWritesThem) {
  const float x[32] = {};
  // Q4_0/Q5_0: d = 0 / -8 = -0 (fp16 0x8000), id = 0, every q = 8 (16).
  EXPECT_EQ(encode_block(Format::kQ4_0, x), block_bytes({0x00, 0x80}, {}, 0x88, 18));
  EXPECT_EQ(encode_block(Format::kQ5_0, x), block_bytes({0x00, 0x80, 0xff, 0xff, 0xff, 0xff}, {}, 0x00, 22));
  EXPECT_EQ(encode_block(Format::kQ8_0, x), Bytes(34, 0x00));
  EXPECT_EQ(encode_block(Format::kQ4_1, x), Bytes(20, 0x00));
  EXPECT_EQ(encode_block(Format::kQ5_1, x), Bytes(24, 0x00));
}

TEST(GgmlBlocks, Q4_1ByHand) {
  // min = -1, max = 14: d = 15 / 15 = 1 (0x3c00), m = -1 (0xbc00),
  // q = MIN(15, trunc(x + 1 + 0.5)):
  //   -1 -> 0, 14 -> 15, 0 -> 1, 2.5 -> 4, 2.4 -> 3 (3.9), x16 = 7 -> 8.
  float x[32] = {-1.0f, 14.0f, 0.0f, 2.5f, 2.4f};
  x[16] = 7.0f;
  EXPECT_EQ(encode_block(Format::kQ4_1, x),
            block_bytes({0x00, 0x3c, 0x00, 0xbc}, {0x80, 0x1f, 0x11, 0x14, 0x13}, 0x11, 20));
}

TEST(GgmlBlocks, Q5_0ByHand) {
  // max = -8: d = -8 / -16 = 0.5 (0x3800), id = 2,
  // q = MIN(31, trunc(2x + 16.5)):
  //   x0 = -8 -> 0; x1 = 7.75 -> 32 -> 31; x2 = 0.5 -> 17; zeros -> 16;
  //   x16 = -0.5 -> 15; x17 = 3 -> 22.
  // qh: bit j = q_j >> 4: elements 0..15 give 0xfffe (only q0 < 16),
  // elements 16..31 give 0xfffe << 16 (only q16 < 16): bytes fe ff fe ff.
  // qs: q0 | q16 << 4 = 0x0 | 0xf0; q1 | q17 << 4 = 0xf | 0x60;
  //     q2 | q18 << 4 = 0x1 | 0x00; zeros: 0x00.
  float x[32] = {-8.0f, 7.75f, 0.5f};
  x[16] = -0.5f;
  x[17] = 3.0f;
  EXPECT_EQ(encode_block(Format::kQ5_0, x),
            block_bytes({0x00, 0x38, 0xfe, 0xff, 0xfe, 0xff}, {0xf0, 0x6f, 0x01}, 0x00, 22));
}

TEST(GgmlBlocks, Q5_1ByHand) {
  // min = -2, max = 29: d = 31 / 31 = 1 (0x3c00), m = -2 (0xc000),
  // q = trunc(x + 2 + 0.5): -2 -> 0, 29 -> 31, 0.5 -> 3, zeros -> 2,
  // x16 = 14 -> 16, x17 = 1.49 -> 3 (3.99).
  // qh: only q1 (bit 1) and q16 (bit 16) reach 16: 0x00010002.
  // qs: 0x0 | 0x0 << 4, 0xf | 0x3 << 4, 0x3 | 0x2 << 4, then 0x22.
  float x[32] = {-2.0f, 29.0f, 0.5f};
  x[16] = 14.0f;
  x[17] = 1.49f;
  EXPECT_EQ(encode_block(Format::kQ5_1, x),
            block_bytes({0x00, 0x3c, 0x00, 0xc0, 0x02, 0x00, 0x01, 0x00}, {0x00, 0x3f, 0x23}, 0x22, 24));
}

TEST(GgmlBlocks, DecodeHandWrittenBlocks) {
  float out[32];
  // Q4_0, d = 0.5: byte 0 = 0xa0 holds q0 = 0 (-> -4) and q16 = 10 (-> 1).
  const Bytes q4_0 = block_bytes({0x00, 0x38}, {0xa0}, 0x88, 18);
  decode_ggml_block(Format::kQ4_0, q4_0.data(), out);
  EXPECT_EQ(out[0], -4.0f);
  EXPECT_EQ(out[16], 1.0f);
  EXPECT_EQ(out[1], 0.0f);
  // Q4_0 with a negative d (the signed max was positive): code 8 decodes to
  // 0 * d = -0, as ggml's dequantize_row_q4_0 gives.
  const Bytes negative_d = block_bytes({0x00, 0xb4}, {0x80}, 0x88, 18);
  decode_ggml_block(Format::kQ4_0, negative_d.data(), out);
  EXPECT_EQ(out[0], 2.0f);   // q0 = 0: (0 - 8) * -0.25
  EXPECT_EQ(out[16], 0.0f);  // q16 = 8
  EXPECT_TRUE(std::signbit(out[16]));
  // Q5_1, d = 1, m = -2: q1 = 0xf | 16 = 31 -> 29; q16 = 0 | 16 -> 14.
  const Bytes q5_1 = block_bytes({0x00, 0x3c, 0x00, 0xc0, 0x02, 0x00, 0x01, 0x00}, {0x00, 0x3f}, 0x22, 24);
  decode_ggml_block(Format::kQ5_1, q5_1.data(), out);
  EXPECT_EQ(out[0], -2.0f);
  EXPECT_EQ(out[1], 29.0f);
  EXPECT_EQ(out[16], 14.0f);
  EXPECT_EQ(out[17], 1.0f);  // q17 = 3
  EXPECT_EQ(out[3], 0.0f);   // q3 = 2 (fill byte 0x22)
  // Q8_0, d = 0x2008: q = -32 -> -32 * 0.00787353515625.
  const Bytes q8_0 = block_bytes({0x08, 0x20}, {0xe0}, 0x00, 34);
  decode_ggml_block(Format::kQ8_0, q8_0.data(), out);
  EXPECT_EQ(out[0], -32.0f * 0.00787353515625f);
}

struct FormatCase {
  Format format;
  int bits;
  bool affine;  // _1: d and a min m
};

const FormatCase kFormats[] = {
    {Format::kQ8_0, 8, false}, {Format::kQ4_0, 4, false}, {Format::kQ4_1, 4, true},
    {Format::kQ5_0, 5, false}, {Format::kQ5_1, 5, true},
};

// |x - decode(encode(x))| for one block, against the bound of the format:
// half a step, plus what fp16 rounding of d (up to q_max steps of it) and m
// costs. Q4_0/Q5_0 have one exception: codes stop at 2^(b-1) - 1 on the
// side opposite the signed max, so x / d in (2^(b-1) - 0.5, 2^(b-1)] is
// clamped and can lose up to a whole step.
void expect_block_error_bounded(const FormatCase& f, const float* x) {
  std::vector<uint8_t> block(ggml_block_bytes(f.format));
  encode_ggml_block(f.format, x, block.data());
  float out[32];
  decode_ggml_block(f.format, block.data(), out);

  float amax = 0, signed_max = 0, min = x[0], max = x[0];
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      signed_max = x[j];
    }
    min = std::fmin(min, x[j]);
    max = std::fmax(max, x[j]);
  }
  float d;
  if (f.format == Format::kQ8_0) {
    d = amax / 127.0f;
  } else if (f.affine) {
    d = (max - min) / static_cast<float>((1 << f.bits) - 1);
  } else {
    d = signed_max / -static_cast<float>(1 << (f.bits - 1));
  }
  const float stored_d = f16_to_f32(f32_to_f16(d));
  const float stored_m = f16_to_f32(f32_to_f16(min));
  const float q_max = static_cast<float>(1 << f.bits);
  const float slack = q_max * std::fabs(d - stored_d) + (f.affine ? std::fabs(min - stored_m) : 0.0f) + 1e-6f * amax;
  for (int j = 0; j < 32; ++j) {
    float steps = 0.5f;
    if (!f.affine && f.format != Format::kQ8_0) {
      const float t = x[j] / d;
      const float top = static_cast<float>((1 << (f.bits - 1)) - 1);
      if (t > top + 0.5f) steps = t - top;
    }
    ASSERT_LE(std::fabs(out[j] - x[j]), steps * std::fabs(d) + slack) << "element " << j << " x " << x[j];
  }
}

TEST(GgmlBlocks, DecodeOfEncodeErrorIsBounded) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const FormatCase& f : kFormats) {
    SCOPED_TRACE(static_cast<int>(f.format));
    for (int trial = 0; trial < 500; ++trial) {
      const float spread = std::ldexp(1.0f, trial % 16 - 8);        // 2^-8 .. 2^7
      const float shift = (trial % 3 == 0) ? 3.0f * spread : 0.0f;  // blocks off zero for the _1 formats
      float x[32];
      for (float& v : x) v = normal(rng) * spread + shift;
      expect_block_error_bounded(f, x);
    }
  }
}

TEST(GgmlBlocks, RowsZeroPadTheLastBlock) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  for (const FormatCase& f : kFormats) {
    for (int64_t n : {1, 33, 64}) {
      SCOPED_TRACE(testing::Message() << "format " << static_cast<int>(f.format) << " n " << n);
      const int64_t blocks = (n + 31) / 32;
      std::vector<float> x(static_cast<size_t>(blocks * 32), 0.0f);  // zero padded copy
      for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = uniform(rng);

      const size_t row_bytes = static_cast<size_t>(blocks) * ggml_block_bytes(f.format);
      std::vector<uint8_t> row(row_bytes + 1, 0xEE);
      encode_ggml_row(f.format, x.data(), n, row.data());
      EXPECT_EQ(row[row_bytes], 0xEE);  // nothing past the last block
      // Same bytes as encoding the explicitly zero-padded row, block by block.
      std::vector<uint8_t> padded(row_bytes);
      for (int64_t b = 0; b < blocks; ++b) {
        encode_ggml_block(f.format, x.data() + 32 * b, padded.data() + b * ggml_block_bytes(f.format));
      }
      EXPECT_TRUE(std::equal(padded.begin(), padded.end(), row.begin()));

      std::vector<float> out(static_cast<size_t>(n) + 1, 123.0f);
      decode_ggml_row(f.format, row.data(), n, out.data());
      EXPECT_EQ(out[static_cast<size_t>(n)], 123.0f);  // exactly n floats written
      std::vector<float> full(static_cast<size_t>(blocks * 32));
      for (int64_t b = 0; b < blocks; ++b) {
        decode_ggml_block(f.format, row.data() + b * ggml_block_bytes(f.format), full.data() + 32 * b);
      }
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(out[static_cast<size_t>(i)], full[static_cast<size_t>(i)]);
      for (int64_t b = 0; b < blocks; ++b) expect_block_error_bounded(f, x.data() + 32 * b);
    }
  }
}

}  // namespace
}  // namespace nibble::codec
