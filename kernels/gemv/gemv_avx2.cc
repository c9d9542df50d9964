// AVX2 + FMA + F16C GEMV kernels (gemv_kernels.h). This file alone is
// compiled with -mavx2 -mfma -mf16c, and its table is used only on CPUs
// that have them (gemv_dispatch.cc). Internal linkage only.
//
// The structure is the AVX-512 file's (gemv_avx512.cc has the reasoning):
// kRows rows at a time, fixed chunks of kChunk columns with x copied into a
// zero-padded (for 4-bit codes, permuted) stack buffer, each row computed by
// the same operations whatever its neighbours. Differences:
//   - 8 lanes: a 32-byte load holds 64 codes, lane i codes 8i .. 8i+7, so
//     x is permuted as xp[64b + 8k + i] = x[64b + 8i + k].
//   - vpermps holds 8 entries, so a 16-entry lookup is two permutes (the low
//     and high halves of the table, indexed by the low 3 bits) and a blend on
//     bit 3 of the code, which a left shift moves to the sign bit that
//     blendvps reads.
//   - no masked byte loads: tails are copied into a zeroed buffer first.
#include <immintrin.h>

#include <cstring>

#include "codec/ggml_blocks.h"
#include "codec/scale_storage.h"
#include "gemv/gemv_kernels.h"
#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

using codec::ScaleType;

constexpr int64_t kChunk = 4096;
constexpr int kRows = 2;  // 16 registers: two tables, and codes/partial/accumulator/temporaries per row
constexpr int64_t kCodeBlock = 64;  // kCode4: 8 lanes x 8 codes = 32 bytes
constexpr int64_t kCodeBlocks = kChunk / kCodeBlock;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

float hsum(__m256 v) {
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  b = _mm_add_ps(b, _mm_movehl_ps(b, b));
  b = _mm_add_ss(b, _mm_movehdup_ps(b));
  return _mm_cvtss_f32(b);
}

void init_outputs(const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = bias != nullptr ? bias[r] : 0.0f;
}

// How many rows follow the block [r0, r0 + R): what NextRowsPrefetch fetches.
int next_rows(const codec::PackedWeights& w, int64_t r0, int R) {
  const int64_t left = w.layout.rows - (r0 + R);
  return static_cast<int>(left < 0 ? 0 : (left < R ? left : R));
}

// 32 bytes from p, of which only [0, n) are read (zeros above).
__m256i load_32(const uint8_t* p, int64_t n) {
  if (n >= 32) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  alignas(32) uint8_t tail[32] = {};
  std::memcpy(tail, p, static_cast<size_t>(n));
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
}

// values[code & 15] for the 4-bit code in bits [0, 4) of `index` and with its
// bit 3 also in the sign bit of `bit3`.
__m256 lookup16(__m256 lo, __m256 hi, __m256i index, __m256i bit3) {
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, index), _mm256_permutevar8x32_ps(hi, index),
                          _mm256_castsi256_ps(bit3));
}

// Code 8i + k of each lane of v (k fixed): lookup16 with the shifts for k.
template <int k>
__m256 code_of_lanes(__m256 lo, __m256 hi, __m256i v) {
  const __m256i index = k == 0 ? v : _mm256_srli_epi32(v, 4 * k);
  const __m256i bit3 = k == 7 ? v : _mm256_slli_epi32(v, 28 - 4 * k);
  return lookup16(lo, hi, index, bit3);
}

// ------------------------------------------------------------------ kCode4

struct Code4Chunk {
  int64_t c0 = 0;
  int64_t blocks = 0;
  int64_t groups = 0;  // group scales the chunk's columns use (per row)
  alignas(32) float xp[kChunk];
  alignas(32) int32_t rel[kCodeBlocks * 8];
  int32_t first_group[kCodeBlocks];
};

