// Test helpers for encode_weights + decode_row (codec/encode.h,
// codec/packed_weights.h): encoding into a poisoned buffer, reading the
// stored scales back, the scale index written out independently, and the
// zero-padding check. Shared by the codec tests of each format family.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "codec/bitpack.h"
#include "codec/encode.h"
#include "codec/half.h"
#include "codec/packed_weights.h"

namespace nibble::codec::testing_support {

inline constexpr uint8_t kPoison = 0xCD;  // the segment's bytes before encoding

struct Encoded {
  WeightLayout layout;
  SegmentLayout seg;
  std::vector<uint8_t> bytes;
  std::vector<float> table;  // kTable

  PackedWeights packed() const {
    PackedWeights w;
    w.layout = layout;
    w.segment = seg;
    w.data = bytes.data();
    w.table = table.empty() ? nullptr : table.data();
    return w;
  }

  std::vector<float> decode() const {
    std::vector<float> out(static_cast<size_t>(layout.rows * layout.cols));
    for (int64_t r = 0; r < layout.rows; ++r) decode_row(packed(), r, out.data() + r * layout.cols);
    return out;
  }

  float stored_scale(uint64_t index) const {
    const uint8_t* p = bytes.data() + seg.scales_offset;
    if (layout.scale_type == ScaleType::kF16)
      return f16_to_f32(static_cast<uint16_t>(p[2 * index] | (p[2 * index + 1] << 8)));
    float s;
    std::memcpy(&s, p + 4 * index, 4);  // the test host is little-endian
    return s;
  }
};

inline bool encode(const WeightLayout& layout, const std::vector<float>& weights, const EncodeParams& params,
                   Encoded* out) {
  out->layout = layout;
  if (!compute_segment_layout(layout, &out->seg, nullptr)) return false;
  out->bytes.assign(out->seg.total_bytes, kPoison);
  return encode_weights(layout, out->seg, weights.data(), params, out->bytes.data());
}

inline WeightLayout layout_of(Format format, int bits, Granularity granularity, int64_t rows, int64_t cols,
                              int64_t group_size = 0, ScaleType scale_type = ScaleType::kF32, bool symmetric = true) {
  WeightLayout l;
  l.format = format;
  l.bits = bits;
  l.granularity = granularity;
  l.rows = rows;
  l.cols = cols;
  l.group_size = group_size;
  l.scale_type = scale_type;
  l.symmetric = symmetric;
  return l;
}

inline std::vector<float> random_weights(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    const float row_scale = std::ldexp(1.0f, static_cast<int>(r % 5) - 2);  // rows of different ranges
    for (int64_t c = 0; c < cols; ++c) w[static_cast<size_t>(r * cols + c)] = normal(rng) * row_scale;
  }
  if (w.size() > 1) w[1] = 0.0f;  // an exact zero
  return w;
}

// The scale index of (r, c), written out independently of scale_index().
inline uint64_t expected_scale_index(const WeightLayout& l, int64_t r, int64_t c) {
  switch (l.granularity) {
    case Granularity::kTensor: return 0;
    case Granularity::kChannel: return static_cast<uint64_t>(r);
    case Granularity::kGroup: {
      const int64_t groups = (l.cols + l.group_size - 1) / l.group_size;
      return static_cast<uint64_t>(r * groups + c / l.group_size);
    }
  }
  return 0;
}

// One scale per scale index: factor * max |x| over the weights it covers
// (1 if they are all zero).
inline std::vector<float> absmax_scales(const WeightLayout& l, const SegmentLayout& seg, const std::vector<float>& w,
                                        float factor) {
  std::vector<float> amax(seg.num_scales, 0.0f);
  for (int64_t r = 0; r < l.rows; ++r) {
    for (int64_t c = 0; c < l.cols; ++c) {
      float& m = amax[expected_scale_index(l, r, c)];
      m = std::fmax(m, std::fabs(w[static_cast<size_t>(r * l.cols + c)]));
    }
  }
  for (float& m : amax) m = m > 0 ? m * factor : 1.0f;
  return amax;
}

// Every byte outside the codes and the scale/zero-point parts is zero, and
// so are the padding codes at the end of each row.
inline void expect_padding_zero(const Encoded& e) {
  const SegmentLayout& s = e.seg;
  for (uint64_t i = s.codes_bytes; i < s.total_bytes; ++i) {
    const bool in_scales = i >= s.scales_offset && i < s.scales_offset + s.scales_bytes;
    const bool in_zero_points =
        s.zero_points_bytes > 0 && i >= s.zero_points_offset && i < s.zero_points_offset + s.zero_points_bytes;
    if (!in_scales && !in_zero_points) {
      ASSERT_EQ(e.bytes[i], 0) << "byte " << i;
    }
  }
  if (e.layout.format != Format::kInt && e.layout.format != Format::kTable) return;
  const uint64_t cols = static_cast<uint64_t>(e.layout.cols);
  for (int64_t r = 0; r < e.layout.rows; ++r) {
    const uint8_t* row = e.bytes.data() + static_cast<uint64_t>(r) * s.row_bytes;
    for (uint64_t i = cols; i < (cols + 7) / 8 * 8; ++i) ASSERT_EQ(code_at(row, i, e.layout.bits), 0) << i;
  }
}

// The layouts every coded format is checked in: 5 rows of 37 weights.
struct GranularityCase {
  Granularity granularity;
  int64_t group_size;
};

inline const GranularityCase kGranularities[] = {
    {Granularity::kTensor, 0},
    {Granularity::kChannel, 0},
    {Granularity::kGroup, 8},   // 37 columns: groups of 8, 8, 8, 8, 5
    {Granularity::kGroup, 64},  // one group longer than the row
};

inline constexpr int64_t kRows = 5;
inline constexpr int64_t kCols = 37;

}  // namespace nibble::codec::testing_support
