// Weights for the int8-activation tests beyond gemv_cases.h's kFormats:
// every format an int8-activation kernel reads (gemv_q8_plan.h), in the
// scale layouts it must get right, and some it leaves to the reference.
#pragma once

#include "gemv_cases.h"

namespace nibble::gemv::testing_support {

inline const FormatCase kQ8Formats[] = {
    // The other ggml blocks.
    {"q4_1", Format::kQ4_1, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q5_0", Format::kQ5_0, 5, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q5_1", Format::kQ5_1, 5, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    // IntCodec symmetric, every width and scale layout.
    {"int2_channel_f32", Format::kInt, 2, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int2_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int3_g64_e8", Format::kInt, 3, Granularity::kGroup, 64, ScaleType::kE8, true, true},
    {"int3_tensor_f16", Format::kInt, 3, Granularity::kTensor, 0, ScaleType::kF16, true, true},
    {"int4_g32_e8", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"int4_g96_f32", Format::kInt, 4, Granularity::kGroup, 96, ScaleType::kF32, true, true},
    {"int8_g64_f32", Format::kInt, 8, Granularity::kGroup, 64, ScaleType::kF32, true, true},
    // IntCodec affine (zero points).
    {"int2_asym_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"int3_asym_channel_f32", Format::kInt, 3, Granularity::kChannel, 0, ScaleType::kF32, false, true},
    {"int4_asym_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"int4_asym_tensor_e8", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kE8, false, true},
    {"int8_asym_g128_f32", Format::kInt, 8, Granularity::kGroup, 128, ScaleType::kF32, false, true},
    {"int8_asym_channel_f16", Format::kInt, 8, Granularity::kChannel, 0, ScaleType::kF16, false, true},
    // TableCodec (int8-rounded tables).
    {"lut2_g32_e8", Format::kTable, 2, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut2_channel_f16", Format::kTable, 2, Granularity::kChannel, 0, ScaleType::kF16, true, true},
    {"lut3_g64_f16", Format::kTable, 3, Granularity::kGroup, 64, ScaleType::kF16, true, true},
    {"lut3_channel_f32", Format::kTable, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"lut4_g32_e8", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut4_g128_f16", Format::kTable, 4, Granularity::kGroup, 128, ScaleType::kF16, true, true},
    // The reference on every level: groups of 16, 5-bit tables, 1-bit ints.
    {"int4_g16_f16", Format::kInt, 4, Granularity::kGroup, 16, ScaleType::kF16, true, false},
    {"lut5_channel_f32", Format::kTable, 5, Granularity::kChannel, 0, ScaleType::kF32, true, false},
    {"int6_channel_f32", Format::kInt, 6, Granularity::kChannel, 0, ScaleType::kF32, true, false},
};

// Every case the int8-activation tests run: kFormats, then kQ8Formats.
inline std::vector<FormatCase> q8_test_formats() {
  std::vector<FormatCase> all(std::begin(kFormats), std::end(kFormats));
  all.insert(all.end(), std::begin(kQ8Formats), std::end(kQ8Formats));
  return all;
}

}  // namespace nibble::gemv::testing_support

namespace nibble::gemv::testing_support {

// encode_case, but affine ints get zero points that differ per scale
// (encode_case gives them all 2^(bits-1), which would hide a zero point
// read at the wrong index).
inline Encoded encode_q8_case(const FormatCase& f, int64_t rows, int64_t cols, uint32_t seed) {
  if (f.format != Format::kInt || f.symmetric) return encode_case(f, rows, cols, seed);
  using namespace codec::testing_support;
  const codec::WeightLayout l = layout_of(f.format, f.bits, f.granularity, rows, cols, f.group_size, f.scale_type,
                                          false);
  const std::vector<float> w = random_weights(rows, cols, seed);
  codec::SegmentLayout seg;
  EXPECT_TRUE(codec::compute_segment_layout(l, &seg, nullptr));
  const float levels = static_cast<float>((1 << f.bits) - 1);
  // Scales cover [-amax, amax] with room to spare; zero points around the
  // middle, different for each scale.
  std::vector<float> scales = absmax_scales(l, seg, w, 2.5f / levels);
  std::vector<uint8_t> zero_points(seg.num_scales);
  std::mt19937 rng(seed + 7);
  const int mid = 1 << (f.bits - 1), spread = f.bits == 2 ? 1 : (1 << (f.bits - 2)) / 2 + 1;
  std::uniform_int_distribution<int> zp(mid - spread, mid + spread - 1);
  for (uint8_t& z : zero_points) z = static_cast<uint8_t>(zp(rng));
  codec::EncodeParams params;
  params.scales = scales.data();
  params.zero_points = zero_points.data();
  Encoded e;
  EXPECT_TRUE(encode(l, w, params, &e)) << f.name;
  return e;
}

}  // namespace nibble::gemv::testing_support
