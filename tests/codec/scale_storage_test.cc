// Stored scales: f32 exact, f16 rounded, e8 = 2^((c - 128) / 8).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "codec/decode_range.h"
#include "codec/encode.h"
#include "codec/packed_weights.h"
#include "codec/scale_storage.h"

namespace nibble::codec {
namespace {

TEST(ScaleStorage, E8CodesAreEighthOctaves) {
  EXPECT_EQ(e8_code(1.0f), 128);
  EXPECT_FLOAT_EQ(e8_value(128), 1.0f);
  EXPECT_FLOAT_EQ(e8_value(136), 2.0f);
  EXPECT_FLOAT_EQ(e8_value(120), 0.5f);
  EXPECT_FLOAT_EQ(e8_value(0), std::ldexp(1.0f, -16));
  EXPECT_FLOAT_EQ(e8_value(255), static_cast<float>(std::exp2(127.0 / 8.0)));
  // Nearest step in the log domain: 2^(1/16) is the midpoint of 128 and 129.
  EXPECT_EQ(e8_code(static_cast<float>(std::exp2(1.0 / 16.0 - 1e-6))), 128);
  EXPECT_EQ(e8_code(static_cast<float>(std::exp2(1.0 / 16.0 + 1e-6))), 129);
  // Clamped at both ends; non-positive and NaN map to the smallest step.
  EXPECT_EQ(e8_code(1e-30f), 0);
  EXPECT_EQ(e8_code(1e30f), 255);
  EXPECT_EQ(e8_code(0.0f), 0);
  EXPECT_EQ(e8_code(std::nanf("")), 0);
  for (int c = 0; c < 256; ++c) EXPECT_EQ(e8_code(e8_value(static_cast<uint8_t>(c))), c);
  // Every stored value is within half a step (a factor 2^(1/16)) of the
  // scale asked for, inside the range.
  for (float s = 1e-4f; s < 1e4f; s *= 1.37f) {
    const float stored = stored_scale_value(s, ScaleType::kE8);
    EXPECT_LE(std::fabs(std::log2(stored / s)), 1.0 / 16.0 + 1e-6) << s;
  }
}

TEST(ScaleStorage, StoreAndLoadRoundTrip) {
  uint8_t buf[4];
  for (ScaleType t : {ScaleType::kF32, ScaleType::kF16, ScaleType::kE8}) {
    for (float s : {0.0123f, 1.0f, 3.75f, 1000.5f}) {
      store_scale(s, t, buf);
      EXPECT_EQ(load_scale(buf, t), stored_scale_value(s, t));
    }
  }
  EXPECT_EQ(scale_size(ScaleType::kE8), 1u);
  EXPECT_EQ(scale_size(ScaleType::kF16), 2u);
  EXPECT_EQ(scale_size(ScaleType::kF32), 4u);
}

TEST(ScaleStorage, E8ScalesEncodeAndDecodeConsistently) {
  WeightLayout l;
  l.format = Format::kInt;
  l.bits = 4;
  l.granularity = Granularity::kGroup;
  l.group_size = 16;
  l.scale_type = ScaleType::kE8;
  l.rows = 3;
  l.cols = 40;
  SegmentLayout seg;
  ASSERT_TRUE(compute_segment_layout(l, &seg, nullptr));
  EXPECT_EQ(seg.num_scales, 9u);    // 3 rows x ceil(40 / 16)
  EXPECT_EQ(seg.scales_bytes, 9u);  // one byte each
  std::vector<float> w(120), scales(9);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.37f * static_cast<float>(i)) * (1.0f + static_cast<float>(i % 7));
  for (size_t g = 0; g < scales.size(); ++g) scales[g] = 0.3f + 0.11f * static_cast<float>(g);
  EncodeParams p;
  p.scales = scales.data();
  std::vector<uint8_t> segment(seg.total_bytes);
  ASSERT_TRUE(encode_weights(l, seg, w.data(), p, segment.data()));
  PackedWeights view{l, seg, segment.data(), nullptr};
  std::vector<float> row(40), part(13);
  for (int64_t r = 0; r < 3; ++r) {
    decode_row(view, r, row.data());
    for (int64_t c = 0; c < 40; ++c) {
      const float s = stored_scale_value(scales[static_cast<size_t>(r * 3 + c / 16)], ScaleType::kE8);
      EXPECT_EQ(scale_at(view, r, c), s);
      // Inside the code range the error is at most half a step.
      if (std::fabs(w[r * 40 + c]) <= 7 * s) {
        EXPECT_LE(std::fabs(row[c] - w[r * 40 + c]), 0.5f * s + 1e-6f);
      }
    }
    decode_range(view, r, 9, 13, part.data());
    for (int64_t c = 0; c < 13; ++c) EXPECT_EQ(part[c], row[9 + c]);
  }
}

}  // namespace
}  // namespace nibble::codec
