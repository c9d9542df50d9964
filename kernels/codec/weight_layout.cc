#include "codec/weight_layout.h"

#include "codec/bitpack.h"
#include "codec/scale_storage.h"

namespace nibble::codec {

namespace {

// a * b without wrapping; false on overflow.
bool mul_u64(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  *out = a * b;
  return true;
}

bool add_u64(uint64_t a, uint64_t b, uint64_t* out) {
  if (b > UINT64_MAX - a) return false;
  *out = a + b;
  return true;
}

bool align_part(uint64_t offset, uint64_t* out) {
  return add_u64(offset, (kPartAlignment - offset % kPartAlignment) % kPartAlignment, out);
}

bool fail(const char** why, const char* message) {
  if (why != nullptr) *why = message;
  return false;
}

}  // namespace

uint32_t ggml_block_bytes(Format format) {
  switch (format) {
    case Format::kQ8_0: return 2 + 32;
    case Format::kQ4_0: return 2 + 16;
    case Format::kQ4_1: return 2 + 2 + 16;
    case Format::kQ5_0: return 2 + 4 + 16;
    case Format::kQ5_1: return 2 + 2 + 4 + 16;
    default: return 0;
  }
}

bool is_ggml_block(Format format) { return ggml_block_bytes(format) != 0; }

bool compute_segment_layout(const WeightLayout& l, SegmentLayout* out, const char** why) {
  if (l.rows <= 0 || l.cols <= 0) return fail(why, "rows and cols must be positive");
  const uint64_t rows = static_cast<uint64_t>(l.rows);
  const uint64_t cols = static_cast<uint64_t>(l.cols);
  SegmentLayout s;
  switch (l.format) {
    case Format::kF32:
      if (!mul_u64(cols, 4, &s.row_bytes)) return fail(why, "row size overflows");
      break;
    case Format::kF16:
    case Format::kBF16:
      if (!mul_u64(cols, 2, &s.row_bytes)) return fail(why, "row size overflows");
      break;
    case Format::kQ8_0:
    case Format::kQ4_0:
    case Format::kQ4_1:
    case Format::kQ5_0:
    case Format::kQ5_1:
      if (!mul_u64((cols + kGgmlBlock - 1) / kGgmlBlock, ggml_block_bytes(l.format), &s.row_bytes)) {
        return fail(why, "row size overflows");
      }
      break;
    case Format::kInt:
    case Format::kTable: {
      const int max_bits = l.format == Format::kInt ? kMaxIntBits : kMaxTableBits;
      if (l.bits < kMinCodeBits || l.bits > max_bits) return fail(why, "code width out of range");
      if (cols > UINT64_MAX - 7) return fail(why, "row size overflows");
      s.row_bytes = packed_bytes(cols, l.bits);
      switch (l.granularity) {
        case Granularity::kTensor:
          s.groups_per_row = 0;
          s.num_scales = 1;
          break;
        case Granularity::kChannel:
          s.groups_per_row = 1;
          s.num_scales = rows;
          break;
        case Granularity::kGroup:
          if (l.group_size <= 0) return fail(why, "group size must be positive");
          s.groups_per_row = (cols + static_cast<uint64_t>(l.group_size) - 1) / static_cast<uint64_t>(l.group_size);
          if (!mul_u64(rows, s.groups_per_row, &s.num_scales)) return fail(why, "scale count overflows");
          break;
        default:
          return fail(why, "unknown scale granularity");
      }
      if (scale_size(l.scale_type) == 0) return fail(why, "unknown scale type");
      break;
    }
    default:
      return fail(why, "unknown format");
  }
  if (!mul_u64(rows, s.row_bytes, &s.codes_bytes)) return fail(why, "code bytes overflow");
  uint64_t end = s.codes_bytes;
  if (s.num_scales > 0) {
    const uint64_t bytes_per_scale = scale_size(l.scale_type);
    if (!align_part(end, &s.scales_offset) || !mul_u64(s.num_scales, bytes_per_scale, &s.scales_bytes) ||
        !add_u64(s.scales_offset, s.scales_bytes, &end)) {
      return fail(why, "scale bytes overflow");
    }
    if (l.format == Format::kInt && !l.symmetric) {
      s.zero_points_bytes = s.num_scales;
      if (!align_part(end, &s.zero_points_offset) || !add_u64(s.zero_points_offset, s.zero_points_bytes, &end)) {
        return fail(why, "zero point bytes overflow");
      }
    }
  }
  s.total_bytes = end;
  *out = s;
  return true;
}

double bits_per_weight(const WeightLayout& l, const SegmentLayout& seg, uint64_t extra_bytes) {
  const double weights = static_cast<double>(l.rows) * static_cast<double>(l.cols);
  const double bytes = static_cast<double>(seg.codes_bytes + seg.scales_bytes + seg.zero_points_bytes + extra_bytes);
  return weights > 0 ? 8.0 * bytes / weights : 0.0;
}

}  // namespace nibble::codec
