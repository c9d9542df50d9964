// AVX-512 GEMV kernels for weights read in column order, 16 at a time:
// int8 per row (kInt8), f16/bf16 (kHalf) and 5..8-bit codes (kWide);
// compiled with the flags of gemv_avx512.cc, see there and
// gemv_avx512_common.h for the common structure.
#include "gemv/gemv_avx512_common.h"

#include <cstring>

#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

// ------------------------------------------------------------------- kInt8

// IntCodec 8-bit symmetric: value = code - 128, one scale per row.
// 32 columns of every row; kTail: the row may end inside them (masked).
template <int R, bool kTail>
[[gnu::always_inline]] inline void int8_step(const uint8_t* const* row, int64_t j, int64_t left, const float* x,
                                             __m512* acc_a, __m512* acc_b) {
  const __m512i zero_point = _mm512_set1_epi32(128);
  const __m512 x0 = _mm512_load_ps(x + j);
  const __m512 x1 = _mm512_load_ps(x + j + 16);
  for (int r = 0; r < R; ++r) {
    const __m128i b0 = kTail ? load_16_bytes(row[r] + j, left) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + j));
    const __m128i b1 =
        kTail ? load_16_bytes(row[r] + j + 16, left - 16) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + j + 16));
    const __m512i c0 = _mm512_sub_epi32(_mm512_cvtepu8_epi32(b0), zero_point);
    const __m512i c1 = _mm512_sub_epi32(_mm512_cvtepu8_epi32(b1), zero_point);
    acc_a[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c0), x0, acc_a[r]);
    acc_b[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c1), x1, acc_b[r]);
  }
}

template <int R>
void int8_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  const uint64_t row_bytes = w.segment.row_bytes;
  const uint8_t* row[R];
  __m512 acc_a[R], acc_b[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * row_bytes + static_cast<uint64_t>(ch.c0);
    acc_a[r] = _mm512_setzero_ps();
    acc_b[r] = _mm512_setzero_ps();
  }
  // Bytes of the row from the chunk on (>= ch.n: rows hold whole groups of 8).
  const int64_t chunk_bytes = min64(static_cast<int64_t>(row_bytes) - ch.c0, kChunk);
  NextRowsPrefetchL2 next(row[0] + kAhead * R * row_bytes, row_bytes, ch.n, next_rows(w, r0, R), (ch.n + 31) / 32);
  int64_t j = 0;
  for (; j + 32 <= chunk_bytes && j < ch.n; j += 32) {
    next.step();
    int8_step<R, false>(row, j, 0, ch.x, acc_a, acc_b);
  }
  if (j < ch.n) int8_step<R, true>(row, j, chunk_bytes - j, ch.x, acc_a, acc_b);
  for (int r = 0; r < R; ++r) y[r0 + r] += row_scale(w, r0 + r) * hsum(_mm512_add_ps(acc_a[r], acc_b[r]));
}

void int8_kernel_impl(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) int8_rows<kRows>(w, ch, r, y);
    switch (row_end - r) {
      case 3: int8_rows<3>(w, ch, r, y); break;
      case 2: int8_rows<2>(w, ch, r, y); break;
      case 1: int8_rows<1>(w, ch, r, y); break;
      default: break;
    }
  }
}

// ------------------------------------------------------------ f16, bf16

// 16 weights a step: vcvtph2ps (f16) or a zero-extension and a shift into
// the high half of the f32 (bf16 is the f32's top 16 bits).
template <bool kBf16>
[[gnu::always_inline]] inline __m512 load_half(const uint8_t* p, int64_t left) {
  const __m256i h = left >= 16 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
                               : _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << left) - 1u), p);
  if (kBf16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  return _mm512_cvtph_ps(h);
}