void build_code4_chunk(const float* x, int64_t cols, int64_t c0, int64_t group_size, Code4Chunk* ch) {
  const int64_t n = min64(kChunk, cols - c0);
  ch->c0 = c0;
  ch->blocks = (n + kCodeBlock - 1) / kCodeBlock;
  for (int64_t b = 0; b < ch->blocks; ++b) {
    for (int k = 0; k < 8; ++k) {
      for (int i = 0; i < 8; ++i) {
        const int64_t c = b * kCodeBlock + 8 * i + k;
        ch->xp[b * kCodeBlock + 8 * k + i] = c < n ? x[c0 + c] : 0.0f;
      }
    }
  }
  if (group_size > 0) {
    block_groups(c0, ch->blocks, 8, 8, 1, group_size, ch->first_group, ch->rel);
    ch->groups = (c0 + n + group_size - 1) / group_size - c0 / group_size;
  }
}

// Scales [index, index + 8) as f32 (those past num_scales are 0).
template <ScaleType kType>
__m256 load_8_scales(const uint8_t* scales, uint64_t index, uint64_t num_scales, __m256 e8_fraction) {
  constexpr uint64_t kSize = kType == ScaleType::kF32 ? 4 : (kType == ScaleType::kF16 ? 2 : 1);
  const uint8_t* p = scales + index * kSize;
  alignas(32) uint8_t tail[32] = {};
  if (num_scales - index < 8) {
    std::memcpy(tail, p, static_cast<size_t>((num_scales - index) * kSize));
    p = tail;
  }
  if (kType == ScaleType::kF32) return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  if (kType == ScaleType::kF16) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  // e8 (see gemv_plan.h): the fraction from the low 3 bits, c / 8 into the exponent.
  const __m256i c = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m256 fraction = _mm256_permutevar8x32_ps(e8_fraction, c);
  const __m256i exponent = _mm256_slli_epi32(_mm256_srli_epi32(c, 3), 23);
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(fraction), exponent));
}

struct Code4Args {
  __m256 lo, hi;  // values[0..8), values[8..16)
  __m256 e8_fraction;
  const uint8_t* codes;
  uint64_t row_bytes;
  const uint8_t* scales;
  uint64_t num_scales;
  uint64_t groups_per_row;
  const codec::PackedWeights* w;
};

// p[r] (+)= value(code 8i+k) * xk for every row.
template <int R, int k>
void code4_step(const Code4Args& a, const __m256i* v, const float* xb, __m256* p) {
  const __m256 xk = _mm256_load_ps(xb + 8 * k);
  for (int r = 0; r < R; ++r) {
    const __m256 t = code_of_lanes<k>(a.lo, a.hi, v[r]);
    p[r] = k == 0 ? _mm256_mul_ps(t, xk) : _mm256_fmadd_ps(t, xk, p[r]);
  }
}

// The 8 codes of every lane of a block, summed per lane with x.
template <int R>
void code4_block(const Code4Args& a, const __m256i* v, const float* xb, __m256* p) {
  code4_step<R, 0>(a, v, xb, p);
  code4_step<R, 1>(a, v, xb, p);
  code4_step<R, 2>(a, v, xb, p);
  code4_step<R, 3>(a, v, xb, p);
  code4_step<R, 4>(a, v, xb, p);
  code4_step<R, 5>(a, v, xb, p);
  code4_step<R, 6>(a, v, xb, p);
  code4_step<R, 7>(a, v, xb, p);
}

