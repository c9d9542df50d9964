// The rows4 repacking (gemv_q8_rows4.h) and its dispatch.
#include "gemv/gemv_q8_rows4.h"

#include <cstring>

#include "gemv/gemv_q8_plan.h"
#include "gemv/gemv_q8_table.h"

namespace nibble::gemv {
namespace {

constexpr int64_t kQ4_0Bytes = 18;  // ggml Q4_0: d (f16) + 16 bytes of qs

bool is_q4_0(const codec::PackedWeights& w) { return w.layout.format == codec::Format::kQ4_0; }
bool has_e8(const codec::PackedWeights& w) { return !is_q4_0(w) && w.layout.scale_type == codec::ScaleType::kE8; }
int64_t scale_bytes(const codec::PackedWeights& w) { return has_e8(w) ? 1 : 2; }
int64_t unit_bytes(const codec::PackedWeights& w) { return 128 + 8 * scale_bytes(w); }

int64_t blocks_per_row(const codec::PackedWeights& w) { return (w.layout.cols + kQ8Block - 1) / kQ8Block; }
int64_t units_per_row(const codec::PackedWeights& w) { return (blocks_per_row(w) + 1) / 2; }

// Packed 4-bit codes (LSB first: column c in byte c / 2, high nibble if c
// is odd); columns past the row's end read as 0.
uint8_t code_at(const uint8_t* row, int64_t cols, int64_t c) {
  if (c >= cols) return 0;
  return static_cast<uint8_t>(c % 2 ? row[c / 2] >> 4 : row[c / 2] & 0x0F);
}

}  // namespace

bool can_use_rows4(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMV_X86_KERNELS
  if (isa != Isa::kAvx512Vnni || !isa_available(Isa::kAvx512Vnni)) return false;
  const Q8Plan p = make_q8_plan(w);
  if (p.shape == Q8Shape::kQ4_0) return true;
  // Symmetric ints (offset 8) or int8-rounded tables, an f16 or e8 scale
  // per 32 columns.
  return p.shape == Q8Shape::kPacked && p.bits == 4 && !p.affine && p.group && p.group_size == kQ8Block &&
         p.scale_type != codec::ScaleType::kF32 && (p.table || p.offset == 8);
#else
  (void)isa;
  (void)w;
  return false;
#endif
}

size_t rows4_bytes(const codec::PackedWeights& w) {
  const int64_t row_blocks = (w.layout.rows + 3) / 4;
  return static_cast<size_t>(row_blocks) * static_cast<size_t>(units_per_row(w)) * static_cast<size_t>(unit_bytes(w));
}

void repack_rows4(const codec::PackedWeights& w, uint8_t* out) {
  const int64_t rows = w.layout.rows, cols = w.layout.cols, blocks = blocks_per_row(w), units = units_per_row(w);
  const size_t unit_size = static_cast<size_t>(unit_bytes(w));
  const int64_t scale_size = scale_bytes(w);
  std::memset(out, 0, rows4_bytes(w));
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = w.data + static_cast<uint64_t>(r) * w.segment.row_bytes;
    uint8_t* row_block = out + static_cast<size_t>(r / 4) * static_cast<size_t>(units) * unit_size;
    const int64_t rr = r % 4;
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t* unit = row_block + static_cast<size_t>(b / 2) * unit_size;
      uint8_t* codes = unit + 32 * rr + 16 * (b % 2);
      uint8_t* scale = unit + 128 + scale_size * (2 * rr + b % 2);
      if (is_q4_0(w)) {
        std::memcpy(codes, row + b * kQ4_0Bytes + 2, 16);
        std::memcpy(scale, row + b * kQ4_0Bytes, 2);
        continue;
      }
      for (int64_t j = 0; j < 16; ++j) {
        const int64_t c = b * kQ8Block + j;
        codes[j] = static_cast<uint8_t>(code_at(row, cols, c) | code_at(row, cols, c + 16) << 4);
      }
      const uint64_t index = static_cast<uint64_t>(r) * w.segment.groups_per_row + static_cast<uint64_t>(b);
      std::memcpy(scale, w.data + w.segment.scales_offset + static_cast<uint64_t>(scale_size) * index,
                  static_cast<size_t>(scale_size));
    }
  }
}

Rows4Weights rows4_weights(const codec::PackedWeights& w, const uint8_t* data) {
  Rows4Weights v;
  v.data = data;
  v.rows = w.layout.rows;
  v.cols = w.layout.cols;
  v.e8 = has_e8(w);
  v.unit_bytes = unit_bytes(w);
  if (w.layout.format == codec::Format::kTable) {
    int8_t t[16];
    q8_table(w, t, &v.factor);
    for (int i = 0; i < 16; ++i) v.table_u8[i] = static_cast<uint8_t>(t[i] + 128);
    v.table = true;
    v.offset = 128;
  }
  return v;
}

void gemv_q8_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
                   int64_t row_end) {
#if NIBBLE_GEMV_X86_KERNELS
  detail::avx512vnni_rows4(w, x, bias, y, row_begin, row_end);
#else
  (void)w, (void)x, (void)bias, (void)y, (void)row_begin, (void)row_end;
#endif
}

}  // namespace nibble::gemv
