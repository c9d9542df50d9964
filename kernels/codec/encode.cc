// Applies a codec's definition to a float weight, writing its segment.
// Codes of kInt/kTable are computed against the scales as stored (read
// back through scale_at, f16-rounded when stored as f16), so the reference
// decoder reproduces exactly what the encoder chose.
#include "codec/encode.h"

#include <cmath>
#include <cstring>

#include "codec/bitpack.h"
#include "codec/ggml_blocks.h"
#include "codec/half.h"
#include "codec/scale_storage.h"
#include "codec/packed_weights.h"

namespace nibble::codec {

namespace {

void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void store_f32(uint8_t* p, float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

bool same_layout(const SegmentLayout& a, const SegmentLayout& b) {
  return a.row_bytes == b.row_bytes && a.codes_bytes == b.codes_bytes && a.groups_per_row == b.groups_per_row &&
         a.num_scales == b.num_scales && a.scales_offset == b.scales_offset && a.scales_bytes == b.scales_bytes &&
         a.zero_points_offset == b.zero_points_offset && a.zero_points_bytes == b.zero_points_bytes &&
         a.total_bytes == b.total_bytes;
}

bool all_finite(const float* x, const WeightLayout& l) {
  for (int64_t r = 0; r < l.rows; ++r) {
    for (int64_t c = 0; c < l.cols; ++c) {
      if (!std::isfinite(x[r * l.cols + c])) return false;
    }
  }
  return true;
}

// Whether every block's fp16 d (and m) of a ggml row is finite: a block
// whose range exceeds fp16 (|d| or |m| > 65504) cannot be decoded, and the
// loader rejects it.
bool ggml_scales_finite(Format format, const uint8_t* row, uint64_t row_bytes) {
  const uint32_t block_bytes = ggml_block_bytes(format);
  const bool has_min = format == Format::kQ4_1 || format == Format::kQ5_1;
  for (uint64_t b = 0; b < row_bytes; b += block_bytes) {
    const uint16_t d = static_cast<uint16_t>(row[b] | (row[b + 1] << 8));
    const uint16_t m = has_min ? static_cast<uint16_t>(row[b + 2] | (row[b + 3] << 8)) : 0;
    if ((d & 0x7c00u) == 0x7c00u || (m & 0x7c00u) == 0x7c00u) return false;  // inf or NaN
  }
  return true;
}

// Collects a row's codes in order and packs them a stack chunk at a time.
class CodeWriter {
 public:
  CodeWriter(uint8_t* row, int bits) : row_(row), bits_(bits) {}

  void push(uint16_t code) {
    chunk_[count_++] = code;
    if (count_ == kChunk) flush();
  }

  // After the row's last code: packs the rest, padding to 8 codes with
  // zero codes.
  void finish() { flush(); }

 private:
  static constexpr uint64_t kChunk = 256;  // a multiple of 8: chunks start on a byte

  void flush() {
    if (count_ == 0) return;
    pack_codes(chunk_, count_, bits_, row_ + done_ / 8 * static_cast<uint64_t>(bits_));
    done_ += count_;
    count_ = 0;
  }

  uint8_t* row_;
  int bits_;
  uint64_t done_ = 0;
  uint64_t count_ = 0;
  uint16_t chunk_[kChunk];
};

// Writes the scales (and zero points) as stored; false if a scale is not
// finite and positive once stored, or a zero point is out of range.
bool write_scales(const WeightLayout& l, const SegmentLayout& seg, const EncodeParams& params, uint8_t* segment) {
  if (params.scales == nullptr) return false;
  const uint32_t size = scale_size(l.scale_type);
  for (uint64_t i = 0; i < seg.num_scales; ++i) {
    const float scale = params.scales[i];
    const float stored = stored_scale_value(scale, l.scale_type);
    if (!std::isfinite(scale) || !std::isfinite(stored) || !(stored > 0.0f)) return false;
    store_scale(scale, l.scale_type, segment + seg.scales_offset + size * i);
  }
  if (seg.zero_points_bytes > 0) {
    if (params.zero_points == nullptr) return false;
    const int max_code = (1 << l.bits) - 1;
    for (uint64_t i = 0; i < seg.num_scales; ++i) {
      if (params.zero_points[i] > max_code) return false;
      segment[seg.zero_points_offset + i] = params.zero_points[i];
    }
  }
  return true;
}

// Encodes every weight with code_of(x, stored_scale, scale_index) and
// packs the codes row by row.
template <typename CodeOf>
void write_codes(const WeightLayout& l, const SegmentLayout& seg, const float* weights, uint8_t* segment,
                 CodeOf code_of) {
  PackedWeights stored;  // the segment as written so far: its scales
  stored.layout = l;
  stored.segment = seg;
  stored.data = segment;
  const uint64_t cols = static_cast<uint64_t>(l.cols);
  const uint64_t run = l.granularity == Granularity::kGroup ? static_cast<uint64_t>(l.group_size) : cols;
  for (int64_t r = 0; r < l.rows; ++r) {
    CodeWriter codes(segment + static_cast<uint64_t>(r) * seg.row_bytes, l.bits);
    const float* x = weights + static_cast<uint64_t>(r) * cols;
    for (uint64_t start = 0; start < cols; start += run) {
      const uint64_t index = scale_index(l, seg, r, static_cast<int64_t>(start));
      const float scale = scale_at(stored, r, static_cast<int64_t>(start));
      const uint64_t end = cols - start < run ? cols : start + run;
      for (uint64_t c = start; c < end; ++c) codes.push(code_of(x[c], scale, index));
    }
    codes.finish();
  }
}

bool encode_int(const WeightLayout& l, const SegmentLayout& seg, const float* weights, const EncodeParams& params,
                uint8_t* segment) {
  const float max_code = static_cast<float>((1 << l.bits) - 1);
  // Symmetric: codes 1 .. 2^bits - 1 around 2^(bits-1), a range symmetric
  // about zero (-(2^(bits-1) - 1) .. 2^(bits-1) - 1); code 0 is unused.
  const float min_code = l.symmetric ? 1.0f : 0.0f;
  const int symmetric_zero = 1 << (l.bits - 1);
  Rounder* rounder = params.rounder;
  const uint8_t* zero_points = params.zero_points;
  const bool symmetric = l.symmetric;
  write_codes(l, seg, weights, segment, [&](float x, float scale, uint64_t index) {
    const int zp = symmetric ? symmetric_zero : zero_points[index];
    const float code = round_with(rounder, x / scale) + static_cast<float>(zp);
    return static_cast<uint16_t>(code < min_code ? min_code : (code > max_code ? max_code : code));
  });
  return true;
}

bool encode_table(const WeightLayout& l, const SegmentLayout& seg, const float* weights, const EncodeParams& params,
                  uint8_t* segment) {
  const int bits = l.bits;
  const float parameter = params.parameter;
  Rounder* rounder = params.rounder;
  switch (params.table_kind) {
    case TableKind::kPqnt:
      write_codes(l, seg, weights, segment,
                  [&](float x, float scale, uint64_t) { return encode_pqnt(x / scale, bits, parameter, rounder); });
      return true;
    case TableKind::kLsq:
      write_codes(l, seg, weights, segment,
                  [&](float x, float scale, uint64_t) { return encode_lsq(x / scale, bits, rounder); });
      return true;
    case TableKind::kLog2:
      write_codes(l, seg, weights, segment,
                  [&](float x, float scale, uint64_t) { return encode_log2(x / scale, bits, parameter, rounder); });
      return true;
    case TableKind::kLut: {
      NearestIndex index;
      if (!build_nearest_index(params.table, bits, &index)) return false;
      write_codes(l, seg, weights, segment,
                  [&](float x, float scale, uint64_t) { return encode_nearest(x / scale, index); });
      return true;
    }
  }
  return false;
}

}  // namespace

uint64_t scale_index(const WeightLayout& layout, const SegmentLayout& seg, int64_t row, int64_t col) {
  if (layout.format != Format::kInt && layout.format != Format::kTable) return 0;
  switch (layout.granularity) {
    case Granularity::kTensor: return 0;
    case Granularity::kChannel: return static_cast<uint64_t>(row);
    case Granularity::kGroup:
      return static_cast<uint64_t>(row) * seg.groups_per_row +
             static_cast<uint64_t>(col) / static_cast<uint64_t>(layout.group_size);
  }
  return 0;
}

bool encode_weights(const WeightLayout& layout, const SegmentLayout& seg, const float* weights,
                    const EncodeParams& params, uint8_t* segment) {
  SegmentLayout expected;
  if (!compute_segment_layout(layout, &expected, nullptr) || !same_layout(seg, expected)) return false;
  if (weights == nullptr || segment == nullptr) return false;
  std::memset(segment, 0, seg.total_bytes);
  const int64_t rows = layout.rows;
  const int64_t cols = layout.cols;
  switch (layout.format) {
    case Format::kF32:
      for (int64_t i = 0; i < rows * cols; ++i) store_f32(segment + 4 * i, weights[i]);
      return true;
    case Format::kF16:
      for (int64_t i = 0; i < rows * cols; ++i) store_u16(segment + 2 * i, f32_to_f16(weights[i]));
      return true;
    case Format::kBF16:
      for (int64_t i = 0; i < rows * cols; ++i) store_u16(segment + 2 * i, f32_to_bf16(weights[i]));
      return true;
    case Format::kQ8_0:
    case Format::kQ4_0:
    case Format::kQ4_1:
    case Format::kQ5_0:
    case Format::kQ5_1:
      if (!all_finite(weights, layout)) return false;
      for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = segment + static_cast<uint64_t>(r) * seg.row_bytes;
        encode_ggml_row(layout.format, weights + r * cols, cols, row);
        if (!ggml_scales_finite(layout.format, row, seg.row_bytes)) return false;
      }
      return true;
    case Format::kInt:
      if (!all_finite(weights, layout) || !write_scales(layout, seg, params, segment)) return false;
      return encode_int(layout, seg, weights, params, segment);
    case Format::kTable:
      if (!valid_table_params(params.table_kind, layout.bits, params.parameter)) return false;
      if (params.table_kind == TableKind::kLut && params.table == nullptr) return false;
      if (!all_finite(weights, layout) || !write_scales(layout, seg, params, segment)) return false;
      return encode_table(layout, seg, weights, params, segment);
  }
  return false;
}

}  // namespace nibble::codec
