// How an encoded weight is laid out in its segment: the one definition the
// converter (writer), the loader (verifier) and the kernels (decoders)
// share. A weight is a matrix of `rows` x `cols`: rows = shape[0] (output
// channels), cols = the product of the other dims (the reduction axis).
//
// Segment = [codes][pad to 64][scales][pad to 64][zero points]
//   codes        rows * row_bytes
//   scales       num_scales f32, f16 or e8 (IntCodec, TableCodec)
//   zero points  num_scales u8 (asymmetric IntCodec only)
// The layout is fully determined by the fields below, so the verifier
// checks a segment's size for equality.
#pragma once

#include <cstdint>

namespace nibble::codec {

enum class Format : uint8_t {
  kF32 = 0,
  kF16,
  kBF16,
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kInt,    // w = scale * (code - zero_point)
  kTable,  // w = scale * table[code]
};

enum class Granularity : uint8_t { kTensor = 0, kChannel = 1, kGroup = 2 };
// kE8: one byte c, scale = 2^((c - 128) / 8) (codec/scale_storage.h).
enum class ScaleType : uint8_t { kF32 = 0, kF16 = 1, kE8 = 2 };
enum class TableKind : uint8_t { kPqnt = 0, kLsq = 1, kLog2 = 2, kLut = 3 };

constexpr int kGgmlBlock = 32;      // weights per ggml block
constexpr int kMinCodeBits = 1;
constexpr int kMaxIntBits = 8;      // IntCodec
constexpr int kMaxTableBits = 9;    // TableCodec (lsq / log2 at C = 9)
constexpr int kCodesPerPackGroup = 8;  // rows are padded to a multiple of 8 codes
constexpr uint64_t kPartAlignment = 64;

struct WeightLayout {
  Format format = Format::kF32;
  int32_t bits = 32;  // kInt: 1..8; kTable: 1..9; others: implied
  bool symmetric = true;  // kInt: zero point 2^(bits-1), none stored
  Granularity granularity = Granularity::kChannel;  // kInt, kTable
  int64_t group_size = 0;  // kGroup: weights per group along a row (> 0)
  ScaleType scale_type = ScaleType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
};

struct SegmentLayout {
  uint64_t row_bytes = 0;       // bytes of one row of codes
  uint64_t codes_bytes = 0;     // rows * row_bytes
  uint64_t groups_per_row = 0;  // scales per row (kTensor: 0, one scale in all)
  uint64_t num_scales = 0;
  uint64_t scales_offset = 0;   // from the segment start; 64-aligned
  uint64_t scales_bytes = 0;
  uint64_t zero_points_offset = 0;
  uint64_t zero_points_bytes = 0;
  uint64_t total_bytes = 0;     // the segment's exact size
};

// Bytes of one ggml block (34, 18, 20, 22, 24); 0 for other formats.
uint32_t ggml_block_bytes(Format format);
// Whether the format is one of the five ggml block formats.
bool is_ggml_block(Format format);

// Checks the fields (bits in range for the format, group size > 0 for
// kGroup, rows/cols > 0) and computes the layout with overflow-checked
// arithmetic. Returns false (layout untouched) if a field is invalid or a
// size overflows uint64; `why` (may be null) gets a static description.
bool compute_segment_layout(const WeightLayout& layout, SegmentLayout* out, const char** why);

// Bits per weight including scales, zero points and `extra_bytes` (a
// codebook stored elsewhere): 8 * total bytes / (rows * cols).
double bits_per_weight(const WeightLayout& layout, const SegmentLayout& seg, uint64_t extra_bytes);

}  // namespace nibble::codec
