// Encoded weights for the GEMV tests: every format a SIMD kernel handles
// (gemv_plan.h), in the scale layouts it must get right, plus formats that
// take the reference path on every level; random weights encoded with the
// codec library, so the layouts are the converter's.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "codec/code_tables.h"
#include "codec/encode.h"
#include "codec/packed_weights.h"
#include "encoded_weights.h"  // tests/codec
#include "gemv/gemv.h"

namespace nibble::gemv::testing_support {

using codec::Format;
using codec::Granularity;
using codec::ScaleType;
using codec::testing_support::Encoded;

struct FormatCase {
  const char* name;
  Format format;
  int bits;
  Granularity granularity;
  int64_t group_size;
  ScaleType scale_type;
  bool symmetric;
  bool simd;  // a SIMD kernel exists (else every level runs the reference)
};

inline const FormatCase kFormats[] = {
    // TableCodec 4-bit (lut): the default (group 16, e8), other groups and
    // scale types, groups that straddle SIMD blocks (48), groups longer
    // than short rows (256), per channel and per tensor.
    {"lut4_g16_e8", Format::kTable, 4, Granularity::kGroup, 16, ScaleType::kE8, true, true},
    {"lut4_g16_f16", Format::kTable, 4, Granularity::kGroup, 16, ScaleType::kF16, true, true},
    {"lut4_g32_f32", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kF32, true, true},
    {"lut4_g48_e8", Format::kTable, 4, Granularity::kGroup, 48, ScaleType::kE8, true, true},
    {"lut4_g64_f16", Format::kTable, 4, Granularity::kGroup, 64, ScaleType::kF16, true, true},
    {"lut4_g128_e8", Format::kTable, 4, Granularity::kGroup, 128, ScaleType::kE8, true, true},
    {"lut4_g256_f32", Format::kTable, 4, Granularity::kGroup, 256, ScaleType::kF32, true, true},
    {"lut4_channel_f32", Format::kTable, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"lut4_tensor_e8", Format::kTable, 4, Granularity::kTensor, 0, ScaleType::kE8, true, true},
    // IntCodec symmetric.
    {"int4_channel_f32", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4_channel_f16", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF16, true, true},
    {"int4_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int8_channel_f32", Format::kInt, 8, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int8_tensor_f16", Format::kInt, 8, Granularity::kTensor, 0, ScaleType::kF16, true, true},
    // ggml.
    {"q4_0", Format::kQ4_0, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q8_0", Format::kQ8_0, 8, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q4_1", Format::kQ4_1, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q5_0", Format::kQ5_0, 5, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q5_1", Format::kQ5_1, 5, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    // f16 / bf16 weights.
    {"f16", Format::kF16, 16, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"bf16", Format::kBF16, 16, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    // 1..3-bit codes (kCodes, AVX-512): 3 bits (3-byte lanes), 2 bits (16
    // codes a lane, blocks of 256 spanning 16 groups), 1 bit (32 a lane).
    {"lut3_g16_e8", Format::kTable, 3, Granularity::kGroup, 16, ScaleType::kE8, true, true},
    {"lut3_g48_f16", Format::kTable, 3, Granularity::kGroup, 48, ScaleType::kF16, true, true},
    {"lut3_channel_f32", Format::kTable, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int3_g32_e8", Format::kInt, 3, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut2_g16_e8", Format::kTable, 2, Granularity::kGroup, 16, ScaleType::kE8, true, true},
    {"lut2_g64_f32", Format::kTable, 2, Granularity::kGroup, 64, ScaleType::kF32, true, true},
    {"lut2_tensor_f16", Format::kTable, 2, Granularity::kTensor, 0, ScaleType::kF16, true, true},
    {"int2_g16_f16", Format::kInt, 2, Granularity::kGroup, 16, ScaleType::kF16, true, true},
    {"lut1_g32_e8", Format::kTable, 1, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut1_channel_f32", Format::kTable, 1, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    // IntCodec affine (zero points; encode_case varies them).
    {"int4_asym_channel", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32, false, true},
    {"int4_asym_tensor_f16", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kF16, false, true},
    {"int4_asym_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"int4_asym_g16_e8", Format::kInt, 4, Granularity::kGroup, 16, ScaleType::kE8, false, true},
    {"int3_asym_g48_f32", Format::kInt, 3, Granularity::kGroup, 48, ScaleType::kF32, false, true},
    {"int2_asym_g16_e8", Format::kInt, 2, Granularity::kGroup, 16, ScaleType::kE8, false, true},
    {"int2_asym_channel_f16", Format::kInt, 2, Granularity::kChannel, 0, ScaleType::kF16, false, true},
    // 5..8-bit codes (kWide, AVX-512).
    {"int8_g32_f16", Format::kInt, 8, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int8_asym_g16_e8", Format::kInt, 8, Granularity::kGroup, 16, ScaleType::kE8, false, true},
    {"int8_asym_channel", Format::kInt, 8, Granularity::kChannel, 0, ScaleType::kF32, false, true},
    {"lut5_g32_f16", Format::kTable, 5, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut6_g16_e8", Format::kTable, 6, Granularity::kGroup, 16, ScaleType::kE8, true, true},
    {"lut7_channel_f32", Format::kTable, 7, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"lut8_g48_f16", Format::kTable, 8, Granularity::kGroup, 48, ScaleType::kF16, true, true},
    {"int5_g32_f16", Format::kInt, 5, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int6_asym_g64_f32", Format::kInt, 6, Granularity::kGroup, 64, ScaleType::kF32, false, true},
    {"int7_tensor_e8", Format::kInt, 7, Granularity::kTensor, 0, ScaleType::kE8, true, true},
    // Reference on every level.
    {"lut1_g16_e8", Format::kTable, 1, Granularity::kGroup, 16, ScaleType::kE8, true, false},
    {"lut4_g8_e8", Format::kTable, 4, Granularity::kGroup, 8, ScaleType::kE8, true, false},
    {"lut9_g32_f16", Format::kTable, 9, Granularity::kGroup, 32, ScaleType::kF16, true, false},
    {"f32", Format::kF32, 32, Granularity::kChannel, 0, ScaleType::kF32, true, false},
};

// A learned-codebook stand-in: 2^bits distinct values in [-1, 1], unsorted.
inline std::vector<float> random_table(int bits, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> table(size_t{1} << bits);
  for (float& v : table) v = uniform(rng);
  return table;
}

// rows x cols random weights (normal, rows of different ranges) encoded in
// format `f`; scales from the absmax of what each covers.
inline Encoded encode_case(const FormatCase& f, int64_t rows, int64_t cols, uint32_t seed) {
  using namespace codec::testing_support;
  const codec::WeightLayout l = layout_of(f.format, f.bits, f.granularity, rows, cols, f.group_size, f.scale_type,
                                          f.symmetric);
  const std::vector<float> w = random_weights(rows, cols, seed);
  Encoded e;
  codec::SegmentLayout seg;
  EXPECT_TRUE(codec::compute_segment_layout(l, &seg, nullptr));
  codec::EncodeParams params;
  std::vector<float> scales;
  std::vector<uint8_t> zero_points;
  if (f.format == Format::kTable) {
    e.table = random_table(f.bits, seed + 1);
    float max_level = 0;
    for (float v : e.table) max_level = std::max(max_level, std::fabs(v));
    scales = absmax_scales(l, seg, w, 1.0f / max_level);
    params.table_kind = codec::TableKind::kLut;
    params.table = e.table.data();
  } else if (f.format == Format::kInt) {
    const float qmax = static_cast<float>((1 << (f.bits - 1)) - 1);
    scales = absmax_scales(l, seg, w, f.symmetric ? 1.0f / qmax : 2.0f / (2 * qmax + 1));
    if (!f.symmetric) {
      // Zero points that differ between neighbouring groups and rows, so
      // a kernel using the wrong one fails.
      zero_points.resize(seg.num_scales);
      const int top = (1 << f.bits) - 1;
      for (size_t i = 0; i < zero_points.size(); ++i) {
        zero_points[i] = static_cast<uint8_t>(std::min(top, std::max(0, (1 << (f.bits - 1)) + static_cast<int>(i % 3) - 1)));
      }
    }
    params.zero_points = zero_points.empty() ? nullptr : zero_points.data();
  }
  params.scales = scales.empty() ? nullptr : scales.data();
  const std::vector<float> table = e.table;
  EXPECT_TRUE(encode(l, w, params, &e)) << f.name;
  e.table = table;
  return e;
}

inline std::vector<float> random_vector(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = normal(rng);
  return v;
}

// The levels this CPU has, scalar first.
inline std::vector<Isa> available_levels() {
  std::vector<Isa> levels;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    if (isa_available(isa)) levels.push_back(isa);
  }
  return levels;
}

}  // namespace nibble::gemv::testing_support
