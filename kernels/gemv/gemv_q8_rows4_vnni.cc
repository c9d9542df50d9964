// The rows4 GEMV for 4-bit codes with int8 activations, AVX-512 VNNI (layout and
// contract: gemv_q8_rows4.h).
//
// Per chunk of up to kChunk columns a tile shared by all rows holds, per
// unit of 64 columns, the activations in the layout's byte order for the
// low nibbles (xlo: [b0 0..15, b1 0..15] twice, one copy per row of a
// 64-byte code vector) and for the high ones (xhi: columns 16..31), the
// offset correction -offset * sums[b] in the first lane of each block's
// four (offs: vpdpbusd starts from it, so the values are used unsigned:
// codes 0..15, or table bytes t + 128 after one vpshufb)
// and the blocks' activation scales in the order of the unit's 8 weight
// scales (dx). Per unit and block of 4 rows:
//   2 loads of codes, 2 shifts and 4 ANDs, 4 vpdpbusd (lanes 0-3: row 0
//   b0, 4-7: row 0 b1, 8-11: row 1 b0, ...), 2 conversions; one 16-byte
//   scale load, conversion and multiply by dx for all 4 rows, 2 permutes
//   to spread the scales over the lanes, 2 FMAs; Q4_1's m and affine zero
//   points one more load and FMA (per-row scales: none of the scale work).
// The layout is one forward stream; a software prefetch a few units ahead
// helps the hardware prefetcher keep ahead of it.
#include "gemv/gemv_q8_rows4.h"
#include "gemv/gemv_q8_rows4_vnni.h"

