// AVX-512 GEMV kernels (gemv_kernels.h). This file alone is compiled with
// -mavx512f -mavx512bw -mavx512vl (and AVX2/FMA/F16C), and its table is
// used only on CPUs that have them (gemv_dispatch.cc). Internal linkage
// only: no inline function of a shared header is instantiated here with
// these flags.
//
// Common structure: rows are processed kRows at a time so that each x
// vector loaded (a memory operand of the FMAs) serves kRows rows; every
// row is computed by exactly the same sequence of operations whatever its
// neighbours, so results do not depend on the row range. The reduction
// axis is cut into chunks of kChunk columns at fixed absolute positions;
// per chunk, x is copied (4-bit codes: permuted, below) into a
// zero-padded stack buffer, so tails read zeros instead of running past
// x; a row's partial sum is added to y[r] after each chunk.
//
// 4-bit packed codes (kCode4): a 64-byte load holds 128 codes; 32-bit lane
// i holds codes 8i .. 8i+7, code 8i+k in bits [4k, 4k+4). vpermps looks at
// the low 4 bits of each index lane only, so `permute(v >> 4k, values)`
// decodes code 8i+k of every lane with one shift and one permute, with no
// mask and no interleave. Instead of restoring code order in the weights,
// x is permuted once per chunk to match: xp[128b + 16k + i] = x[128b + 8i +
// k] (shared by all rows, so it costs K moves per call instead of
// interleaves per row). Group scales: a block (128 codes) sees at most 8
// groups, a pair of blocks 16; 8 (f16, f32) or 16 (e8: a pair) consecutive
// scales are loaded and decoded at once and spread over each block's
// lanes with one permute by its lane -> group pattern (block_groups). The products of a block are summed per
// lane first and scaled once: acc += scale * sum_k value_k * x_k.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12.2's AVX-512 headers trip -Wuninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstring>

#include "codec/ggml_blocks.h"
#include "codec/scale_storage.h"
#include "gemv/gemv_kernels.h"
#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

using codec::ScaleType;

constexpr int64_t kChunk = 4096;  // columns per chunk: 16 KiB of x on the stack
constexpr int kRows = 4;          // rows per block: 4 x (codes, partial, accumulator) registers
constexpr int64_t kCodeBlock = 128;  // kCode4: 16 lanes x 8 codes = 64 bytes
constexpr int64_t kCodeBlocks = kChunk / kCodeBlock;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Lanes summed in a fixed order.
float hsum(__m512 v) {
  // (vextractf64x4: AVX-512F; the f32x8 form needs DQ.)
  const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  b = _mm_add_ps(b, _mm_movehl_ps(b, b));
  b = _mm_add_ss(b, _mm_movehdup_ps(b));
  return _mm_cvtss_f32(b);
}

void init_outputs(const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = bias != nullptr ? bias[r] : 0.0f;
}

// How many rows follow the block [r0, r0 + R): what NextRowsPrefetch fetches.
int next_rows(const codec::PackedWeights& w, int64_t r0, int R) {
  return static_cast<int>(min64(R, w.layout.rows - (r0 + R) > 0 ? w.layout.rows - (r0 + R) : 0));
}

