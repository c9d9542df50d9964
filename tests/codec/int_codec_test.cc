// IntCodec through encode_weights and decode_row: w = scale * (code - zp)
// in every scale granularity, f32 and f16 scales, codes checked against
// the definition with the stored scales, error within half a step, zeroed
// padding, rows longer than the coders' chunks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/encode.h"
#include "codec/half.h"
#include "codec/packed_weights.h"
#include "encoded_weights.h"

namespace nibble::codec {
namespace {

using namespace testing_support;

TEST(IntCodec, SymmetricIntFollowsTheDefinition) {
  const std::vector<float> w = random_weights(kRows, kCols, 3);
  for (int bits = 2; bits <= 8; ++bits) {
    for (const GranularityCase& g : kGranularities) {
      for (ScaleType st : {ScaleType::kF32, ScaleType::kF16}) {
        SCOPED_TRACE(testing::Message() << "bits " << bits << " granularity " << static_cast<int>(g.granularity)
                                        << " group " << g.group_size << " f16 " << (st == ScaleType::kF16));
        const WeightLayout l = layout_of(Format::kInt, bits, g.granularity, kRows, kCols, g.group_size, st);
        SegmentLayout seg;
        ASSERT_TRUE(compute_segment_layout(l, &seg, nullptr));
        // absmax / Q, widened 1% so that f16 rounding keeps every weight
        // inside the range.
        const int q_max = (1 << (bits - 1)) - 1;
        const std::vector<float> scales = absmax_scales(l, seg, w, 1.01f / static_cast<float>(q_max));
        EncodeParams params;
        params.scales = scales.data();
        Encoded e;
        ASSERT_TRUE(encode(l, w, params, &e));
        expect_padding_zero(e);
        const std::vector<float> out = e.decode();
        const int zp = 1 << (bits - 1);
        for (int64_t r = 0; r < kRows; ++r) {
          for (int64_t c = 0; c < kCols; ++c) {
            const uint64_t index = expected_scale_index(l, r, c);
            ASSERT_EQ(scale_index(l, e.seg, r, c), index);
            const float s = e.stored_scale(index);
            ASSERT_EQ(s, st == ScaleType::kF16 ? f16_to_f32(f32_to_f16(scales[index])) : scales[index]);
            ASSERT_EQ(scale_at(e.packed(), r, c), s);
            const float x = w[static_cast<size_t>(r * kCols + c)];
            const float code = std::fmin(std::fmax(std::nearbyint(x / s) + zp, 1.0f), static_cast<float>(2 * zp - 1));
            const float decoded = out[static_cast<size_t>(r * kCols + c)];
            ASSERT_EQ(decoded, (code - zp) * s) << r << "," << c;
            ASSERT_LE(std::fabs(decoded - x), 0.5f * s * (1.0f + 1e-6f)) << r << "," << c;
          }
        }
      }
    }
  }
}

TEST(IntCodec, AsymmetricIntStoresZeroPoints) {
  // Weights shifted off zero; per group: scale = (max - min) / (2^b - 1),
  // zero point = round(-min / scale).
  std::vector<float> w = random_weights(kRows, kCols, 4);
  for (float& x : w) x += 1.5f;
  for (int bits : {1, 3, 4, 8}) {
    for (const GranularityCase& g : kGranularities) {
      SCOPED_TRACE(testing::Message() << "bits " << bits << " granularity " << static_cast<int>(g.granularity));
      const WeightLayout l =
          layout_of(Format::kInt, bits, g.granularity, kRows, kCols, g.group_size, ScaleType::kF32, false);
      SegmentLayout seg;
      ASSERT_TRUE(compute_segment_layout(l, &seg, nullptr));
      const int max_code = (1 << bits) - 1;
      std::vector<float> lo(seg.num_scales, INFINITY), hi(seg.num_scales, -INFINITY);
      for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t c = 0; c < kCols; ++c) {
          const uint64_t i = expected_scale_index(l, r, c);
          lo[i] = std::fmin(lo[i], std::fmin(0.0f, w[static_cast<size_t>(r * kCols + c)]));
          hi[i] = std::fmax(hi[i], w[static_cast<size_t>(r * kCols + c)]);
        }
      }
      std::vector<float> scales(seg.num_scales);
      std::vector<uint8_t> zero_points(seg.num_scales);
      for (uint64_t i = 0; i < seg.num_scales; ++i) {
        scales[i] = (hi[i] - lo[i]) / static_cast<float>(max_code);
        zero_points[i] = static_cast<uint8_t>(std::fmin(std::nearbyint(-lo[i] / scales[i]), max_code));
      }
      EncodeParams params;
      params.scales = scales.data();
      params.zero_points = zero_points.data();
      Encoded e;
      ASSERT_TRUE(encode(l, w, params, &e));
      expect_padding_zero(e);
      for (uint64_t i = 0; i < seg.num_scales; ++i) ASSERT_EQ(e.bytes[seg.zero_points_offset + i], zero_points[i]);
      const std::vector<float> out = e.decode();
      int inside = 0;
      for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t c = 0; c < kCols; ++c) {
          const uint64_t i = expected_scale_index(l, r, c);
          const float x = w[static_cast<size_t>(r * kCols + c)];
          const float unclamped = std::nearbyint(x / scales[i]) + zero_points[i];
          const float code = std::fmin(std::fmax(unclamped, 0.0f), static_cast<float>(max_code));
          const float decoded = out[static_cast<size_t>(r * kCols + c)];
          ASSERT_EQ(decoded, (code - zero_points[i]) * scales[i]);
          if (unclamped == code) {  // inside the range: within half a step
            ASSERT_LE(std::fabs(decoded - x), 0.5f * scales[i] * (1.0f + 1e-6f));
            ++inside;
          }
        }
      }
      // Rounding the zero point can push an extreme weight just outside.
      EXPECT_GT(inside, kRows * kCols * 9 / 10);
    }
  }
}

