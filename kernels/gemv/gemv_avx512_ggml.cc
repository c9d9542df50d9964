// AVX-512 GEMV kernels for the ggml block formats (Q4_0, Q8_0, Q4_1,
// Q5_0, Q5_1); compiled with the flags of gemv_avx512.cc, see there and
// gemv_avx512_common.h for the common structure.
#include "gemv/gemv_avx512_common.h"

#include <cstring>

#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

// ------------------------------------------------------------ Q4_0, Q8_0

// The fp16 d of ggml blocks, converted for a block row: vpermt2w picks the
// d words out of 128 bytes (8 Q4_0 or 4 Q8_0 blocks) and vcvtph2ps
// converts them, instead of a scalar conversion per block. Writes up to 8
// floats past d[n - 1].
// kOffset: the byte offset of the f16 in the block (2 for the m of Q4_1,
// Q5_1).
template <int kBlockBytes, int kOffset = 0>
void load_block_scales(const uint8_t* blocks, int64_t n, float* d) {
  constexpr int kPerStep = (126 - kOffset) / kBlockBytes + 1;  // blocks whose f16 lies in the first 128 bytes
  alignas(64) int16_t index[32] = {};
  for (int j = 0; j < kPerStep; ++j) index[j] = static_cast<int16_t>((j * kBlockBytes + kOffset) / 2);
  const __m512i idx = _mm512_load_si512(index);
  for (int64_t j = 0; j < n; j += kPerStep) {
    const uint8_t* p = blocks + j * kBlockBytes;
    const int64_t bytes = min64(128, (n - j) * kBlockBytes);
    const __m512i lo = load_bytes(p, bytes);
    const __m512i hi = bytes > 64 ? load_bytes(p + 64, bytes - 64) : _mm512_setzero_si512();
    const __m128i h = _mm512_castsi512_si128(_mm512_permutex2var_epi16(lo, idx, hi));
    _mm256_storeu_ps(d + j, _mm256_cvtph_ps(h));  // 8 floats: d has 8 of slack
  }
}

constexpr int64_t kGgmlBlocks = kChunk / codec::kGgmlBlock;

// Q4_0: byte j of a block's qs holds weight j (low nibble) and weight j + 16
// (high nibble): one zero-extension gives both halves in order, a permute of
// {-8 .. 7} decodes them. x needs no permutation.
template <int R>
void q4_0_rows(const __m512 values, const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  constexpr int kBytes = 18;
  const int64_t nb = (ch.n + 31) / 32;
  const uint8_t* row[R];
  alignas(64) float d[R][kGgmlBlocks + 8];
  __m512 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * kBytes);
    load_block_scales<kBytes>(row[r], nb, d[r]);
    acc[r] = _mm512_setzero_ps();
  }
  NextRowsPrefetchL2 next(row[0] + kAhead * R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
  for (int64_t j = 0; j < nb; ++j) {
    next.step();
    const __m512 x0 = _mm512_load_ps(ch.x + 32 * j);
    const __m512 x1 = _mm512_load_ps(ch.x + 32 * j + 16);
    for (int r = 0; r < R; ++r) {
      const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + j * kBytes + 2)));
      __m512 p = _mm512_mul_ps(_mm512_permutexvar_ps(v, values), x0);
      p = _mm512_fmadd_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), values), x1, p);
      acc[r] = _mm512_fmadd_ps(p, _mm512_set1_ps(d[r][j]), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

template <int R>
void q8_0_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  constexpr int kBytes = 34;
  const int64_t nb = (ch.n + 31) / 32;
  const uint8_t* row[R];
  alignas(64) float d[R][kGgmlBlocks + 8];
  __m512 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * kBytes);
    load_block_scales<kBytes>(row[r], nb, d[r]);
    acc[r] = _mm512_setzero_ps();
  }
  NextRowsPrefetchL2 next(row[0] + kAhead * R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
  for (int64_t j = 0; j < nb; ++j) {
    next.step();
    const __m512 x0 = _mm512_load_ps(ch.x + 32 * j);
    const __m512 x1 = _mm512_load_ps(ch.x + 32 * j + 16);
    for (int r = 0; r < R; ++r) {
      const uint8_t* q = row[r] + j * kBytes + 2;
      const __m512 w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q))));
      const __m512 w1 =
          _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16))));
      const __m512 p = _mm512_fmadd_ps(w1, x1, _mm512_mul_ps(w0, x0));
      acc[r] = _mm512_fmadd_ps(p, _mm512_set1_ps(d[r][j]), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

template <bool kQ4>
void ggml_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  const __m512 values = _mm512_loadu_ps(plan.values);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    int64_t r = row_begin;
    if (kQ4) {
      for (; r + kRows <= row_end; r += kRows) q4_0_rows<kRows>(values, w, ch, r, y);
      for (; r < row_end; ++r) q4_0_rows<1>(values, w, ch, r, y);
    } else {
      for (; r + kRows <= row_end; r += kRows) q8_0_rows<kRows>(w, ch, r, y);
      for (; r < row_end; ++r) q8_0_rows<1>(w, ch, r, y);
    }
  }
}

// Q4_1, Q5_0, Q5_1: the Q4_0 scheme, plus
//   - the fifth bit (Q5): qh bit j belongs to weight j. A broadcast of qh
//     shifted right by the lane's weight index (vpsrlvd) and left by 4
//     puts it at bit 4 of the index; the 32-entry table (two registers,
//     vpermt2ps, which reads the low 5 index bits only, so the bits above
//     may be left as they are) decodes the 5-bit code.
//   - the min m (_1): w = d q + m, so a block adds d * sum q x + m * sum x;
//     the blocks' x sums are worked out once per chunk (shared by every
//     row) and the m terms of a row are summed 16 blocks at a time.
template <int kBlockBytes>
constexpr int ggml_qs_offset() {
  return kBlockBytes == 20 ? 4 : kBlockBytes == 22 ? 6 : 8;
}