template <int R, ScaleType kType, bool kGroup>
void code4_rows(const Code4Args& a, const Code4Chunk& ch, int64_t r0, float* y) {
  const uint8_t* row[R];
  __m256 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + static_cast<uint64_t>(ch.c0 / 2);
    acc[r] = _mm256_setzero_ps();
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes) - ch.c0 / 2;
  const int next = next_rows(*a.w, r0, R);
  NextRowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, min64(chunk_bytes, 32 * ch.blocks), next, ch.blocks);
  const uint64_t scale_bytes = codec::scale_size(kType);
  NextRowsPrefetch next_scales(a.scales + ((r0 + R) * a.groups_per_row + (kGroup ? ch.first_group[0] : 0)) * scale_bytes,
                               a.groups_per_row * scale_bytes, ch.groups * static_cast<int64_t>(scale_bytes),
                               kGroup ? next : 0, ch.blocks);
  for (int64_t b = 0; b < ch.blocks; ++b) {
    const int64_t offset = 32 * b;
    next_codes.step();
    next_scales.step();
    __m256i v[R];
    __m256 p[R];
    for (int r = 0; r < R; ++r) v[r] = load_32(row[r] + offset, chunk_bytes - offset);
    code4_block<R>(a, v, ch.xp + kCodeBlock * b, p);
    if (kGroup) {
      const __m256i rel = _mm256_load_si256(reinterpret_cast<const __m256i*>(ch.rel + 8 * b));
      for (int r = 0; r < R; ++r) {
        const uint64_t index = static_cast<uint64_t>(r0 + r) * a.groups_per_row + static_cast<uint64_t>(ch.first_group[b]);
        const __m256 s8 = load_8_scales<kType>(a.scales, index, a.num_scales, a.e8_fraction);
        acc[r] = _mm256_fmadd_ps(p[r], _mm256_permutevar8x32_ps(s8, rel), acc[r]);
      }
    } else {
      // One scale per row: applied once to the row's sum. acc and p are two
      // chains (this block's p is added here, the next one is independent).
      for (int r = 0; r < R; ++r) acc[r] = _mm256_add_ps(acc[r], p[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    y[r0 + r] += kGroup ? hsum(acc[r]) : row_scale(*a.w, r0 + r) * hsum(acc[r]);
  }
}

template <int R>
void code4_rows_of(const Plan& plan, const Code4Args& a, const Code4Chunk& ch, int64_t r0, float* y) {
  if (!plan.group_scales) return code4_rows<R, ScaleType::kF32, false>(a, ch, r0, y);
  switch (a.w->layout.scale_type) {
    case ScaleType::kF32: return code4_rows<R, ScaleType::kF32, true>(a, ch, r0, y);
    case ScaleType::kF16: return code4_rows<R, ScaleType::kF16, true>(a, ch, r0, y);
    case ScaleType::kE8: return code4_rows<R, ScaleType::kE8, true>(a, ch, r0, y);
  }
}

void code4_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  alignas(32) float fraction[16];
  e8_fraction_table(fraction);
  Code4Args a;
  a.lo = _mm256_loadu_ps(plan.values);
  a.hi = _mm256_loadu_ps(plan.values + 8);
  a.e8_fraction = _mm256_load_ps(fraction);
  a.codes = w.data;
  a.row_bytes = w.segment.row_bytes;
  a.scales = w.data + w.segment.scales_offset;
  a.num_scales = w.segment.num_scales;
  a.groups_per_row = w.segment.groups_per_row;
  a.w = &w;
  Code4Chunk ch;
  const int64_t cols = w.layout.cols;
  for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
    build_code4_chunk(x, cols, c0, plan.group_scales ? plan.group_size : 0, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) code4_rows_of<kRows>(plan, a, ch, r, y);
    for (; r < row_end; ++r) code4_rows_of<1>(plan, a, ch, r, y);
  }
}

// ---------------------------------------------------- plain x: int8, ggml

struct PlainChunk {
  int64_t c0 = 0;
  int64_t n = 0;
  alignas(32) float x[kChunk];
};

void build_plain_chunk(const float* x, int64_t cols, int64_t c0, int64_t pad_to, PlainChunk* ch) {
  ch->c0 = c0;
  ch->n = min64(kChunk, cols - c0);
  const int64_t padded = (ch->n + pad_to - 1) / pad_to * pad_to;
  std::memcpy(ch->x, x + c0, static_cast<size_t>(ch->n) * sizeof(float));
  for (int64_t i = ch->n; i < padded; ++i) ch->x[i] = 0.0f;
}

__m256i load_8_bytes_as_i32(const uint8_t* p, bool is_signed) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
}

