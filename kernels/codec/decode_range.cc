#include "codec/decode_range.h"

#include <cstring>

#include "codec/bitpack.h"
#include "codec/ggml_blocks.h"
#include "codec/half.h"

namespace nibble::codec {

namespace {

void decode_codes(const PackedWeights& w, int64_t row, int64_t col0, int64_t count, float* out) {
  const WeightLayout& l = w.layout;
  const uint8_t* codes = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  const int64_t group = l.granularity == Granularity::kGroup ? l.group_size : l.cols;
  const uint8_t* zero_points = w.data + w.segment.zero_points_offset;
  int64_t col = col0;
  while (col < col0 + count) {
    // One scale (and zero point) per run of the same group.
    const int64_t group_end = (col / group + 1) * group;
    const int64_t end = group_end < col0 + count ? group_end : col0 + count;
    const float scale = scale_at(w, row, col);
    if (l.format == Format::kTable) {
      for (int64_t c = col; c < end; ++c) {
        out[c - col0] = scale * w.table[code_at(codes, static_cast<uint64_t>(c), l.bits)];
      }
    } else {
      float zero = static_cast<float>(1 << (l.bits - 1));
      if (!l.symmetric) {
        const uint64_t index = l.granularity == Granularity::kTensor
                                   ? 0
                                   : static_cast<uint64_t>(row) * w.segment.groups_per_row +
                                         static_cast<uint64_t>(col / group);
        zero = static_cast<float>(zero_points[index]);
      }
      for (int64_t c = col; c < end; ++c) {
        out[c - col0] = scale * (static_cast<float>(code_at(codes, static_cast<uint64_t>(c), l.bits)) - zero);
      }
    }
    col = end;
  }
}

void decode_blocks(const PackedWeights& w, int64_t row, int64_t col0, int64_t count, float* out) {
  const uint8_t* blocks = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  const uint32_t block_bytes = ggml_block_bytes(w.layout.format);
  float decoded[kGgmlBlock];
  int64_t col = col0;
  while (col < col0 + count) {
    const int64_t b = col / kGgmlBlock;
    decode_ggml_block(w.layout.format, blocks + static_cast<uint64_t>(b) * block_bytes, decoded);
    const int64_t block_end = (b + 1) * kGgmlBlock;
    const int64_t end = block_end < col0 + count ? block_end : col0 + count;
    for (int64_t c = col; c < end; ++c) out[c - col0] = decoded[c - b * kGgmlBlock];
    col = end;
  }
}

}  // namespace

void decode_range(const PackedWeights& w, int64_t row, int64_t col0, int64_t count, float* out) {
  const uint8_t* row_bytes = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  switch (w.layout.format) {
    case Format::kF32:
      std::memcpy(out, row_bytes + col0 * 4, static_cast<size_t>(count) * 4);
      return;
    case Format::kF16:
    case Format::kBF16:
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, row_bytes + (col0 + i) * 2, 2);
        out[i] = w.layout.format == Format::kF16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      return;
    case Format::kInt:
    case Format::kTable:
      decode_codes(w, row, col0, count, out);
      return;
    default:
      decode_blocks(w, row, col0, count, out);
      return;
  }
}

}  // namespace nibble::codec