// Block sums of x: bx[j] = x[32 j] + ... + x[32 j + 31] (in that order),
// zeros up to a multiple of 16 blocks.
void block_x_sums(const PlainChunk& ch, float* bx) {
  const int64_t nb = (ch.n + 31) / 32;
  for (int64_t j = 0; j < (nb + 15) / 16 * 16; ++j) {
    float sum = 0.0f;
    if (j < nb) {
      for (int i = 0; i < 32; ++i) sum += ch.x[32 * j + i];
    }
    bx[j] = sum;
  }
}

template <int kBlockBytes, int R>
void ggml5_rows(const __m512 t_lo, const __m512 t_hi, const float* bx, const codec::PackedWeights& w,
                const PlainChunk& ch, int64_t r0, float* y) {
  constexpr bool kHigh = kBlockBytes != 20;  // Q5_*: qh
  constexpr bool kMin = kBlockBytes != 22;   // _1: m
  constexpr int kQs = ggml_qs_offset<kBlockBytes>();
  const int64_t nb = (ch.n + 31) / 32;
  const uint8_t* row[R];
  alignas(64) float d[R][kGgmlBlocks + 8];
  alignas(64) float m[R][kGgmlBlocks + 8];
  __m512 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * kBlockBytes);
    load_block_scales<kBlockBytes>(row[r], nb, d[r]);
    if (kMin) load_block_scales<kBlockBytes, 2>(row[r], nb, m[r]);
    acc[r] = _mm512_setzero_ps();
  }
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i lane_hi = _mm512_add_epi32(lane, _mm512_set1_epi32(16));
  const __m512i low4 = _mm512_set1_epi32(0x0F);
  NextRowsPrefetchL2 next(row[0] + kAhead * R * w.segment.row_bytes, w.segment.row_bytes, nb * kBlockBytes, next_rows(w, r0, R),
                        nb);
  for (int64_t j = 0; j < nb; ++j) {
    next.step();
    const __m512 x0 = _mm512_load_ps(ch.x + 32 * j);
    const __m512 x1 = _mm512_load_ps(ch.x + 32 * j + 16);
    for (int r = 0; r < R; ++r) {
      const uint8_t* block = row[r] + j * kBlockBytes;
      const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + kQs)));
      __m512 w0, w1;
      if (kHigh) {
        uint32_t qh;
        std::memcpy(&qh, block + kQs - 4, 4);
        const __m512i h = _mm512_set1_epi32(static_cast<int>(qh));
        const __m512i h0 = _mm512_slli_epi32(_mm512_srlv_epi32(h, lane), 4);
        const __m512i h1 = _mm512_slli_epi32(_mm512_srlv_epi32(h, lane_hi), 4);
        // Low nibble from v, bit 4 (and don't-care bits above) from h0.
        const __m512i i0 = _mm512_ternarylogic_epi32(v, h0, low4, 0xE4);
        const __m512i i1 = _mm512_or_si512(_mm512_srli_epi32(v, 4), h1);
        w0 = _mm512_permutex2var_ps(t_lo, i0, t_hi);
        w1 = _mm512_permutex2var_ps(t_lo, i1, t_hi);
      } else {
        w0 = _mm512_permutexvar_ps(v, t_lo);
        w1 = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), t_lo);
      }
      const __m512 p = _mm512_fmadd_ps(w1, x1, _mm512_mul_ps(w0, x0));
      acc[r] = _mm512_fmadd_ps(p, _mm512_set1_ps(d[r][j]), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float sum = hsum(acc[r]);
    if (kMin) {
      __m512 mx = _mm512_setzero_ps();
      for (int64_t j = 0; j < nb; j += 16) {
        const __mmask16 k = nb - j >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (nb - j)) - 1u);
        mx = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, m[r] + j), _mm512_load_ps(bx + j), mx);
      }
      sum += hsum(mx);
    }
    y[r0 + r] += sum;
  }
}

template <int kBlockBytes>
void ggml5_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  // Code values: Q4_1 0..15, Q5_0 -16..15, Q5_1 0..31.
  alignas(64) float table[32];
  for (int c = 0; c < 32; ++c) table[c] = static_cast<float>(kBlockBytes == 22 ? c - 16 : c);
  const __m512 t_lo = _mm512_load_ps(table);
  const __m512 t_hi = _mm512_load_ps(table + 16);
  PlainChunk ch;
  alignas(64) float bx[kGgmlBlocks + 16];
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    if (kBlockBytes != 22) block_x_sums(ch, bx);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) ggml5_rows<kBlockBytes, kRows>(t_lo, t_hi, bx, w, ch, r, y);
    for (; r < row_end; ++r) ggml5_rows<kBlockBytes, 1>(t_lo, t_hi, bx, w, ch, r, y);
  }
}

}  // namespace

namespace avx512 {

void q4_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml_kernel<true>(plan, w, x, bias, y, row_begin, row_end);
}

void q8_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml_kernel<false>(plan, w, x, bias, y, row_begin, row_end);
}

void q4_1_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml5_kernel<20>(plan, w, x, bias, y, row_begin, row_end);
}

void q5_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml5_kernel<22>(plan, w, x, bias, y, row_begin, row_end);
}

void q5_1_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml5_kernel<24>(plan, w, x, bias, y, row_begin, row_end);
}

}  // namespace avx512

}  // namespace nibble::gemv