// IntCodec 8-bit symmetric: value = code - 128. Rows hold a multiple of 8
// codes, so 8-byte loads never leave the row.
template <int R>
void int8_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  const uint8_t* row[R];
  __m256 acc_a[R], acc_b[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0);
    acc_a[r] = _mm256_setzero_ps();
    acc_b[r] = _mm256_setzero_ps();
  }
  const __m256i zero_point = _mm256_set1_epi32(128);
  const int64_t padded = (ch.n + 7) / 8 * 8;
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, padded, next_rows(w, r0, R),
                        padded / 16);
  int64_t j = 0;
  for (; j + 16 <= padded; j += 16) {
    next.step();
    const __m256 x0 = _mm256_load_ps(ch.x + j);
    const __m256 x1 = _mm256_load_ps(ch.x + j + 8);
    for (int r = 0; r < R; ++r) {
      const __m256i c0 = _mm256_sub_epi32(load_8_bytes_as_i32(row[r] + j, false), zero_point);
      const __m256i c1 = _mm256_sub_epi32(load_8_bytes_as_i32(row[r] + j + 8, false), zero_point);
      acc_a[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c0), x0, acc_a[r]);
      acc_b[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c1), x1, acc_b[r]);
    }
  }
  if (j < padded) {
    const __m256 x0 = _mm256_load_ps(ch.x + j);
    for (int r = 0; r < R; ++r) {
      const __m256i c0 = _mm256_sub_epi32(load_8_bytes_as_i32(row[r] + j, false), zero_point);
      acc_a[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c0), x0, acc_a[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += row_scale(w, r0 + r) * hsum(_mm256_add_ps(acc_a[r], acc_b[r]));
}

void int8_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 8, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) int8_rows<kRows>(w, ch, r, y);
    for (; r < row_end; ++r) int8_rows<1>(w, ch, r, y);
  }
}

float block_d(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

// Q4_0: byte j of qs holds weight j (low nibble) and j + 16 (high nibble).
template <int R>
void q4_0_rows(const __m256 lo, const __m256 hi, const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0,
               float* y) {
  constexpr int kBytes = 18;
  const int64_t nb = (ch.n + 31) / 32;
  const uint8_t* row[R];
  __m256 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * kBytes);
    acc[r] = _mm256_setzero_ps();
  }
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
  for (int64_t j = 0; j < nb; ++j) {
    next.step();
    const float* xb = ch.x + 32 * j;
    for (int r = 0; r < R; ++r) {
      const uint8_t* block = row[r] + j * kBytes;
      const __m256i b0 = load_8_bytes_as_i32(block + 2, false);   // weights 0..7, 16..23
      const __m256i b1 = load_8_bytes_as_i32(block + 10, false);  // weights 8..15, 24..31
      __m256 p = _mm256_mul_ps(lookup16(lo, hi, b0, _mm256_slli_epi32(b0, 28)), _mm256_load_ps(xb));
      p = _mm256_fmadd_ps(lookup16(lo, hi, b1, _mm256_slli_epi32(b1, 28)), _mm256_load_ps(xb + 8), p);
      p = _mm256_fmadd_ps(lookup16(lo, hi, _mm256_srli_epi32(b0, 4), _mm256_slli_epi32(b0, 24)),
                          _mm256_load_ps(xb + 16), p);
      p = _mm256_fmadd_ps(lookup16(lo, hi, _mm256_srli_epi32(b1, 4), _mm256_slli_epi32(b1, 24)),
                          _mm256_load_ps(xb + 24), p);
      acc[r] = _mm256_fmadd_ps(p, _mm256_set1_ps(block_d(block)), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

template <int R>
void q8_0_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  constexpr int kBytes = 34;
  const int64_t nb = (ch.n + 31) / 32;
  const uint8_t* row[R];
  __m256 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 / 32 * kBytes);
    acc[r] = _mm256_setzero_ps();
  }
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
  for (int64_t j = 0; j < nb; ++j) {
    next.step();
    const float* xb = ch.x + 32 * j;
    for (int r = 0; r < R; ++r) {
      const uint8_t* block = row[r] + j * kBytes;
      __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(load_8_bytes_as_i32(block + 2, true)), _mm256_load_ps(xb));
      for (int i = 1; i < 4; ++i) {
        p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(load_8_bytes_as_i32(block + 2 + 8 * i, true)),
                            _mm256_load_ps(xb + 8 * i), p);
      }
      acc[r] = _mm256_fmadd_ps(p, _mm256_set1_ps(block_d(block)), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

void q4_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  const __m256 lo = _mm256_loadu_ps(plan.values);
  const __m256 hi = _mm256_loadu_ps(plan.values + 8);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) q4_0_rows<kRows>(lo, hi, w, ch, r, y);
    for (; r < row_end; ++r) q4_0_rows<1>(lo, hi, w, ch, r, y);
  }
}

