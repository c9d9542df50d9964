// The rows4 GEMV for 2- and 3-bit codes with int8 activations, AVX-512
// VNNI (layout and contract: gemv_q8_rows4.h).
//
// A unit's 64-byte plane holds 4 rows x 64 columns of 2-bit codes: lane
// p = 16 r + 8 b + j (row r, block b of the unit, j = 0..7) holds columns
// j + 8k of that row's block in bits 2k..2k+1. So (plane >> 2k) & 3 lines
// up, lane for lane, with the activations of columns j + 8k, which per
// unit are 16 bytes (qwords k and 4 + k of the unit's 64 activations)
// repeated over the 4 rows by a broadcast load. 3-bit codes add their
// third bit from one 64-bit mask per k (vpaddb under the mask adds 4).
// Per unit and 4 rows: 1 plane load, 3 shifts and 4 ANDs (3-bit: 4 mask
// loads and masked adds; tables: 4 vpshufb), 4 broadcast loads and 4
// vpdpbusd into one accumulator of 16 dwords (row r's 128-bit lane:
// dwords 0-1 block 0, 2-3 block 1); one conversion, the scale work of the
// 4-bit kernel, one permute spreading the 8 (row, block) scales over the
// dwords, one FMA. Half (2-bit) or 3/4 (3-bit) of the 4-bit kernel's bytes
// for about the same instructions.
#include <cstring>

#include "gemv/gemv_q8_rows4.h"
#include "gemv/gemv_q8_rows4_vnni.h"

