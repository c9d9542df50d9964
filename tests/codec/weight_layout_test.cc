// Segment layouts (codec/weight_layout.h): what compute_segment_layout
// rejects, and the exact sizes and 64-aligned offsets it computes.
#include <gtest/gtest.h>

#include <cstdint>

#include "codec/weight_layout.h"

namespace nibble::codec {
namespace {

WeightLayout coded(Format format, int bits, Granularity granularity, int64_t rows, int64_t cols) {
  WeightLayout l;
  l.format = format;
  l.bits = bits;
  l.granularity = granularity;
  l.rows = rows;
  l.cols = cols;
  return l;
}

// Rejected: false, a reason, and the output left as it was.
void expect_rejected(const WeightLayout& l) {
  SegmentLayout seg;
  seg.total_bytes = 12345;
  const char* why = nullptr;
  EXPECT_FALSE(compute_segment_layout(l, &seg, &why));
  EXPECT_NE(why, nullptr);
  EXPECT_EQ(seg.total_bytes, 12345u);
}

TEST(WeightLayout, RejectsInvalidFields) {
  for (Format f : {Format::kInt, Format::kTable}) {
    expect_rejected(coded(f, 0, Granularity::kChannel, 4, 4));
    expect_rejected(coded(f, 33, Granularity::kChannel, 4, 4));
    expect_rejected(coded(f, -1, Granularity::kChannel, 4, 4));
  }
  expect_rejected(coded(Format::kInt, 9, Granularity::kChannel, 4, 4));
  expect_rejected(coded(Format::kTable, 10, Granularity::kChannel, 4, 4));
  WeightLayout group = coded(Format::kInt, 4, Granularity::kGroup, 4, 4);
  group.group_size = 0;
  expect_rejected(group);
  group.group_size = -32;
  expect_rejected(group);
  expect_rejected(coded(Format::kF32, 32, Granularity::kChannel, 0, 4));
  expect_rejected(coded(Format::kF32, 32, Granularity::kChannel, 4, 0));
  expect_rejected(coded(Format::kInt, 4, Granularity::kChannel, -1, 4));
  expect_rejected(coded(Format::kInt, 4, static_cast<Granularity>(9), 4, 4));
  WeightLayout bad_scale = coded(Format::kInt, 4, Granularity::kChannel, 4, 4);
  bad_scale.scale_type = static_cast<ScaleType>(5);
  expect_rejected(bad_scale);
  expect_rejected(coded(static_cast<Format>(42), 8, Granularity::kChannel, 4, 4));
}

TEST(WeightLayout, RejectsOverflow) {
  const int64_t huge = int64_t{1} << 62;
  expect_rejected(coded(Format::kF32, 32, Granularity::kChannel, huge, huge));
  expect_rejected(coded(Format::kF16, 16, Granularity::kChannel, huge, huge));
  expect_rejected(coded(Format::kQ4_0, 0, Granularity::kChannel, huge, huge));
  expect_rejected(coded(Format::kInt, 8, Granularity::kChannel, huge, huge));
  expect_rejected(coded(Format::kTable, 9, Granularity::kTensor, huge, huge));
  WeightLayout groups = coded(Format::kInt, 1, Granularity::kGroup, huge, huge);
  groups.group_size = 1;
  expect_rejected(groups);
  // One huge dimension alone: 2^62 f32 weights are 2^64 bytes.
  expect_rejected(coded(Format::kF32, 32, Granularity::kChannel, 1, huge));
}

TEST(WeightLayout, IntPerChannel) {
  // 3 rows of 10 4-bit codes: ceil(10 / 8) * 4 = 8 bytes a row, 24 bytes;
  // 3 f32 scales at 64; symmetric: no zero points.
  SegmentLayout s;
  ASSERT_TRUE(compute_segment_layout(coded(Format::kInt, 4, Granularity::kChannel, 3, 10), &s, nullptr));
  EXPECT_EQ(s.row_bytes, 8u);
  EXPECT_EQ(s.codes_bytes, 24u);
  EXPECT_EQ(s.groups_per_row, 1u);
  EXPECT_EQ(s.num_scales, 3u);
  EXPECT_EQ(s.scales_offset, 64u);
  EXPECT_EQ(s.scales_bytes, 12u);
  EXPECT_EQ(s.zero_points_bytes, 0u);
  EXPECT_EQ(s.total_bytes, 76u);
  EXPECT_DOUBLE_EQ(bits_per_weight(coded(Format::kInt, 4, Granularity::kChannel, 3, 10), s, 0), 8.0 * (24 + 12) / 30.0);
}

TEST(WeightLayout, AsymmetricIntPerGroupWithF16Scales) {
  // 2 rows of 10 3-bit codes in groups of 4 (3 groups, the last of 2):
  // 2 * 3 = 6 bytes a row; 6 f16 scales at 64 (12 bytes, to 76); 6 zero
  // points at the next 64 boundary, 128.
  WeightLayout l = coded(Format::kInt, 3, Granularity::kGroup, 2, 10);
  l.group_size = 4;
  l.symmetric = false;
  l.scale_type = ScaleType::kF16;
  SegmentLayout s;
  ASSERT_TRUE(compute_segment_layout(l, &s, nullptr));
  EXPECT_EQ(s.row_bytes, 6u);
  EXPECT_EQ(s.codes_bytes, 12u);
  EXPECT_EQ(s.groups_per_row, 3u);
  EXPECT_EQ(s.num_scales, 6u);
  EXPECT_EQ(s.scales_offset, 64u);
  EXPECT_EQ(s.scales_bytes, 12u);
  EXPECT_EQ(s.zero_points_offset, 128u);
  EXPECT_EQ(s.zero_points_bytes, 6u);
  EXPECT_EQ(s.total_bytes, 134u);
}

TEST(WeightLayout, TablePerTensor) {
  // 5 rows of 100 9-bit codes: 13 * 9 = 117 bytes a row, 585 bytes; one
  // f16 scale at 640 (the 64 boundary after 585).
  WeightLayout l = coded(Format::kTable, 9, Granularity::kTensor, 5, 100);
  l.scale_type = ScaleType::kF16;
  SegmentLayout s;
  ASSERT_TRUE(compute_segment_layout(l, &s, nullptr));
  EXPECT_EQ(s.row_bytes, 117u);
  EXPECT_EQ(s.codes_bytes, 585u);
  EXPECT_EQ(s.groups_per_row, 0u);
  EXPECT_EQ(s.num_scales, 1u);
  EXPECT_EQ(s.scales_offset, 640u);
  EXPECT_EQ(s.scales_bytes, 2u);
  EXPECT_EQ(s.total_bytes, 642u);
}

TEST(WeightLayout, CodesAlreadyAlignedNeedNoPadding) {
  // 8 rows of 64 8-bit codes: 512 bytes, a multiple of 64: scales at 512.
  SegmentLayout s;
  ASSERT_TRUE(compute_segment_layout(coded(Format::kInt, 8, Granularity::kChannel, 8, 64), &s, nullptr));
  EXPECT_EQ(s.codes_bytes, 512u);
  EXPECT_EQ(s.scales_offset, 512u);
  EXPECT_EQ(s.total_bytes, 512u + 32u);
}

TEST(WeightLayout, UnscaledFormats) {
  SegmentLayout s;
  ASSERT_TRUE(compute_segment_layout(coded(Format::kQ4_0, 0, Granularity::kChannel, 2, 33), &s, nullptr));
  EXPECT_EQ(s.row_bytes, 36u);  // two 18-byte blocks, the second zero padded
  EXPECT_EQ(s.total_bytes, 72u);
  EXPECT_EQ(s.num_scales, 0u);
  ASSERT_TRUE(compute_segment_layout(coded(Format::kF16, 16, Granularity::kChannel, 3, 5), &s, nullptr));
  EXPECT_EQ(s.row_bytes, 10u);
  EXPECT_EQ(s.total_bytes, 30u);
  ASSERT_TRUE(compute_segment_layout(coded(Format::kQ5_1, 0, Granularity::kChannel, 1, 64), &s, nullptr));
  EXPECT_EQ(s.total_bytes, 48u);
}

TEST(WeightLayout, PartsAre64Aligned) {
  for (int64_t rows : {1, 3, 17}) {
    for (int64_t cols : {1, 9, 100, 257}) {
      for (int bits = 1; bits <= 8; ++bits) {
        WeightLayout l = coded(Format::kInt, bits, Granularity::kGroup, rows, cols);
        l.group_size = 32;
        l.symmetric = false;
        SegmentLayout s;
        ASSERT_TRUE(compute_segment_layout(l, &s, nullptr));
        EXPECT_EQ(s.scales_offset % kPartAlignment, 0u);
        EXPECT_EQ(s.zero_points_offset % kPartAlignment, 0u);
        EXPECT_GE(s.scales_offset, s.codes_bytes);
        EXPECT_LT(s.scales_offset - s.codes_bytes, kPartAlignment);
        EXPECT_GE(s.zero_points_offset, s.scales_offset + s.scales_bytes);
        EXPECT_EQ(s.total_bytes, s.zero_points_offset + s.zero_points_bytes);
        EXPECT_EQ(s.num_scales, static_cast<uint64_t>(rows * ((cols + 31) / 32)));
      }
    }
  }
}

TEST(WeightLayout, GgmlBlockBytes) {
  EXPECT_EQ(ggml_block_bytes(Format::kQ8_0), 34u);
  EXPECT_EQ(ggml_block_bytes(Format::kQ4_0), 18u);
  EXPECT_EQ(ggml_block_bytes(Format::kQ4_1), 20u);
  EXPECT_EQ(ggml_block_bytes(Format::kQ5_0), 22u);
  EXPECT_EQ(ggml_block_bytes(Format::kQ5_1), 24u);
  EXPECT_EQ(ggml_block_bytes(Format::kInt), 0u);
  EXPECT_TRUE(is_ggml_block(Format::kQ5_0));
  EXPECT_FALSE(is_ggml_block(Format::kF16));
}

}  // namespace
}  // namespace nibble::codec