// The low n bits set, n <= 64.
__mmask64 first_bytes(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// Bytes [0, n) of p (n <= 64), zeros above; never reads past p + n.
// Masked loads only for tails: loops call this with n >= 64 except at a
// row's end, and a plain load needs no mask register.
__m512i load_bytes(const uint8_t* p, int64_t n) {
  return n >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(first_bytes(n), p);
}

// The same for 16 bytes.
__m128i load_16_bytes(const uint8_t* p, int64_t n) {
  if (n >= 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm_maskz_loadu_epi8(n <= 0 ? __mmask16{0} : static_cast<__mmask16>((1u << n) - 1u), p);
}

// ------------------------------------------------------------------ kCode4

struct Code4Chunk {
  int64_t c0 = 0;      // first column
  int64_t blocks = 0;  // blocks of 128 codes
  int64_t groups = 0;  // group scales the chunk's columns use (per row)
  alignas(64) float xp[kChunk];
  alignas(64) int32_t rel[kCodeBlocks * 16];
  int32_t first_group[kCodeBlocks];  // per set of blocks (block_groups)
};

void build_code4_chunk(const float* x, int64_t cols, int64_t c0, int64_t group_size, int set, Code4Chunk* ch) {
  const int64_t n = min64(kChunk, cols - c0);
  ch->c0 = c0;
  ch->blocks = (n + kCodeBlock - 1) / kCodeBlock;
  for (int64_t b = 0; b < ch->blocks; ++b) {
    for (int k = 0; k < 8; ++k) {
      for (int i = 0; i < 16; ++i) {
        const int64_t c = b * kCodeBlock + 8 * i + k;
        ch->xp[b * kCodeBlock + 16 * k + i] = c < n ? x[c0 + c] : 0.0f;
      }
    }
  }
  if (group_size > 0) {
    block_groups(c0, ch->blocks, 16, set, group_size, ch->first_group, ch->rel);
    ch->groups = (c0 + n + group_size - 1) / group_size - c0 / group_size;
  }
}

// kN = 8 or 16 scales [index, index + kN) of the scales part as f32, in
// lanes 0 .. kN-1 (those past num_scales, and lanes kN.. are 0; never reads
// past the part). A block spans at most 8 groups, a pair of blocks 16, so
// kN = 16 serves two blocks with one load and one decode.
template <ScaleType kType, int kN>
__m512 load_scales(const uint8_t* scales, uint64_t index, uint64_t num_scales, __m512 e8_fraction) {
  const uint64_t left = num_scales - index;
  const bool all = left >= kN;  // plain loads then (see load_bytes)
  const __mmask16 m = all ? static_cast<__mmask16>((1u << kN) - 1u) : static_cast<__mmask16>((1u << left) - 1u);
  if (kType == ScaleType::kF32) {
    const float* p = reinterpret_cast<const float*>(scales) + index;
    if (kN == 16) return all ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
    return _mm512_castps256_ps512(all ? _mm256_loadu_ps(p) : _mm256_maskz_loadu_ps(static_cast<__mmask8>(m), p));
  } else if (kType == ScaleType::kF16) {
    const uint16_t* p = reinterpret_cast<const uint16_t*>(scales) + index;
    if (kN == 16) {
      return _mm512_cvtph_ps(all ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskz_loadu_epi16(m, p));
    }
    const __m128i h = all ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi16(static_cast<__mmask8>(m), p);
    return _mm512_castps256_ps512(_mm256_cvtph_ps(h));
  } else {
    // e8: 2^((c - 128) / 8) = (2^((c % 8) / 8) * 2^-16) * 2^(c / 8): a
    // permute for the fraction, an integer add of (c / 8) << 23 =
    // (c & ~7) << 20 into the exponent (exact).
    const uint8_t* p = scales + index;
    __m128i bytes;
    if (kN == 16) {
      bytes = all ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi8(m, p);
    } else {
      bytes = all ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)) : _mm_maskz_loadu_epi8(m, p);
    }
    const __m512i c = _mm512_cvtepu8_epi32(bytes);
    const __m512 fraction = _mm512_permutexvar_ps(c, e8_fraction);
    const __m512i exponent = _mm512_slli_epi32(_mm512_and_si512(c, _mm512_set1_epi32(0xF8)), 20);
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(fraction), exponent));
  }
}

struct Code4Args {
  __m512 values;       // value of each code
  __m512 e8_fraction;  // e8_fraction_table
  const uint8_t* codes;
  uint64_t row_bytes;
  const uint8_t* scales;
  uint64_t num_scales;
  uint64_t groups_per_row;
  const codec::PackedWeights* w;
};

// One block of rows [r0, r0 + R) with group scales: s[r] holds the scales
// of the block's set (load_scales).
template <int R>
[[gnu::always_inline]] inline void code4_group_block(const Code4Args& a, const Code4Chunk& ch, int64_t b,
                                                     const uint8_t* const* row, int64_t chunk_bytes,
                                                     const __m512* s, __m512* acc) {
  const int64_t offset = 64 * b;
  const float* xb = ch.xp + kCodeBlock * b;
  __m512i v[R];
  __m512 p[R];
  for (int r = 0; r < R; ++r) v[r] = load_bytes(row[r] + offset, chunk_bytes - offset);
  const __m512 x0 = _mm512_load_ps(xb);
  for (int r = 0; r < R; ++r) p[r] = _mm512_mul_ps(_mm512_permutexvar_ps(v[r], a.values), x0);
  for (int k = 1; k < 8; ++k) {
    const __m512 xk = _mm512_load_ps(xb + 16 * k);
    for (int r = 0; r < R; ++r) {
      const __m512 t = _mm512_permutexvar_ps(_mm512_srli_epi32(v[r], static_cast<unsigned>(4 * k)), a.values);
      p[r] = _mm512_fmadd_ps(t, xk, p[r]);
    }
  }
  const __m512i rel = _mm512_load_si512(ch.rel + 16 * b);
  for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(p[r], _mm512_permutexvar_ps(rel, s[r]), acc[r]);
}