template <bool kBf16, int R>
void half_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  const uint8_t* row[R];
  __m512 acc_a[R], acc_b[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 * 2);
    acc_a[r] = _mm512_setzero_ps();
    acc_b[r] = _mm512_setzero_ps();
  }
  NextRowsPrefetchL2 next(row[0] + kAhead * R * w.segment.row_bytes, w.segment.row_bytes, ch.n * 2, next_rows(w, r0, R),
                        (ch.n + 31) / 32);
  for (int64_t j = 0; j < ch.n; j += 32) {
    next.step();
    const __m512 x0 = _mm512_load_ps(ch.x + j);
    const __m512 x1 = _mm512_load_ps(ch.x + j + 16);
    for (int r = 0; r < R; ++r) {
      // Columns past ch.n read as 0 (masked), never past the row.
      acc_a[r] = _mm512_fmadd_ps(load_half<kBf16>(row[r] + 2 * j, ch.n - j), x0, acc_a[r]);
      if (ch.n - j > 16) acc_b[r] = _mm512_fmadd_ps(load_half<kBf16>(row[r] + 2 * j + 32, ch.n - j - 16), x1, acc_b[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(_mm512_add_ps(acc_a[r], acc_b[r]));
}

template <bool kBf16>
void half_kernel_of(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
                    int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) half_rows<kBf16, kRows>(w, ch, r, y);
    for (; r < row_end; ++r) half_rows<kBf16, 1>(w, ch, r, y);
  }
}

void half_kernel_impl(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  if (w.layout.format == codec::Format::kBF16) return half_kernel_of<true>(w, x, bias, y, row_begin, row_end);
  half_kernel_of<false>(w, x, bias, y, row_begin, row_end);
}

// ------------------------------------------------- kWide (5..8-bit codes)

// 16 codes of kBits bits take 2 * kBits <= 16 bytes; code i starts at bit
// kBits * i, in the two bytes from byte kBits * i / 8 (kBits + 7 <= 16
// bits). The 16 bytes are broadcast to the four 128-bit lanes and one
// vpshufb puts code i's two bytes in 32-bit lane i; a variable shift and a
// mask finish the unpacking.
struct WideArgs {
  __m512i pick;   // vpshufb index: lane i <- bytes kBits*i/8, +1
  __m512i shift;  // (kBits * i) % 8
  __m512i mask;   // 2^kBits - 1
  __m512 t[16];   // the table, 16 entries per register
  __m512 e8_fraction;
};

// The codes of vector j (16 codes) of a row whose bytes from there on are
// `left` (never read past the row).
template <int kBits>
[[gnu::always_inline]] inline __m512i wide_codes(const WideArgs& a, const uint8_t* p, int64_t left) {
  const __m128i bytes = left >= 16 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))
                                   : _mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << left) - 1u), p);
  const __m512i wide = _mm512_broadcast_i32x4(bytes);
  const __m512i pair = _mm512_shuffle_epi8(wide, a.pick);
  const __m512i code = _mm512_srlv_epi32(pair, a.shift);
  return kBits == 8 ? code : _mm512_and_si512(code, a.mask);
}

// The value of 16 codes before scaling (ints: code - zero). Tables: a
// vpermt2ps looks up 32 entries (two registers) by the index's low 5 bits;
// larger tables are 2^(bits-5) such lookups, merged by a blend tree on
// bits 5, 6, 7 of the code. At 8 bits that is 8 permutes, 7 blends and 3
// tests per 16 codes, ~1.7 cycles per weight on this Zen 4: only 10-15%
// faster than a vgatherdps of the 16 entries from the table in L1 (the
// first version), and far from the bandwidth (docs/GEMV.md).
template <int kBits, bool kTable>
[[gnu::always_inline]] inline __m512 wide_values(const WideArgs& a, __m512i code, __m512i zero) {
  if (!kTable) return _mm512_cvtepi32_ps(_mm512_sub_epi32(code, zero));
  constexpr int kHalves = 1 << (kBits - 5);
  __m512 v[kHalves];
  for (int h = 0; h < kHalves; ++h) v[h] = _mm512_permutex2var_ps(a.t[2 * h], code, a.t[2 * h + 1]);
  for (int bit = 5, n = kHalves; n > 1; ++bit, n /= 2) {
    const __mmask16 upper = _mm512_test_epi32_mask(code, _mm512_set1_epi32(1 << bit));
    for (int h = 0; h < n / 2; ++h) v[h] = _mm512_mask_blend_ps(upper, v[2 * h], v[2 * h + 1]);
  }
  return v[0];
}

