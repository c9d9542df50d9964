// The rows4 repacking (gemv_q8_rows4.h) and its dispatch.
#include "gemv/gemv_q8_rows4.h"

#include <cstring>

#include "gemv/gemv_q8_plan.h"
#include "gemv/gemv_q8_table.h"

namespace nibble::gemv {
namespace {

using codec::Format;

constexpr int64_t kRowBlock = 4;

bool is_ggml(const codec::PackedWeights& w) {
  return w.layout.format == Format::kQ4_0 || w.layout.format == Format::kQ4_1;
}

// The codes' width (ggml blocks do not need layout.bits set).
int bits_of(const codec::PackedWeights& w) { return is_ggml(w) ? 4 : w.layout.bits; }

int64_t code_bytes(const codec::PackedWeights& w) { return rows4_code_bytes(bits_of(w)); }

int64_t block_bytes(Format f) { return f == Format::kQ4_1 ? 20 : 18; }  // Q4_1: d, m; Q4_0: d

bool has_zeros(const codec::PackedWeights& w) { return w.layout.format == Format::kInt && !w.layout.symmetric; }

Rows4Kind kind_of(const codec::PackedWeights& w) {
  if (w.layout.format == Format::kQ4_1) return Rows4Kind::kMins;
  if (is_ggml(w)) return Rows4Kind::kScales;
  if (w.layout.granularity != codec::Granularity::kGroup) return Rows4Kind::kRow;
  return has_zeros(w) ? Rows4Kind::kZeros : Rows4Kind::kScales;
}

bool has_e8(const codec::PackedWeights& w) {
  return !is_ggml(w) && kind_of(w) != Rows4Kind::kRow && w.layout.scale_type == codec::ScaleType::kE8;
}
int64_t scale_bytes(const codec::PackedWeights& w) { return has_e8(w) ? 1 : 2; }

int64_t unit_bytes(const codec::PackedWeights& w) { return rows4_unit_bytes(bits_of(w), kind_of(w), has_e8(w)); }

int64_t blocks_per_row(const codec::PackedWeights& w) { return (w.layout.cols + kQ8Block - 1) / kQ8Block; }
int64_t units_per_row(const codec::PackedWeights& w) { return (blocks_per_row(w) + 1) / 2; }
int64_t padded_rows(const codec::PackedWeights& w) { return (w.layout.rows + kRowBlock - 1) / kRowBlock * kRowBlock; }

size_t unit_area_bytes(const codec::PackedWeights& w) {
  return static_cast<size_t>(padded_rows(w) / kRowBlock) * static_cast<size_t>(units_per_row(w)) *
         static_cast<size_t>(unit_bytes(w));
}

// Packed codes of `bits` bits (LSB first: column c at bit c * bits);
// columns past the row's end read as 0.
uint8_t code_at(const uint8_t* row, int64_t cols, int bits, int64_t c) {
  if (c >= cols) return 0;
  const uint64_t bit = static_cast<uint64_t>(c) * static_cast<uint64_t>(bits);
  const unsigned shift = bit % 8;
  unsigned v = row[bit / 8];
  if (shift + static_cast<unsigned>(bits) > 8) v |= static_cast<unsigned>(row[bit / 8 + 1]) << 8;
  return static_cast<uint8_t>((v >> shift) & ((1u << bits) - 1));
}

// The index of the scale (and zero point) of row r's block b.
uint64_t scale_index(const codec::PackedWeights& w, int64_t r, int64_t b) {
  if (w.layout.granularity == codec::Granularity::kTensor) return 0;
  const uint64_t per_row = w.layout.granularity == codec::Granularity::kGroup ? static_cast<uint64_t>(b) : 0;
  return static_cast<uint64_t>(r) * w.segment.groups_per_row + per_row;
}

// Row r's block b of a ggml block format into its unit.
void repack_ggml_block(const codec::PackedWeights& w, const uint8_t* row, int64_t b, int64_t rr, uint8_t* unit) {
  const int64_t lane = 2 * rr + b % 2;  // the block's place among the unit's 8
  const uint8_t* block = row + b * block_bytes(w.layout.format);
  const bool q4_1 = w.layout.format == Format::kQ4_1;
  std::memcpy(unit + 32 * rr + 16 * (b % 2), block + (q4_1 ? 4 : 2), 16);
  std::memcpy(unit + 128 + 2 * lane, block, 2);
  if (q4_1) std::memcpy(unit + 128 + 16 + 2 * lane, block + 2, 2);
}

// Row rr's block b of 4-bit codes `code(c)`, c = 0..31: byte j holds
// columns j (low nibble) and j + 16 (ggml's order).
template <class Code>
void place_4bit(uint8_t* unit, int64_t rr, int64_t b, Code code) {
  uint8_t* codes = unit + 32 * rr + 16 * (b % 2);
  for (int64_t j = 0; j < 16; ++j) codes[j] = static_cast<uint8_t>(code(j) | code(j + 16) << 4);
}

// 2- and 3-bit codes: lane p = 16 rr + 8 (b % 2) + j (j = 0..7) of the
// 64-byte plane holds the low 2 bits of columns j, j + 8, j + 16, j + 24
// in bits 0-1, 2-3, 4-5, 6-7; 3-bit codes add 4 masks of 64 bits, mask k's
// bit p the third bit of column j + 8k.
template <class Code>
void place_narrow(uint8_t* unit, int bits, int64_t rr, int64_t b, Code code) {
  for (int64_t j = 0; j < 8; ++j) {
    const int64_t p = 16 * rr + 8 * (b % 2) + j;
    uint8_t low = 0;
    for (int64_t k = 0; k < 4; ++k) {
      const uint8_t c = code(j + 8 * k);
      low = static_cast<uint8_t>(low | (c & 3) << (2 * k));
      if (bits == 3 && (c & 4)) unit[64 + 8 * k + p / 8] = static_cast<uint8_t>(unit[64 + 8 * k + p / 8] | 1u << (p % 8));
    }
    unit[p] = low;
  }
}

// Row r's block b of an IntCodec/TableCodec weight into its unit.
void repack_packed_block(const codec::PackedWeights& w, const uint8_t* row, int64_t r, int64_t b, uint8_t* unit) {
  const int64_t rr = r % kRowBlock, lane = 2 * rr + b % 2, cols = w.layout.cols;
  const int bits = w.layout.bits;
  auto code = [&](int64_t j) { return code_at(row, cols, bits, b * kQ8Block + j); };
  if (bits == 4) {
    place_4bit(unit, rr, b, code);
  } else {
    place_narrow(unit, bits, rr, b, code);
  }
  const Rows4Kind kind = kind_of(w);
  if (kind == Rows4Kind::kRow) return;
  const int64_t ss = scale_bytes(w), codes = code_bytes(w);
  const uint64_t index = scale_index(w, r, b);
  std::memcpy(unit + codes + ss * lane, w.data + w.segment.scales_offset + static_cast<uint64_t>(ss) * index,
              static_cast<size_t>(ss));
  if (kind == Rows4Kind::kZeros) unit[codes + 8 * ss + lane] = w.data[w.segment.zero_points_offset + index];
}

}  // namespace

bool can_use_rows4(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMV_X86_KERNELS
  if (isa != Isa::kAvx512Vnni || !isa_available(Isa::kAvx512Vnni)) return false;
  const Q8Plan p = make_q8_plan(w);
  if (p.shape == Q8Shape::kQ4_0 || p.shape == Q8Shape::kQ4_1) return true;
  if (p.shape != Q8Shape::kPacked || p.bits < 2 || p.bits > 4) return false;
  // A scale per row (any scale type: the repacked copy holds it as f32),
  // or an f16 or e8 scale per 32 columns.
  return !p.group || (p.group_size == kQ8Block && p.scale_type != codec::ScaleType::kF32);
#else
  (void)isa;
  (void)w;
  return false;
#endif
}

size_t rows4_bytes(const codec::PackedWeights& w) {
  size_t bytes = unit_area_bytes(w);
  if (kind_of(w) == Rows4Kind::kRow) {
    bytes += sizeof(float) * static_cast<size_t>(padded_rows(w)) * (has_zeros(w) ? 2 : 1);
  }
  return bytes;
}

void repack_rows4(const codec::PackedWeights& w, uint8_t* out) {
  const int64_t rows = w.layout.rows, blocks = blocks_per_row(w), units = units_per_row(w);
  const size_t unit_size = static_cast<size_t>(unit_bytes(w));
  std::memset(out, 0, rows4_bytes(w));
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = w.data + static_cast<uint64_t>(r) * w.segment.row_bytes;
    uint8_t* row_block = out + static_cast<size_t>(r / kRowBlock) * static_cast<size_t>(units) * unit_size;
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t* unit = row_block + static_cast<size_t>(b / 2) * unit_size;
      if (is_ggml(w)) {
        repack_ggml_block(w, row, b, r % kRowBlock, unit);
      } else {
        repack_packed_block(w, row, r, b, unit);
      }
    }
  }
  if (kind_of(w) != Rows4Kind::kRow) return;
  // Per-row scales and zero points as f32, after the units.
  uint8_t* side = out + unit_area_bytes(w);
  for (int64_t r = 0; r < rows; ++r) {
    const float s = codec::scale_at(w, r, 0);
    std::memcpy(side + sizeof(float) * static_cast<size_t>(r), &s, sizeof s);
    if (!has_zeros(w)) continue;
    const float z = w.data[w.segment.zero_points_offset + scale_index(w, r, 0)];
    std::memcpy(side + sizeof(float) * static_cast<size_t>(padded_rows(w) + r), &z, sizeof z);
  }
}

Rows4Weights rows4_weights(const codec::PackedWeights& w, const uint8_t* data) {
  Rows4Weights v;
  v.data = data;
  v.rows = w.layout.rows;
  v.cols = w.layout.cols;
  v.kind = kind_of(w);
  v.e8 = has_e8(w);
  v.bits = bits_of(w);
  v.offset = 1 << (v.bits - 1);
  if (w.layout.format == Format::kQ4_1 || has_zeros(w)) v.offset = 0;
  if (v.kind == Rows4Kind::kRow) {
    const float* side = reinterpret_cast<const float*>(data + unit_area_bytes(w));
    v.row_scales = side;
    if (has_zeros(w)) v.row_zeros = side + padded_rows(w);
  }
  if (w.layout.format == Format::kTable) {
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