namespace nibble::gemv::detail {
namespace {

struct Tile {
  alignas(64) int8_t xlo[kChunk];
  alignas(64) int8_t xhi[kChunk];
  alignas(64) int32_t offs[kChunk / 4];
  alignas(32) float dx[kChunk / 8];
  alignas(32) float xs[kChunk / 8];  // kMins, kZeros: dx * sums, ordered as dx
};

// Units [u0, u0 + units) of the row (columns from 64 u0). Built per call
// (per task of rows), so in vectors: the 64 activations of a unit are
// [b0 0..15 | b0 16..31 | b1 0..15 | b1 16..31] as 128-bit lanes, and
// xlo, xhi are two 128-bit shuffles of them (built byte by byte, the tile
// took a quarter of a decoding step's GEMV time at 64 rows per task).
template <bool kSums>
void build_tile(const Q8Activations& x, int offset, int64_t u0, int64_t units, Tile* t) {
  for (int64_t u = 0; u < units; ++u) {
    const int64_t b0 = 2 * (u0 + u);  // first block; b0 + 1 < padded_cols / 32
    const __m512i q = _mm512_load_si512(x.q + b0 * kQ8Block);
    _mm512_store_si512(t->xlo + 64 * u, _mm512_shuffle_i64x2(q, q, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_store_si512(t->xhi + 64 * u, _mm512_shuffle_i64x2(q, q, _MM_SHUFFLE(3, 1, 3, 1)));
    const int32_t o0 = -offset * x.sums[b0], o1 = -offset * x.sums[b0 + 1];
    _mm512_store_si512(t->offs + 16 * u, _mm512_set_epi32(0, 0, 0, o1, 0, 0, 0, o0, 0, 0, 0, o1, 0, 0, 0, o0));
    store_unit_scales<kSums>(x, b0, t->dx + 8 * u, t->xs + 8 * u);
  }
}

// Sums of rows 0, 1 (acc01: lanes 0-7, 8-15) and 2, 3 (acc23) in lanes 0..3.
__m128 row_sums(__m512 acc01, __m512 acc23) {
  // 128-bit lane j of s: row j's two quarters added.
  const __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(acc01, acc23, _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_f32x4(acc01, acc23, _MM_SHUFFLE(3, 1, 3, 1)));
  __m512 h = _mm512_add_ps(s, _mm512_permute_ps(s, _MM_SHUFFLE(1, 0, 3, 2)));
  h = _mm512_add_ps(h, _mm512_permute_ps(h, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 8, 4, 0), h));
}

// kTable: the nibbles index the 16-byte table (vpshufb) first. kE8: the
// group scales are e8 codes. kKind: what follows the codes of a unit.
//   kScales: d = scale * dx per (row, block) lane.
//   kMins (Q4_1): also m * dx * sums, summed per lane in macc.
//   kZeros (affine groups): also -scale * zero * dx * sums, the same way.
//   kRow: d = dx; the row's scale multiplies the row's sum at the end, and
//     an affine row's -scale * zero * sum_b dx * sums starts y.
template <bool kTable, bool kE8, Rows4Kind kKind>
void rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
           int64_t row_end) {
  constexpr bool kM = kKind == Rows4Kind::kMins || kKind == Rows4Kind::kZeros;
  constexpr int64_t kUnitBytes = rows4_unit_bytes(4, kKind, kE8);
  constexpr int64_t kScaleBytes = kE8 ? 8 : 16;
  start_rows(w, x, bias, y, row_begin, row_end);
  const int64_t units_per_row = (w.cols + kUnit - 1) / kUnit;
  const uint64_t block_bytes = static_cast<uint64_t>(units_per_row) * static_cast<uint64_t>(kUnitBytes);
  const __m256 e8_fraction = e8_fractions();
  const __m512i low = _mm512_set1_epi8(0x0F);
  const __m512i rows01 = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  const __m512i rows23 = _mm512_set_epi32(7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 4);
  const __m512i table = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.table_u8)));
  auto values = [&](__m512i nibbles) { return kTable ? _mm512_shuffle_epi8(table, nibbles) : nibbles; };
  Tile t;
  for (int64_t u0 = 0; u0 < units_per_row; u0 += kUnits) {
    const int64_t units = units_per_row - u0 < kUnits ? units_per_row - u0 : kUnits;
    build_tile<kM>(x, w.offset, u0, units, &t);
    for (int64_t rb = row_begin / 4; rb * 4 < row_end; ++rb) {
      const uint8_t* p = w.data + static_cast<uint64_t>(rb) * block_bytes + static_cast<uint64_t>(u0 * kUnitBytes);
      __m512 acc01 = _mm512_setzero_ps(), acc23 = _mm512_setzero_ps();
      __m256 macc = _mm256_setzero_ps();
      for (int64_t u = 0; u < units; ++u, p += kUnitBytes) {
        _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes + 64), _MM_HINT_T0);
        if (kUnitBytes > 128) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes + 128), _MM_HINT_T0);
        const __m512i xlo = _mm512_load_si512(t.xlo + 64 * u);
        const __m512i xhi = _mm512_load_si512(t.xhi + 64 * u);
        const __m512i offs = _mm512_load_si512(t.offs + 16 * u);
        const __m256 dx = _mm256_load_ps(t.dx + 8 * u);
        __m256 d = dx;
        if (kKind != Rows4Kind::kRow) {
          const __m256 sw = unit_scales<kE8>(p + 128, e8_fraction);
          d = _mm256_mul_ps(sw, dx);
          if (kKind == Rows4Kind::kMins) {
            const __m256 m = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 144)));
            macc = _mm256_fmadd_ps(m, _mm256_load_ps(t.xs + 8 * u), macc);
          } else if (kKind == Rows4Kind::kZeros) {
            const __m256 zero = _mm256_cvtepi32_ps(
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 128 + kScaleBytes))));
            macc = _mm256_fnmadd_ps(_mm256_mul_ps(sw, zero), _mm256_load_ps(t.xs + 8 * u), macc);
          }
        }
        const __m512 scales = _mm512_castps256_ps512(d);
        const __m512i c01 = _mm512_loadu_si512(p);
        const __m512i c23 = _mm512_loadu_si512(p + 64);
        __m512i s01 = _mm512_dpbusd_epi32(offs, values(_mm512_and_si512(c01, low)), xlo);
        __m512i s23 = _mm512_dpbusd_epi32(offs, values(_mm512_and_si512(c23, low)), xlo);
        s01 = _mm512_dpbusd_epi32(s01, values(_mm512_and_si512(_mm512_srli_epi16(c01, 4), low)), xhi);
        s23 = _mm512_dpbusd_epi32(s23, values(_mm512_and_si512(_mm512_srli_epi16(c23, 4), low)), xhi);
        acc01 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s01), _mm512_permutexvar_ps(rows01, scales), acc01);
        acc23 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s23), _mm512_permutexvar_ps(rows23, scales), acc23);
      }
      alignas(16) float sums[4];
      _mm_store_ps(sums, row_sums(acc01, acc23));
      if (kM) {
        alignas(32) float m[8];
        _mm256_store_ps(m, macc);
        for (int i = 0; i < 4; ++i) sums[i] += m[2 * i] + m[2 * i + 1];
      }
      for (int i = 0; i < 4; ++i) {
        const int64_t r = 4 * rb + i;
        if (r < row_begin || r >= row_end) continue;
        y[r] += kKind == Rows4Kind::kRow ? w.factor * w.row_scales[r] * sums[i] : w.factor * sums[i];
      }
    }
  }
}

}  // namespace

void avx512vnni_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
                      int64_t row_end) {
  if (row_begin >= row_end) return;
  if (w.bits != 4) {
    avx512vnni_rows4_narrow(w, x, bias, y, row_begin, row_end);
    return;
  }
  using K = Rows4Kind;
  switch (w.kind) {
    case K::kScales:
      if (w.table) {
        (w.e8 ? rows4<true, true, K::kScales> : rows4<true, false, K::kScales>)(w, x, bias, y, row_begin, row_end);
      } else {
        (w.e8 ? rows4<false, true, K::kScales> : rows4<false, false, K::kScales>)(w, x, bias, y, row_begin, row_end);
      }
      return;
    case K::kMins: rows4<false, false, K::kMins>(w, x, bias, y, row_begin, row_end); return;
    case K::kZeros:
      (w.e8 ? rows4<false, true, K::kZeros> : rows4<false, false, K::kZeros>)(w, x, bias, y, row_begin, row_end);
      return;
    case K::kRow:
      (w.table ? rows4<true, false, K::kRow> : rows4<false, false, K::kRow>)(w, x, bias, y, row_begin, row_end);
      return;
  }
}

}  // namespace nibble::gemv::detail
