// The scalar reference decoder: the definition of each format written out
// directly (docs/CODECS.md). SIMD kernels are tested against it, so it
// favours the obvious over the fast.
#include <cstring>

#include "codec/bitpack.h"
#include "codec/encode.h"
#include "codec/ggml_blocks.h"
#include "codec/half.h"
#include "codec/scale_storage.h"
#include "codec/packed_weights.h"

namespace nibble::codec {

namespace {

// Segments are little-endian; loads assemble bytes so the decoder is right
// on any host.
uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

float load_f32(const uint8_t* p) {
  const uint32_t u = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                     (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

float stored_scale(const PackedWeights& w, uint64_t index) {
  const uint8_t* scales = w.data + w.segment.scales_offset;
  return load_scale(scales + scale_size(w.layout.scale_type) * index, w.layout.scale_type);
}

// kInt: the zero point of scale `index`.
int zero_point(const PackedWeights& w, uint64_t index) {
  if (w.layout.symmetric) return 1 << (w.layout.bits - 1);
  return w.data[w.segment.zero_points_offset + index];
}

// Reads a row's packed codes in order, a stack chunk at a time (a row may
// be longer than any buffer a kernel can hold).
class CodeReader {
 public:
  CodeReader(const uint8_t* row, uint64_t n, int bits) : row_(row), n_(n), bits_(bits) {}

  uint16_t next() {
    if (pos_ == count_) refill();
    return chunk_[pos_++];
  }

 private:
  static constexpr uint64_t kChunk = 256;  // a multiple of 8: chunks start on a byte

  void refill() {
    count_ = n_ - done_ < kChunk ? n_ - done_ : kChunk;
    unpack_codes(row_ + done_ / 8 * static_cast<uint64_t>(bits_), count_, bits_, chunk_);
    done_ += count_;
    pos_ = 0;
  }

  const uint8_t* row_;
  uint64_t n_;
  int bits_;
  uint64_t done_ = 0;   // codes unpacked so far
  uint64_t count_ = 0;  // codes in chunk_
  uint64_t pos_ = 0;
  uint16_t chunk_[kChunk];
};

// Weights of one row that share a scale: kGroup: group_size; otherwise the
// whole row.
uint64_t weights_per_scale(const WeightLayout& l) {
  return l.granularity == Granularity::kGroup ? static_cast<uint64_t>(l.group_size) : static_cast<uint64_t>(l.cols);
}

// w = scale * (code - zero_point) or scale * table[code], one run of
// weights under one scale at a time.
void decode_coded_row(const PackedWeights& w, int64_t row, float* out) {
  const WeightLayout& l = w.layout;
  const uint64_t cols = static_cast<uint64_t>(l.cols);
  const uint64_t run = weights_per_scale(l);
  CodeReader codes(w.data + static_cast<uint64_t>(row) * w.segment.row_bytes, cols, l.bits);
  for (uint64_t start = 0; start < cols; start += run) {
    const uint64_t index = scale_index(l, w.segment, row, static_cast<int64_t>(start));
    const float scale = stored_scale(w, index);
    const uint64_t end = cols - start < run ? cols : start + run;
    if (l.format == Format::kInt) {
      const int zp = zero_point(w, index);
      for (uint64_t c = start; c < end; ++c) out[c] = static_cast<float>(codes.next() - zp) * scale;
    } else {
      for (uint64_t c = start; c < end; ++c) out[c] = scale * w.table[codes.next()];
    }
  }
}

}  // namespace

void decode_row(const PackedWeights& w, int64_t row, float* out) {
  const WeightLayout& l = w.layout;
  const uint8_t* src = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  const int64_t cols = l.cols;
  switch (l.format) {
    case Format::kF32:
      for (int64_t c = 0; c < cols; ++c) out[c] = load_f32(src + 4 * c);
      break;
    case Format::kF16:
      for (int64_t c = 0; c < cols; ++c) out[c] = f16_to_f32(load_u16(src + 2 * c));
      break;
    case Format::kBF16:
      for (int64_t c = 0; c < cols; ++c) out[c] = bf16_to_f32(load_u16(src + 2 * c));
      break;
    case Format::kQ8_0:
    case Format::kQ4_0:
    case Format::kQ4_1:
    case Format::kQ5_0:
    case Format::kQ5_1: decode_ggml_row(l.format, src, cols, out); break;
    case Format::kInt:
    case Format::kTable: decode_coded_row(w, row, out); break;
  }
}

float scale_at(const PackedWeights& w, int64_t row, int64_t col) {
  const WeightLayout& l = w.layout;
  if (is_ggml_block(l.format)) {
    // The block's d (Q4_1/Q5_1 also add their min m, not a scale).
    const uint8_t* block = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes +
                           static_cast<uint64_t>(col / kGgmlBlock) * ggml_block_bytes(l.format);
    return f16_to_f32(load_u16(block));
  }
  if (l.format == Format::kInt || l.format == Format::kTable) {
    return stored_scale(w, scale_index(l, w.segment, row, col));
  }
  return 1.0f;  // f32, f16, bf16: no scale
}

}  // namespace nibble::codec