// Rows [r0, r0 + R), one chunk. The chunk's 16-code vectors go in order;
// a vector lies in one group (group sizes are multiples of 16), so each
// group's products are summed per lane, then scaled once (per-row scales:
// the whole chunk is one "group", scaled once per row at the end).
template <int kBits, bool kTable, bool kAffine, bool kGroups, ScaleType kType, int R>
void wide_rows(const WideArgs& a, const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  const uint64_t chunk_offset = static_cast<uint64_t>(ch.c0 / 8 * kBits);
  const int64_t chunk_bytes = static_cast<int64_t>(w.segment.row_bytes - chunk_offset);
  const int64_t vectors = (ch.n + 15) / 16;
  const int64_t gs = kGroups ? w.layout.group_size : kChunk;
  const int64_t first = ch.c0 / gs;
  const int64_t groups = kGroups ? (ch.c0 + ch.n + gs - 1) / gs - first : 1;
  const uint8_t* scales = w.data + w.segment.scales_offset;
  const uint8_t* zero_points = w.data + w.segment.zero_points_offset;
  const uint8_t* row[R];
  // Group scales and zero points of the chunk, decoded 16 at a time.
  alignas(64) float sc[kGroups ? R : 1][kGroups ? kChunk / 16 + 16 : 1];
  alignas(64) int32_t zp[kGroups && kAffine ? R : 1][kGroups && kAffine ? kChunk / 16 + 16 : 1];
  __m512i zero[R];
  __m512 acc[R], part[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + chunk_offset;
    acc[r] = _mm512_setzero_ps();
    part[r] = _mm512_setzero_ps();
    zero[r] = _mm512_set1_epi32(kAffine ? 0 : 1 << (kBits - 1));
    if (kGroups) {
      const uint64_t base = static_cast<uint64_t>(r0 + r) * w.segment.groups_per_row + static_cast<uint64_t>(first);
      for (int64_t g = 0; g < groups; g += 16) {
        _mm512_store_ps(&sc[kGroups ? r : 0][g],
                        load_scales<kType, 16>(scales, base + g, w.segment.num_scales, a.e8_fraction));
        if (kAffine) {
          const uint64_t left = w.segment.num_scales - (base + g);
          const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
          _mm512_store_si512(&zp[kGroups && kAffine ? r : 0][g], _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, zero_points + base + g)));
        }
      }
    } else if (kAffine) {
      const uint64_t index = w.layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r0 + r);
      zero[r] = _mm512_set1_epi32(zero_points[index]);
    }
  }
  NextRowsPrefetchL2 next(row[0] + kAhead * R * w.segment.row_bytes, w.segment.row_bytes, min64(chunk_bytes, 2 * kBits * vectors),
                        next_rows(w, r0, R), vectors);
  int64_t g = 0;  // the group of vector j, relative to `first`
  for (int64_t j = 0; j < vectors; ++j) {
    next.step();
    if (kGroups) {
      const int64_t gj = (ch.c0 + 16 * j) / gs - first;
      if (gj != g) {
        for (int r = 0; r < R; ++r) {
          acc[r] = _mm512_fmadd_ps(part[r], _mm512_set1_ps(sc[r][g]), acc[r]);
          part[r] = _mm512_setzero_ps();
          if (kAffine) zero[r] = _mm512_set1_epi32(zp[kGroups && kAffine ? r : 0][gj]);
        }
        g = gj;
      } else if (kAffine && j == 0) {
        for (int r = 0; r < R; ++r) zero[r] = _mm512_set1_epi32(zp[kGroups && kAffine ? r : 0][0]);
      }
    }
    const __m512 xj = _mm512_load_ps(ch.x + 16 * j);
    const int64_t offset = 2 * kBits * j;
    for (int r = 0; r < R; ++r) {
      const __m512i code = wide_codes<kBits>(a, row[r] + offset, chunk_bytes - offset);
      part[r] = _mm512_fmadd_ps(wide_values<kBits, kTable>(a, code, zero[r]), xj, part[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    if (kGroups) {
      acc[r] = _mm512_fmadd_ps(part[r], _mm512_set1_ps(sc[r][g]), acc[r]);
      y[r0 + r] += hsum(acc[r]);
    } else {
      y[r0 + r] += row_scale(w, r0 + r) * hsum(part[r]);
    }
  }
}

template <int kBits, bool kTable, bool kAffine, bool kGroups, ScaleType kType>
void wide_kernel_of(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
                    int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  WideArgs a;
  alignas(64) int32_t pick[16];
  alignas(64) int32_t shift[16];
  for (int i = 0; i < 16; ++i) {
    const int byte = kBits * i / 8;
    // Bytes byte, byte + 1 of the 128-bit lane (8 bits: byte alone), then
    // zeros (index 0x80).
    pick[i] = byte | (kBits == 8 ? 0x80 : byte + 1) << 8 | 0x80 << 16 | 0x80 << 24;
    shift[i] = kBits * i % 8;
  }
  a.pick = _mm512_load_si512(pick);
  a.shift = _mm512_load_si512(shift);
  a.mask = _mm512_set1_epi32((1 << kBits) - 1);
  alignas(64) float t[256] = {};
  if (kTable) {
    for (int i = 0; i < (1 << kBits); ++i) t[i] = w.table[i];
  }
  for (int i = 0; i < 16; ++i) a.t[i] = _mm512_load_ps(t + 16 * i);
  alignas(16) float fraction[16];
  e8_fraction_table(fraction);
  a.e8_fraction = _mm512_loadu_ps(fraction);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 16, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) wide_rows<kBits, kTable, kAffine, kGroups, kType, kRows>(a, w, ch, r, y);
    for (; r < row_end; ++r) wide_rows<kBits, kTable, kAffine, kGroups, kType, 1>(a, w, ch, r, y);
  }
}