// Rows [r0, r0 + R), one chunk, group scales, one load of scales per set
// of kSet blocks (Code4Chunk::kSet; 2 for e8, whose decode costs 4 ops, 1
// for f16/f32, which measured faster per block).
template <int R, ScaleType kType>
void code4_group_rows(const Code4Args& a, const Code4Chunk& ch, int64_t r0, float* y) {
  constexpr int kSet = kType == ScaleType::kE8 ? 2 : 1;
  const uint8_t* row[R];
  __m512 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + static_cast<uint64_t>(ch.c0 / 2);
    acc[r] = _mm512_setzero_ps();
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes) - ch.c0 / 2;  // bytes from the chunk on
  const int next = next_rows(*a.w, r0, R);
  const int64_t sets = (ch.blocks + kSet - 1) / kSet;
  NextRowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, min64(chunk_bytes, 64 * ch.blocks), next, sets);
  const uint64_t scale_bytes = codec::scale_size(kType);
  NextRowsPrefetch next_scales(a.scales + ((r0 + R) * a.groups_per_row + ch.first_group[0]) * scale_bytes,
                               a.groups_per_row * scale_bytes, ch.groups * static_cast<int64_t>(scale_bytes), next,
                               sets);
  for (int64_t b = 0; b < ch.blocks; b += kSet) {
    next_codes.step();
    next_scales.step();
    __m512 s[R];
    for (int r = 0; r < R; ++r) {
      const uint64_t index = static_cast<uint64_t>(r0 + r) * a.groups_per_row + static_cast<uint64_t>(ch.first_group[b / kSet]);
      s[r] = load_scales<kType, 8 * kSet>(a.scales, index, a.num_scales, a.e8_fraction);
    }
    code4_group_block<R>(a, ch, b, row, chunk_bytes, s, acc);
    if (kSet == 2 && b + 1 < ch.blocks) code4_group_block<R>(a, ch, b + 1, row, chunk_bytes, s, acc);
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

// Rows [r0, r0 + R), one chunk, one scale per row: the row's sum is
// scaled once. Two accumulators per row (even and odd k) halve the
// dependency chain.
template <int R>
void code4_row_scaled_rows(const Code4Args& a, const Code4Chunk& ch, int64_t r0, float* y) {
  const uint8_t* row[R];
  __m512 acc_even[R], acc_odd[R];
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + static_cast<uint64_t>(ch.c0 / 2);
    acc_even[r] = _mm512_setzero_ps();
    acc_odd[r] = _mm512_setzero_ps();
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes) - ch.c0 / 2;
  NextRowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, min64(chunk_bytes, 64 * ch.blocks),
                              next_rows(*a.w, r0, R), ch.blocks);
  for (int64_t b = 0; b < ch.blocks; ++b) {
    const int64_t offset = 64 * b;
    const float* xb = ch.xp + kCodeBlock * b;
    next_codes.step();
    __m512i v[R];
    for (int r = 0; r < R; ++r) v[r] = load_bytes(row[r] + offset, chunk_bytes - offset);
    for (int k = 0; k < 8; k += 2) {
      const __m512 xe = _mm512_load_ps(xb + 16 * k);
      const __m512 xo = _mm512_load_ps(xb + 16 * (k + 1));
      for (int r = 0; r < R; ++r) {
        const __m512i ve = k == 0 ? v[r] : _mm512_srli_epi32(v[r], static_cast<unsigned>(4 * k));
        const __m512i vo = _mm512_srli_epi32(v[r], static_cast<unsigned>(4 * k + 4));
        acc_even[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(ve, a.values), xe, acc_even[r]);
        acc_odd[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(vo, a.values), xo, acc_odd[r]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    y[r0 + r] += row_scale(*a.w, r0 + r) * hsum(_mm512_add_ps(acc_even[r], acc_odd[r]));
  }
}

template <int R>
void code4_rows(const Plan& plan, const Code4Args& a, const Code4Chunk& ch, int64_t r0, float* y) {
  if (!plan.group_scales) return code4_row_scaled_rows<R>(a, ch, r0, y);
  switch (a.w->layout.scale_type) {
    case ScaleType::kF32: return code4_group_rows<R, ScaleType::kF32>(a, ch, r0, y);
    case ScaleType::kF16: return code4_group_rows<R, ScaleType::kF16>(a, ch, r0, y);
    case ScaleType::kE8: return code4_group_rows<R, ScaleType::kE8>(a, ch, r0, y);
  }
}

void code4_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  init_outputs(bias, y, row_begin, row_end);
  alignas(16) float fraction[16];
  e8_fraction_table(fraction);
  Code4Args a;
  a.values = _mm512_loadu_ps(plan.values);
  a.e8_fraction = _mm512_loadu_ps(fraction);
  a.codes = w.data;
  a.row_bytes = w.segment.row_bytes;
  a.scales = w.data + w.segment.scales_offset;
  a.num_scales = w.segment.num_scales;
  a.groups_per_row = w.segment.groups_per_row;
  a.w = &w;
  Code4Chunk ch;
  const int64_t cols = w.layout.cols;
  for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
    build_code4_chunk(x, cols, c0, plan.group_scales ? plan.group_size : 0,
                      w.layout.scale_type == ScaleType::kE8 ? 2 : 1, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) code4_rows<kRows>(plan, a, ch, r, y);
    switch (row_end - r) {
      case 3: code4_rows<3>(plan, a, ch, r, y); break;
      case 2: code4_rows<2>(plan, a, ch, r, y); break;
      case 1: code4_rows<1>(plan, a, ch, r, y); break;
      default: break;
    }
  }
}