TEST(IntCodec, SymmetricIntClampsToCodeOne) {
  // 3 bits, scale 1: zero point 4, codes 1..7 hold -3..3; code 0 (-4) is
  // never used, so the range stays symmetric.
  const WeightLayout l = layout_of(Format::kInt, 3, Granularity::kTensor, 1, 5);
  const float scale = 1.0f;
  EncodeParams params;
  params.scales = &scale;
  Encoded e;
  ASSERT_TRUE(encode(l, {-10.0f, -3.6f, -2.5f, 2.5f, 10.0f}, params, &e));
  // Codes 1, 1, 2 (-2.5 -> -2, ties to even), 6, 7 at bits 0, 3, 6, 9, 12:
  //   byte 0 = (2 & 3) << 6 | 1 << 3 | 1           = 0b10'001'001 = 0x89
  //   byte 1 = 7 << 4 | 6 << 1 | 2 >> 2, bit 15 = 0 = 0b0'111'110'0 = 0x7c
  EXPECT_EQ(e.bytes[0], 0x89);
  EXPECT_EQ(e.bytes[1], 0x7c);
  EXPECT_EQ(e.bytes[2], 0x00);
  EXPECT_EQ(e.decode(), (std::vector<float>{-3.0f, -3.0f, -2.0f, 2.0f, 3.0f}));
}

TEST(IntCodec, LongRowsCrossChunkBoundaries) {
  // Rows far longer than the encoder's and decoder's code chunks, of a
  // length that is not a multiple of 8, with odd code widths.
  const int64_t cols = 1001;
  const std::vector<float> w = random_weights(2, cols, 8);
  for (int bits : {3, 5, 7}) {
    const WeightLayout l = layout_of(Format::kInt, bits, Granularity::kGroup, 2, cols, 100);
    SegmentLayout seg;
    ASSERT_TRUE(compute_segment_layout(l, &seg, nullptr));
    const std::vector<float> scales = absmax_scales(l, seg, w, 1.0f / static_cast<float>((1 << (bits - 1)) - 1));
    EncodeParams params;
    params.scales = scales.data();
    Encoded e;
    ASSERT_TRUE(encode(l, w, params, &e));
    expect_padding_zero(e);
    const std::vector<float> out = e.decode();
    const int zp = 1 << (bits - 1);
    for (int64_t r = 0; r < 2; ++r) {
      const uint8_t* row = e.bytes.data() + static_cast<uint64_t>(r) * seg.row_bytes;
      for (int64_t c = 0; c < cols; ++c) {
        const float s = scales[expected_scale_index(l, r, c)];
        const float x = w[static_cast<size_t>(r * cols + c)];
        const int code = static_cast<int>(std::fmin(std::fmax(std::nearbyint(x / s) + zp, 1.0f), 2.0f * zp - 1));
        ASSERT_EQ(code_at(row, static_cast<uint64_t>(c), bits), code) << bits << ": " << r << "," << c;
        ASSERT_EQ(out[static_cast<size_t>(r * cols + c)], static_cast<float>(code - zp) * s);
      }
    }
  }
}

}  // namespace
}  // namespace nibble::codec