void q8_0_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 32, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) q8_0_rows<kRows>(w, ch, r, y);
    for (; r < row_end; ++r) q8_0_rows<1>(w, ch, r, y);
  }
}

// ------------------------------------------------------------ f16, bf16

// 8 weights of a row (n halves left in the row from p; fewer than 8 go
// through a zeroed stack copy, so nothing past the row is read).
template <bool kBf16>
__m256 load_8_halves(const uint8_t* p, int64_t n) {
  __m128i h;
  if (n >= 8) {
    h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  } else {
    alignas(16) uint8_t tail[16] = {};
    std::memcpy(tail, p, static_cast<size_t>(2 * n));
    h = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
  }
  // bf16 is the top half of an f32: zero-extend and shift.
  if (kBf16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  return _mm256_cvtph_ps(h);
}

template <bool kBf16, int R>
void half_rows(const codec::PackedWeights& w, const PlainChunk& ch, int64_t r0, float* y) {
  const uint8_t* row[R];
  __m256 acc_a[R], acc_b[R];
  for (int r = 0; r < R; ++r) {
    row[r] = w.data + static_cast<uint64_t>(r0 + r) * w.segment.row_bytes + static_cast<uint64_t>(ch.c0 * 2);
    acc_a[r] = _mm256_setzero_ps();
    acc_b[r] = _mm256_setzero_ps();
  }
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, ch.n * 2, next_rows(w, r0, R),
                        (ch.n + 15) / 16);
  for (int64_t j = 0; j < ch.n; j += 16) {
    next.step();
    const __m256 x0 = _mm256_load_ps(ch.x + j);
    const __m256 x1 = _mm256_load_ps(ch.x + j + 8);
    for (int r = 0; r < R; ++r) {
      acc_a[r] = _mm256_fmadd_ps(load_8_halves<kBf16>(row[r] + 2 * j, ch.n - j), x0, acc_a[r]);
      if (ch.n - j > 8) acc_b[r] = _mm256_fmadd_ps(load_8_halves<kBf16>(row[r] + 2 * j + 16, ch.n - j - 8), x1, acc_b[r]);
    }
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(_mm256_add_ps(acc_a[r], acc_b[r]));
}

template <bool kBf16>
void half_kernel_of(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
                    int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  PlainChunk ch;
  for (int64_t c0 = 0; c0 < w.layout.cols; c0 += kChunk) {
    build_plain_chunk(x, w.layout.cols, c0, 16, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) half_rows<kBf16, kRows>(w, ch, r, y);
    for (; r < row_end; ++r) half_rows<kBf16, 1>(w, ch, r, y);
  }
}

void half_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  if (w.layout.format == codec::Format::kBF16) return half_kernel_of<true>(w, x, bias, y, row_begin, row_end);
  half_kernel_of<false>(w, x, bias, y, row_begin, row_end);
}

}  // namespace

const SimdGemv& avx2_gemv() {
  static const SimdGemv table = {"avx2",  code4_kernel, int8_kernel, q4_0_kernel, q8_0_kernel,
                                 nullptr, nullptr,     nullptr,     nullptr,     half_kernel,
                                 nullptr};
  return table;
}

}  // namespace nibble::gemv