// ------------------------------------------------------------------- kInt8

// x in code order, zero-padded to a multiple of 64 columns.
struct PlainChunk {
  int64_t c0 = 0;
  int64_t n = 0;  // columns in the chunk
  alignas(64) float x[kChunk];
};

void build_plain_chunk(const float* x, int64_t cols, int64_t c0, int64_t pad_to, PlainChunk* ch) {
  ch->c0 = c0;
  ch->n = min64(kChunk, cols - c0);
  const int64_t padded = (ch->n + pad_to - 1) / pad_to * pad_to;
  std::memcpy(ch->x, x + c0, static_cast<size_t>(ch->n) * sizeof(float));
  for (int64_t i = ch->n; i < padded; ++i) ch->x[i] = 0.0f;
}

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
  NextRowsPrefetch next(row[0] + R * row_bytes, row_bytes, ch.n, next_rows(w, r0, R), (ch.n + 31) / 32);
  int64_t j = 0;
  for (; j + 32 <= chunk_bytes && j < ch.n; j += 32) {
    next.step();
    int8_step<R, false>(row, j, 0, ch.x, acc_a, acc_b);
  }
  if (j < ch.n) int8_step<R, true>(row, j, chunk_bytes - j, ch.x, acc_a, acc_b);
  for (int r = 0; r < R; ++r) y[r0 + r] += row_scale(w, r0 + r) * hsum(_mm512_add_ps(acc_a[r], acc_b[r]));
}

void int8_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
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

// ------------------------------------------------------------ Q4_0, Q8_0

// The fp16 d of ggml blocks, converted for a block row: vpermt2w picks the
// d words out of 128 bytes (8 Q4_0 or 4 Q8_0 blocks) and vcvtph2ps
// converts them, instead of a scalar conversion per block. Writes up to 8
// floats past d[n - 1].
template <int kBlockBytes>
void load_block_scales(const uint8_t* blocks, int64_t n, float* d) {
  constexpr int kPerStep = 126 / kBlockBytes + 1;  // blocks whose d lies in the first 128 bytes
  alignas(64) int16_t index[32] = {};
  for (int j = 0; j < kPerStep; ++j) index[j] = static_cast<int16_t>(j * kBlockBytes / 2);
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
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
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
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, nb * kBytes, next_rows(w, r0, R), nb);
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

void q4_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml_kernel<true>(plan, w, x, bias, y, row_begin, row_end);
}

void q8_0_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  ggml_kernel<false>(plan, w, x, bias, y, row_begin, row_end);
}

}  // namespace

const SimdGemv& avx512_gemv() {
  static const SimdGemv table = {"avx512", code4_kernel, int8_kernel, q4_0_kernel, q8_0_kernel};
  return table;
}

}  // namespace nibble::gemv
