// encode_weights (codec/encode.h) with the reference decoder decode_row /
// scale_at (codec/packed_weights.h): the float and ggml formats, seeded
// stochastic rounding, and the parameters encode_weights rejects. The int
// and table codes have their own files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/encode.h"
#include "codec/ggml_blocks.h"
#include "codec/half.h"
#include "codec/packed_weights.h"
#include "encoded_weights.h"

namespace nibble::codec {
namespace {

using namespace testing_support;

// ---------------------------------------------------------------- float

TEST(EncodeDecode, FloatFormatsStoreEachWeight) {
  std::vector<float> w = random_weights(3, 5, 1);
  w[2] = INFINITY;
  w[3] = -0.0f;
  for (Format f : {Format::kF32, Format::kF16, Format::kBF16}) {
    Encoded e;
    ASSERT_TRUE(encode(layout_of(f, f == Format::kF32 ? 32 : 16, Granularity::kChannel, 3, 5), w, {}, &e));
    const std::vector<float> out = e.decode();
    for (size_t i = 0; i < w.size(); ++i) {
      const float expected = f == Format::kF32   ? w[i]
                             : f == Format::kF16 ? f16_to_f32(f32_to_f16(w[i]))
                                                 : bf16_to_f32(f32_to_bf16(w[i]));
      ASSERT_EQ(out[i], expected) << i;
      ASSERT_EQ(std::signbit(out[i]), std::signbit(expected)) << i;
    }
    EXPECT_EQ(scale_at(e.packed(), 1, 2), 1.0f);
  }
  // The f32 bytes are the little-endian floats themselves.
  Encoded e;
  ASSERT_TRUE(encode(layout_of(Format::kF32, 32, Granularity::kChannel, 1, 1), {1.0f}, {}, &e));
  EXPECT_EQ(e.bytes, (std::vector<uint8_t>{0x00, 0x00, 0x80, 0x3f}));
}

// ----------------------------------------------------------------- ggml

TEST(EncodeDecode, GgmlRowsAreGgmlRowEncodings) {
  for (Format f : {Format::kQ8_0, Format::kQ4_0, Format::kQ4_1, Format::kQ5_0, Format::kQ5_1}) {
    for (int64_t cols : {1, 33, 64}) {
      SCOPED_TRACE(testing::Message() << "format " << static_cast<int>(f) << " cols " << cols);
      const std::vector<float> w = random_weights(3, cols, 2);
      Encoded e;
      ASSERT_TRUE(encode(layout_of(f, 0, Granularity::kChannel, 3, cols), w, {}, &e));
      expect_padding_zero(e);
      const std::vector<float> out = e.decode();
      for (int64_t r = 0; r < 3; ++r) {
        std::vector<uint8_t> row(e.seg.row_bytes);
        encode_ggml_row(f, w.data() + r * cols, cols, row.data());
        ASSERT_TRUE(std::equal(row.begin(), row.end(), e.bytes.begin() + static_cast<int64_t>(r * e.seg.row_bytes)));
        std::vector<float> expected(static_cast<size_t>(cols));
        decode_ggml_row(f, row.data(), cols, expected.data());
        for (int64_t c = 0; c < cols; ++c) {
          ASSERT_EQ(out[static_cast<size_t>(r * cols + c)], expected[static_cast<size_t>(c)]);
          // The scale of a weight is its block's d.
          const uint8_t* block = row.data() + (c / 32) * ggml_block_bytes(f);
          ASSERT_EQ(scale_at(e.packed(), r, c), f16_to_f32(static_cast<uint16_t>(block[0] | (block[1] << 8))));
        }
      }
    }
  }
}

// -------------------------------------------------------------- rounding

TEST(EncodeDecode, StochasticRoundingIsReproducibleAndUnbiased) {
  // 4-bit ints with scale 1: every weight 0.3 rounds to 0 or 1.
  const int64_t cols = 100000;
  const std::vector<float> w(cols, 0.3f);
  const WeightLayout l = layout_of(Format::kInt, 4, Granularity::kTensor, 1, cols);
  const float scale = 1.0f;
  auto encode_with_seed = [&](uint64_t seed) {
    Rounder rounder(RoundingMode::kStochastic, seed);
    EncodeParams params;
    params.scales = &scale;
    params.rounder = &rounder;
    Encoded e;
    EXPECT_TRUE(encode(l, w, params, &e));
    return e;
  };
  const Encoded a = encode_with_seed(10);
  EXPECT_EQ(a.bytes, encode_with_seed(10).bytes);
  EXPECT_NE(a.bytes, encode_with_seed(11).bytes);
  double sum = 0;
  for (float x : a.decode()) {
    ASSERT_TRUE(x == 0.0f || x == 1.0f);
    sum += x;
  }
  // Standard error 0.46 / sqrt(1e5) = 0.0015; 0.01 is > 6 sigma.
  EXPECT_NEAR(sum / cols, 0.3, 0.01);
}

// ------------------------------------------------------------ rejection

TEST(EncodeDecode, RejectsMissingOrInvalidParameters) {
  const std::vector<float> w = random_weights(2, 9, 6);
  const std::vector<float> good_scales = {0.5f, 0.25f};
  const std::vector<uint8_t> zero_points = {3, 4};
  const WeightLayout int4 = layout_of(Format::kInt, 4, Granularity::kChannel, 2, 9);
  EncodeParams params;
  params.scales = good_scales.data();
  Encoded e;
  ASSERT_TRUE(encode(int4, w, params, &e));

  EncodeParams none;
  EXPECT_FALSE(encode(int4, w, none, &e));  // no scales
  for (float bad : {0.0f, -1.0f, NAN, INFINITY}) {
    const std::vector<float> scales = {0.5f, bad};
    EncodeParams p;
    p.scales = scales.data();
    EXPECT_FALSE(encode(int4, w, p, &e)) << bad;
  }
  // Scales that f16 storage turns into infinity or zero.
  const WeightLayout int4_f16 = layout_of(Format::kInt, 4, Granularity::kChannel, 2, 9, 0, ScaleType::kF16);
  for (float bad : {1e6f, 1e-9f}) {
    const std::vector<float> scales = {0.5f, bad};
    EncodeParams p;
    p.scales = scales.data();
    EXPECT_FALSE(encode(int4_f16, w, p, &e)) << bad;
  }
  // Asymmetric: zero points required and below 2^bits.
  const WeightLayout asym3 = layout_of(Format::kInt, 3, Granularity::kChannel, 2, 9, 0, ScaleType::kF32, false);
  EXPECT_FALSE(encode(asym3, w, params, &e));
  EncodeParams with_zp = params;
  with_zp.zero_points = zero_points.data();
  EXPECT_TRUE(encode(asym3, w, with_zp, &e));
  const std::vector<uint8_t> big_zp = {3, 8};
  with_zp.zero_points = big_zp.data();
  EXPECT_FALSE(encode(asym3, w, with_zp, &e));
  // A weight no code holds.
  std::vector<float> nan_weights = w;
  nan_weights[5] = NAN;
  EXPECT_FALSE(encode(int4, nan_weights, params, &e));
  EXPECT_FALSE(encode(layout_of(Format::kQ4_0, 0, Granularity::kChannel, 2, 9), nan_weights, {}, &e));
  EXPECT_TRUE(encode(layout_of(Format::kF32, 32, Granularity::kChannel, 2, 9), nan_weights, {}, &e));
  // Finite weights whose block scale overflows fp16: Q8_0 d = 1e7 / 127 >
  // 65504; Q4_1 m = -1e5.
  std::vector<float> huge = w;
  huge[3] = 1e7f;
  EXPECT_FALSE(encode(layout_of(Format::kQ8_0, 0, Granularity::kChannel, 2, 9), huge, {}, &e));
  huge[3] = -1e5f;
  EXPECT_FALSE(encode(layout_of(Format::kQ4_1, 0, Granularity::kChannel, 2, 9), huge, {}, &e));
  EXPECT_TRUE(encode(layout_of(Format::kQ8_0, 0, Granularity::kChannel, 2, 9), huge, {}, &e));  // d = 787

  // Tables.
  const WeightLayout table4 = layout_of(Format::kTable, 4, Granularity::kChannel, 2, 9);
  EncodeParams lut = params;
  lut.table_kind = TableKind::kLut;
  EXPECT_FALSE(encode(table4, w, lut, &e));  // no table
  std::vector<float> table(16, 0.5f);
  lut.table = table.data();
  EXPECT_TRUE(encode(table4, w, lut, &e));
  table[3] = NAN;
  EXPECT_FALSE(encode(table4, w, lut, &e));
  EncodeParams pqnt = params;
  pqnt.table_kind = TableKind::kPqnt;
  pqnt.parameter = 0.0f;
  EXPECT_FALSE(encode(table4, w, pqnt, &e));
  pqnt.parameter = 0.5f;
  EXPECT_TRUE(encode(table4, w, pqnt, &e));
  EncodeParams log2 = params;
  log2.table_kind = TableKind::kLog2;
  log2.parameter = -1.0f;
  EXPECT_FALSE(encode(table4, w, log2, &e));
  EncodeParams lsq = params;
  lsq.table_kind = TableKind::kLsq;
  EXPECT_FALSE(encode(layout_of(Format::kTable, 1, Granularity::kChannel, 2, 9), w, lsq, &e));  // B = 0

  // A segment layout that is not the layout's.
  SegmentLayout seg;
  ASSERT_TRUE(compute_segment_layout(int4, &seg, nullptr));
  seg.total_bytes += 64;
  std::vector<uint8_t> bytes(seg.total_bytes);
  EXPECT_FALSE(encode_weights(int4, seg, w.data(), params, bytes.data()));
}

}  // namespace
}  // namespace nibble::codec