template <int kBits, bool kTable, bool kAffine>
void wide_kernel_scales(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                        int64_t row_begin, int64_t row_end) {
  if (!plan.group_scales) return wide_kernel_of<kBits, kTable, kAffine, false, ScaleType::kF32>(w, x, bias, y, row_begin, row_end);
  switch (w.layout.scale_type) {
    case ScaleType::kF32: return wide_kernel_of<kBits, kTable, kAffine, true, ScaleType::kF32>(w, x, bias, y, row_begin, row_end);
    case ScaleType::kF16: return wide_kernel_of<kBits, kTable, kAffine, true, ScaleType::kF16>(w, x, bias, y, row_begin, row_end);
    case ScaleType::kE8: return wide_kernel_of<kBits, kTable, kAffine, true, ScaleType::kE8>(w, x, bias, y, row_begin, row_end);
  }
}

template <int kBits>
void wide_kernel_bits(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                      int64_t row_begin, int64_t row_end) {
  if (w.layout.format == codec::Format::kTable) return wide_kernel_scales<kBits, true, false>(plan, w, x, bias, y, row_begin, row_end);
  if (plan.affine) return wide_kernel_scales<kBits, false, true>(plan, w, x, bias, y, row_begin, row_end);
  wide_kernel_scales<kBits, false, false>(plan, w, x, bias, y, row_begin, row_end);
}

void wide_kernel_impl(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  switch (plan.bits) {
    case 5: return wide_kernel_bits<5>(plan, w, x, bias, y, row_begin, row_end);
    case 6: return wide_kernel_bits<6>(plan, w, x, bias, y, row_begin, row_end);
    case 7: return wide_kernel_bits<7>(plan, w, x, bias, y, row_begin, row_end);
    default: return wide_kernel_bits<8>(plan, w, x, bias, y, row_begin, row_end);
  }
}

}  // namespace

namespace avx512 {

void int8_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  int8_kernel_impl(plan, w, x, bias, y, row_begin, row_end);
}

void half_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  half_kernel_impl(plan, w, x, bias, y, row_begin, row_end);
}

void wide_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  wide_kernel_impl(plan, w, x, bias, y, row_begin, row_end);
}

}  // namespace avx512

}  // namespace nibble::gemv