namespace nibble::gemv::detail {
namespace {

struct NarrowTile {
  alignas(64) int8_t x[kChunk];            // per unit: 4 x 16 bytes, shift k's at 16 k
  alignas(64) int32_t offs[kChunk / 4];    // per unit: 16 dwords
  alignas(32) float dx[kChunk / 8];        // per unit: d0, d1 x 4 (the scales' order)
  alignas(32) float xs[kChunk / 8];        // kZeros: dx * sums, ordered as dx
};

template <bool kSums>
void build_tile(const Q8Activations& x, int offset, int64_t u0, int64_t units, NarrowTile* t) {
  const __m512i order = _mm512_set_epi64(7, 3, 6, 2, 5, 1, 4, 0);  // qwords k, 4 + k per 16 bytes
  for (int64_t u = 0; u < units; ++u) {
    const int64_t b0 = 2 * (u0 + u);
    const __m512i q = _mm512_load_si512(x.q + b0 * kQ8Block);
    _mm512_store_si512(t->x + 64 * u, _mm512_permutexvar_epi64(order, q));
    // The offset correction once per (row, block): dword 0 of the block's two.
    const int32_t o0 = -offset * x.sums[b0], o1 = -offset * x.sums[b0 + 1];
    _mm512_store_si512(t->offs + 16 * u, _mm512_set_epi32(0, o1, 0, o0, 0, o1, 0, o0, 0, o1, 0, o0, 0, o1, 0, o0));
    store_unit_scales<kSums>(x, b0, t->dx + 8 * u, t->xs + 8 * u);
  }
}

template <int kBits, bool kTable, bool kE8, Rows4Kind kKind>
void narrow(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
            int64_t row_end) {
  constexpr int64_t kCodes = rows4_code_bytes(kBits);
  constexpr int64_t kUnitBytes = rows4_unit_bytes(kBits, kKind, kE8);
  constexpr int64_t kScaleBytes = kE8 ? 8 : 16;
  constexpr bool kM = kKind == Rows4Kind::kZeros;
  start_rows(w, x, bias, y, row_begin, row_end);
  const int64_t units_per_row = (w.cols + kUnit - 1) / kUnit;
  const uint64_t block_bytes = static_cast<uint64_t>(units_per_row) * static_cast<uint64_t>(kUnitBytes);
  const __m256 e8_fraction = e8_fractions();
  const __m512i two_bits = _mm512_set1_epi8(3);
  const __m512i four = _mm512_set1_epi8(4);
  // Scale lane i (row i / 2, block i % 2) to dwords 2i, 2i + 1.
  const __m512i spread = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const __m512i table = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.table_u8)));
  NarrowTile t;
  for (int64_t u0 = 0; u0 < units_per_row; u0 += kUnits) {
    const int64_t units = units_per_row - u0 < kUnits ? units_per_row - u0 : kUnits;
    build_tile<kM>(x, w.offset, u0, units, &t);
    for (int64_t rb = row_begin / 4; rb * 4 < row_end; ++rb) {
      const uint8_t* p = w.data + static_cast<uint64_t>(rb) * block_bytes + static_cast<uint64_t>(u0 * kUnitBytes);
      __m512 acc = _mm512_setzero_ps();
      __m256 macc = _mm256_setzero_ps();
      for (int64_t u = 0; u < units; ++u, p += kUnitBytes) {
        _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
        if (kUnitBytes > 64) _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes + 64), _MM_HINT_T0);
        const __m512i plane = _mm512_loadu_si512(p);
        const int8_t* xu = t.x + 64 * u;
        __m512i s = _mm512_load_si512(t.offs + 16 * u);
        for (int k = 0; k < 4; ++k) {
          __m512i v = _mm512_and_si512(k == 0 ? plane : _mm512_srli_epi16(plane, 2 * k), two_bits);
          if (kBits == 3) {
            uint64_t bits;
            std::memcpy(&bits, p + 64 + 8 * k, sizeof bits);
            v = _mm512_mask_add_epi8(v, _cvtu64_mask64(bits), v, four);
          }
          if (kTable) v = _mm512_shuffle_epi8(table, v);
          const __m512i xk = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(xu + 16 * k)));
          s = _mm512_dpbusd_epi32(s, v, xk);
        }
        const __m256 dx = _mm256_load_ps(t.dx + 8 * u);
        __m256 d = dx;
        if (kKind != Rows4Kind::kRow) {
          const __m256 sw = unit_scales<kE8>(p + kCodes, e8_fraction);
          d = _mm256_mul_ps(sw, dx);
          if (kM) {
            const __m256 zero = _mm256_cvtepi32_ps(
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + kCodes + kScaleBytes))));
            macc = _mm256_fnmadd_ps(_mm256_mul_ps(sw, zero), _mm256_load_ps(t.xs + 8 * u), macc);
          }
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(d)), acc);
      }
      alignas(64) float lanes[16];
      _mm512_store_ps(lanes, acc);
      alignas(32) float m[8] = {};
      if (kM) _mm256_store_ps(m, macc);
      for (int i = 0; i < 4; ++i) {
        const int64_t r = 4 * rb + i;
        if (r < row_begin || r >= row_end) continue;
        const float sum = (lanes[4 * i] + lanes[4 * i + 1]) + (lanes[4 * i + 2] + lanes[4 * i + 3]) +
                          (kM ? m[2 * i] + m[2 * i + 1] : 0.0f);
        y[r] += kKind == Rows4Kind::kRow ? w.factor * w.row_scales[r] * sum : w.factor * sum;
      }
    }
  }
}

template <int kBits>
void narrow_kinds(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y, int64_t row_begin,
                  int64_t row_end) {
  using K = Rows4Kind;
  switch (w.kind) {
    case K::kScales:
      if (w.table) {
        (w.e8 ? narrow<kBits, true, true, K::kScales> : narrow<kBits, true, false, K::kScales>)(w, x, bias, y,
                                                                                               row_begin, row_end);
      } else {
        (w.e8 ? narrow<kBits, false, true, K::kScales> : narrow<kBits, false, false, K::kScales>)(w, x, bias, y,
                                                                                                 row_begin, row_end);
      }
      return;
    case K::kZeros:
      (w.e8 ? narrow<kBits, false, true, K::kZeros> : narrow<kBits, false, false, K::kZeros>)(w, x, bias, y,
                                                                                             row_begin, row_end);
      return;
    case K::kRow:
      (w.table ? narrow<kBits, true, false, K::kRow> : narrow<kBits, false, false, K::kRow>)(w, x, bias, y,
                                                                                            row_begin, row_end);
      return;
    case K::kMins: return;  // Q4_1 only: never narrow
  }
}

}  // namespace

void avx512vnni_rows4_narrow(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                             int64_t row_begin, int64_t row_end) {
  (w.bits == 3 ? narrow_kinds<3> : narrow_kinds<2>)(w, x, bias, y, row_begin, row_end);
}

}  // namespace nibble::gemv::detail
