// Encoded LINEAR weights under every codec family, for the runtime tests:
// random weights encoded with the codec library, and the EncodedLinear
// spec that stores them in a one-op model (encoded_model_builder.h).
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "codec/code_tables.h"
#include "codec/encode.h"
#include "codec/packed_weights.h"
#include "encoded_model_builder.h"

namespace nibble::testing {

struct Case {
  const char* name;
  fb::Codec type;
  codec::Format format;
  int bits;
  bool symmetric;
  codec::Granularity granularity;
  int64_t group;
  codec::ScaleType scale_type;
  codec::TableKind kind;
};

inline const Case kCases[] = {
    {"f16", fb::Codec::HalfCodec, codec::Format::kF16, 16, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"bf16", fb::Codec::HalfCodec, codec::Format::kBF16, 16, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"q8_0", fb::Codec::BlockCodec, codec::Format::kQ8_0, 8, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"q4_0", fb::Codec::BlockCodec, codec::Format::kQ4_0, 4, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"q4_1", fb::Codec::BlockCodec, codec::Format::kQ4_1, 4, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"q5_0", fb::Codec::BlockCodec, codec::Format::kQ5_0, 5, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"q5_1", fb::Codec::BlockCodec, codec::Format::kQ5_1, 5, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"int8", fb::Codec::IntCodec, codec::Format::kInt, 8, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"int3_tensor", fb::Codec::IntCodec, codec::Format::kInt, 3, true, codec::Granularity::kTensor, 0, codec::ScaleType::kF32, codec::TableKind::kLut},
    {"affine4_g16", fb::Codec::IntCodec, codec::Format::kInt, 4, false, codec::Granularity::kGroup, 16, codec::ScaleType::kF16, codec::TableKind::kLut},
    {"pqnt4", fb::Codec::TableCodec, codec::Format::kTable, 4, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kPqnt},
    {"lsq_c8", fb::Codec::TableCodec, codec::Format::kTable, 8, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLsq},
    {"log2_5", fb::Codec::TableCodec, codec::Format::kTable, 5, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLog2},
    {"lut3_g32", fb::Codec::TableCodec, codec::Format::kTable, 3, true, codec::Granularity::kGroup, 32, codec::ScaleType::kF16, codec::TableKind::kLut},
    {"log2_9", fb::Codec::TableCodec, codec::Format::kTable, 9, true, codec::Granularity::kChannel, 0, codec::ScaleType::kF32, codec::TableKind::kLog2},
};

struct Built {
  EncodedLinear spec;
  codec::WeightLayout layout;
  codec::SegmentLayout seg;
  std::vector<float> weights;
};

inline Built build(const Case& c, int64_t n = 3, int64_t k = 40) {
  Built out;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  out.weights.resize(static_cast<size_t>(n * k));
  for (float& w : out.weights) w = normal(rng);
  codec::WeightLayout& l = out.layout;
  l.format = c.format;
  l.bits = c.bits;
  l.symmetric = c.symmetric;
  l.granularity = c.granularity;
  l.group_size = c.group;
  l.scale_type = c.scale_type;
  l.rows = n;
  l.cols = k;
  EXPECT_TRUE(codec::compute_segment_layout(l, &out.seg, nullptr));
  std::vector<float> scales(out.seg.num_scales, 0.0f);
  std::vector<uint8_t> zero_points(out.seg.num_scales, static_cast<uint8_t>(1 << (c.bits - 1)));
  for (float& s : scales) s = 0.1f + 0.01f * static_cast<float>(&s - scales.data());
  std::vector<float> table(size_t{1} << (c.bits < 16 ? c.bits : 0), 0.0f);
  codec::EncodeParams params;
  params.scales = scales.data();
  params.zero_points = c.symmetric ? nullptr : zero_points.data();
  params.table_kind = c.kind;
  if (c.format == codec::Format::kTable) {
    switch (c.kind) {
      case codec::TableKind::kPqnt: params.parameter = 0.56f; codec::build_pqnt_table(c.bits, 0.56f, table.data()); break;
      case codec::TableKind::kLsq: codec::build_lsq_table(c.bits, table.data()); break;
      case codec::TableKind::kLog2: params.parameter = 2.0f; codec::build_log2_table(c.bits, 2.0f, table.data()); break;
      case codec::TableKind::kLut:
        for (size_t i = 0; i < table.size(); ++i) table[i] = -8.0f + 16.0f * static_cast<float>(i) / static_cast<float>(table.size() - 1);
        break;
    }
    params.table = table.data();
  }
  out.spec.segment.assign(out.seg.total_bytes, 0);
  EXPECT_TRUE(codec::encode_weights(l, out.seg, out.weights.data(), params, out.spec.segment.data()));
  out.spec.n = n;
  out.spec.k = k;
  out.spec.codec_type = c.type;
  out.spec.half_format = c.format == codec::Format::kBF16 ? fb::HalfFormat::BF16 : fb::HalfFormat::F16;
  if (c.type == fb::Codec::BlockCodec) {
    out.spec.block_format = static_cast<fb::BlockFormat>(static_cast<int>(c.format) - static_cast<int>(codec::Format::kQ8_0));
  }
  out.spec.bits = c.bits;
  out.spec.symmetric = c.symmetric;
  out.spec.granularity = static_cast<fb::Granularity>(c.granularity);
  out.spec.group_size = static_cast<uint32_t>(c.group);
  out.spec.scale_type = static_cast<fb::ScaleType>(c.scale_type);
  out.spec.table_kind = static_cast<fb::TableKind>(c.kind);
  out.spec.table = table;
  out.spec.parameter = params.parameter;
  return out;
}

// The weights as the runtime sees them.
inline codec::PackedWeights packed_view(const Built& b) {
  codec::PackedWeights view;
  view.layout = b.layout;
  view.segment = b.seg;
  view.data = b.spec.segment.data();
  view.table = b.spec.table.data();
  return view;
}

}  // namespace nibble::testing
