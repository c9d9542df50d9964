// AVX-512 GEMV kernels (gemv_kernels.h): the packed-code kernels (1..4
// bits) and the level's table. This file and gemv_avx512_{ggml,plain}.cc
// alone are compiled with -mavx512f -mavx512bw -mavx512vl (and
// AVX2/FMA/F16C), and the table is used only on CPUs that have them
// (gemv_dispatch.cc). Internal linkage only (gemv_avx512_common.h): no
// inline function of a shared header is instantiated here with these
// flags.
//
// The common structure (row blocks, chunks of x): gemv_avx512_common.h.
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
// lanes with one permute by its lane -> group pattern (block_groups). The
// products of a block are summed per lane first and scaled once: acc +=
// scale * sum_k value_k * x_k. 1..3-bit codes and zero points: below.
#include "gemv/gemv_avx512_common.h"

#include "gemv/gemv_kernels.h"
#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

// ------------------------------------------------- kCode4, kCodes (1..4 bits)

// Codes of kBits bits: kPerLane of them in each 32-bit lane, code
// kPerLane * i + k of a block in bits [kBits * k, kBits * k + kBits) of
// lane i. 1, 2, 4 bits fill a 64-byte load exactly; 3-bit codes come 8 to
// 3 bytes, so a block is 48 bytes, spread over the lanes by a vpermd (128-
// bit lane j <- dwords 3j .. 3j+2) and a vpshufb (32-bit lane i <- bytes
// 3i .. 3i+2 of its 128-bit lane): AVX-512 F/BW only, where VBMI's vpermb
// would do it in one (not every AVX-512 CPU has VBMI). The fourth byte is
// don't-care: it only reaches index bits above the code, which the
// repeating table ignores.
//
// 1- and 2-bit codes: vpermps sees 4 index bits, i.e. 4 / kBits codes at
// once; kPerIndex tables, table j giving the value of the j-th of them
// (sub[j][c] = value of code (c >> kBits*j) mod 2^kBits), decode them all
// from one shifted index: one shift per 2 (2 bits) or 4 (1 bit) lookups
// instead of one per lookup.
template <int kBits>
struct CodeGeometry {
  static constexpr int kPerLane = kBits == 3 ? 8 : 32 / kBits;
  static constexpr int kPerIndex = kBits <= 2 ? 4 / kBits : 1;
  static constexpr int64_t kBlockCodes = 16 * kPerLane;
  static constexpr int64_t kBlockBytes = 2 * kPerLane * kBits;
};

constexpr int64_t kMaxBlocks = kChunk / 128;  // the most blocks per chunk (128-code blocks)

struct CodeChunk {
  int64_t c0 = 0;      // first column
  int64_t blocks = 0;  // blocks of 16 * kPerLane codes
  int64_t groups = 0;  // group scales the chunk's columns use (per row)
  alignas(64) float xp[kChunk];
  alignas(64) float xs[kMaxBlocks * 16];  // affine: sum of each lane's x
  alignas(64) int32_t rel[kMaxBlocks * 16];
  int32_t first_group[kMaxBlocks];  // per set of blocks (block_groups)
};

void build_code_chunk(const float* x, int64_t cols, int64_t c0, int per_lane, int64_t group_size, int set,
                      bool lane_sums, CodeChunk* ch) {
  const int64_t n = min64(kChunk, cols - c0);
  const int64_t block = 16 * per_lane;
  ch->c0 = c0;
  ch->blocks = (n + block - 1) / block;
  for (int64_t b = 0; b < ch->blocks; ++b) {
    for (int k = 0; k < per_lane; ++k) {
      for (int i = 0; i < 16; ++i) {
        const int64_t c = b * block + per_lane * i + k;
        ch->xp[b * block + 16 * k + i] = c < n ? x[c0 + c] : 0.0f;
      }
    }
    if (lane_sums) {
      for (int i = 0; i < 16; ++i) {
        float sum = 0.0f;
        for (int k = 0; k < per_lane; ++k) sum += ch->xp[b * block + 16 * k + i];
        ch->xs[b * 16 + i] = sum;
      }
    }
  }
  if (group_size > 0) {
    block_groups(c0, ch->blocks, 16, per_lane, set, group_size, ch->first_group, ch->rel);
    ch->groups = (c0 + n + group_size - 1) / group_size - c0 / group_size;
  }
}

struct CodeArgs {
  __m512 values;       // value of each code (repeating every 2^bits)
  __m512 sub[4];       // 1, 2 bits: the tables of CodeGeometry (sub[0] = values)
  __m512 e8_fraction;  // e8_fraction_table
  __m512i spread_dwords;  // 3-bit codes: vpermd index, 128-bit lane j <- dwords 3j .. 3j+2
  __m512i spread_bytes;   // then vpshufb index, 32-bit lane i <- bytes 3i .. 3i+2
  const uint8_t* codes;
  uint64_t row_bytes;
  const uint8_t* scales;
  const uint8_t* zero_points;
  uint64_t num_scales;
  uint64_t groups_per_row;
  const codec::PackedWeights* w;
};

// The codes of block `offset` of a row: a 64-byte load while the row has
// 64 bytes left (3-bit: the last 16 are ignored), else a masked one.
template <int kBits>
[[gnu::always_inline]] inline __m512i load_code_block(const CodeArgs& a, const uint8_t* p, int64_t left) {
  constexpr int64_t kBytes = CodeGeometry<kBits>::kBlockBytes;
  const __m512i v = left >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(first_bytes(min64(left, kBytes)), p);
  if (kBits == 3) return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(a.spread_dwords, v), a.spread_bytes);
  return v;
}

// One block of rows [r0, r0 + R) with group scales: s[r] (and z[r], the
// zero points, if kAffine) hold those of the block's set (load_scales).
template <int kBits, bool kAffine, int R>
[[gnu::always_inline]] inline void code_group_block(const CodeArgs& a, const CodeChunk& ch, int64_t b,
                                                    const uint8_t* const* row, int64_t chunk_bytes, const __m512* s,
                                                    const __m512* z, __m512* acc) {
  using G = CodeGeometry<kBits>;
  const int64_t offset = G::kBlockBytes * b;
  const float* xb = ch.xp + G::kBlockCodes * b;
  __m512i v[R];
  __m512 p[R];
  for (int r = 0; r < R; ++r) v[r] = load_code_block<kBits>(a, row[r] + offset, chunk_bytes - offset);
  for (int k = 0; k < G::kPerLane; k += G::kPerIndex) {
    for (int r = 0; r < R; ++r) {
      const __m512i index = k == 0 ? v[r] : _mm512_srli_epi32(v[r], static_cast<unsigned>(kBits * k));
      for (int j = 0; j < G::kPerIndex; ++j) {
        const __m512 xk = _mm512_load_ps(xb + 16 * (k + j));
        const __m512 t = _mm512_permutexvar_ps(index, G::kPerIndex == 1 ? a.values : a.sub[j]);
        p[r] = k + j == 0 ? _mm512_mul_ps(t, xk) : _mm512_fmadd_ps(t, xk, p[r]);
      }
    }
  }
  const __m512i rel = _mm512_load_si512(ch.rel + 16 * b);
  if (kAffine) {
    // scale * (sum code x - zero * sum x), per lane.
    const __m512 xs = _mm512_load_ps(ch.xs + 16 * b);
    for (int r = 0; r < R; ++r) p[r] = _mm512_fnmadd_ps(_mm512_permutexvar_ps(rel, z[r]), xs, p[r]);
  }
  for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(p[r], _mm512_permutexvar_ps(rel, s[r]), acc[r]);
}

// Rows [r0, r0 + R), one chunk, group scales, one load of scales per set
// of kSet blocks (2 for e8 with 128-code blocks, whose decode costs 4 ops,
// 1 for f16/f32, which measured faster per block, and for the longer
// blocks of 1 and 2 bits, which span up to 16 groups each).
template <int kBits, bool kAffine, int R, ScaleType kType>
void code_group_rows(const CodeArgs& a, const CodeChunk& ch, int64_t r0, float* y) {
  using G = CodeGeometry<kBits>;
  constexpr int kSet = kType == ScaleType::kE8 && G::kPerLane == 8 ? 2 : 1;
  constexpr int kN = G::kPerLane == 8 ? 8 * kSet : 16;
  const uint8_t* row[R];
  __m512 acc[R];
  const uint64_t chunk_offset = static_cast<uint64_t>(ch.c0 / 8 * kBits);
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + chunk_offset;
    acc[r] = _mm512_setzero_ps();
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes - chunk_offset);  // bytes from the chunk on
  const int next = next_rows(*a.w, r0, R);
  const int64_t sets = (ch.blocks + kSet - 1) / kSet;
  NextRowsPrefetchL2 next_codes(row[0] + kAhead * R * a.row_bytes, a.row_bytes, min64(chunk_bytes, G::kBlockBytes * ch.blocks),
                              next, sets);
  const uint64_t scale_bytes = codec::scale_size(kType);
  NextRowsPrefetchL2 next_scales(a.scales + ((r0 + kAhead * R) * a.groups_per_row + ch.first_group[0]) * scale_bytes,
                               a.groups_per_row * scale_bytes, ch.groups * static_cast<int64_t>(scale_bytes), next,
                               sets);
  for (int64_t b = 0; b < ch.blocks; b += kSet) {
    next_codes.step();
    next_scales.step();
    __m512 s[R], z[R];
    for (int r = 0; r < R; ++r) {
      const uint64_t index = static_cast<uint64_t>(r0 + r) * a.groups_per_row + static_cast<uint64_t>(ch.first_group[b / kSet]);
      s[r] = load_scales<kType, kN>(a.scales, index, a.num_scales, a.e8_fraction);
      if (kAffine) z[r] = load_zero_points<kN>(a.zero_points, index, a.num_scales);
    }
    code_group_block<kBits, kAffine, R>(a, ch, b, row, chunk_bytes, s, z, acc);
    if (kSet == 2 && b + 1 < ch.blocks) code_group_block<kBits, kAffine, R>(a, ch, b + 1, row, chunk_bytes, s, z, acc);
  }
  for (int r = 0; r < R; ++r) y[r0 + r] += hsum(acc[r]);
}

// The zero point of row r for per-row scales (affine IntCodec).
float row_zero_point(const CodeArgs& a, int64_t r) {
  const uint64_t index = a.w->layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r);
  return static_cast<float>(a.zero_points[index]);
}

// Rows [r0, r0 + R), one chunk, one scale per row: the row's sum is
// scaled once. Two accumulators per row (even and odd k) halve the
// dependency chain. Affine: the row's table is values - zero (exact:
// small integers), so it costs nothing per code.
template <int kBits, bool kAffine, int R>
void code_row_scaled_rows(const CodeArgs& a, const CodeChunk& ch, int64_t r0, float* y) {
  using G = CodeGeometry<kBits>;
  const uint8_t* row[R];
  constexpr int kTables = G::kPerIndex;
  __m512 acc[2][R], values[R][kTables];
  const uint64_t chunk_offset = static_cast<uint64_t>(ch.c0 / 8 * kBits);
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + chunk_offset;
    acc[0][r] = _mm512_setzero_ps();
    acc[1][r] = _mm512_setzero_ps();
    for (int j = 0; j < kTables; ++j) {
      const __m512 t = kTables == 1 ? a.values : a.sub[j];
      values[r][j] = kAffine ? _mm512_sub_ps(t, _mm512_set1_ps(row_zero_point(a, r0 + r))) : t;
    }
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes - chunk_offset);
  NextRowsPrefetchL2 next_codes(row[0] + kAhead * R * a.row_bytes, a.row_bytes, min64(chunk_bytes, G::kBlockBytes * ch.blocks),
                              next_rows(*a.w, r0, R), ch.blocks);
  for (int64_t b = 0; b < ch.blocks; ++b) {
    const int64_t offset = G::kBlockBytes * b;
    const float* xb = ch.xp + G::kBlockCodes * b;
    next_codes.step();
    __m512i v[R];
    for (int r = 0; r < R; ++r) v[r] = load_code_block<kBits>(a, row[r] + offset, chunk_bytes - offset);
    // Codes k (even, odd) alternate between two accumulators.
    for (int k = 0; k < G::kPerLane; k += kTables) {
      for (int r = 0; r < R; ++r) {
        const __m512i index = k == 0 ? v[r] : _mm512_srli_epi32(v[r], static_cast<unsigned>(kBits * k));
        for (int j = 0; j < kTables; ++j) {
          const __m512 xk = _mm512_load_ps(xb + 16 * (k + j));
          __m512& sum = acc[(k + j) % 2][r];
          sum = _mm512_fmadd_ps(_mm512_permutexvar_ps(index, values[r][j]), xk, sum);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    y[r0 + r] += row_scale(*a.w, r0 + r) * hsum(_mm512_add_ps(acc[0][r], acc[1][r]));
  }
}

template <int kBits, bool kAffine, int R>
void code_rows(const Plan& plan, const CodeArgs& a, const CodeChunk& ch, int64_t r0, float* y) {
  if (!plan.group_scales) return code_row_scaled_rows<kBits, kAffine, R>(a, ch, r0, y);
  switch (a.w->layout.scale_type) {
    case ScaleType::kF32: return code_group_rows<kBits, kAffine, R, ScaleType::kF32>(a, ch, r0, y);
    case ScaleType::kF16: return code_group_rows<kBits, kAffine, R, ScaleType::kF16>(a, ch, r0, y);
    case ScaleType::kE8: return code_group_rows<kBits, kAffine, R, ScaleType::kE8>(a, ch, r0, y);
  }
}

template <int kBits, bool kAffine>
void code_kernel_bits(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                      int64_t row_begin, int64_t row_end) {
  using G = CodeGeometry<kBits>;
  init_outputs(bias, y, row_begin, row_end);
  alignas(16) float fraction[16];
  e8_fraction_table(fraction);
  alignas(64) int32_t spread_dwords[16];
  alignas(64) uint8_t spread_bytes[64];
  for (int i = 0; i < 16; ++i) spread_dwords[i] = i / 4 * 3 + (i % 4 < 3 ? i % 4 : 2);
  for (int i = 0; i < 64; ++i) spread_bytes[i] = static_cast<uint8_t>(i % 16 / 4 * 3 + (i % 4 < 3 ? i % 4 : 2));
  CodeArgs a;
  a.values = _mm512_loadu_ps(plan.values);
  alignas(64) float sub[4][16];
  for (int j = 0; j < 4; ++j) {
    // plan.values[c] is the value of code c for c < 2^bits (gemv_plan.h).
    for (int c = 0; c < 16; ++c) sub[j][c] = plan.values[(c >> (kBits * j)) & ((1 << kBits) - 1)];
    a.sub[j] = _mm512_load_ps(sub[j]);
  }
  a.e8_fraction = _mm512_loadu_ps(fraction);
  a.spread_dwords = _mm512_load_si512(spread_dwords);
  a.spread_bytes = _mm512_load_si512(spread_bytes);
  a.codes = w.data;
  a.row_bytes = w.segment.row_bytes;
  a.scales = w.data + w.segment.scales_offset;
  a.zero_points = w.data + w.segment.zero_points_offset;
  a.num_scales = w.segment.num_scales;
  a.groups_per_row = w.segment.groups_per_row;
  a.w = &w;
  const bool e8_pairs = w.layout.scale_type == ScaleType::kE8 && G::kPerLane == 8;
  CodeChunk ch;
  const int64_t cols = w.layout.cols;
  for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
    build_code_chunk(x, cols, c0, G::kPerLane, plan.group_scales ? plan.group_size : 0, e8_pairs ? 2 : 1,
                     kAffine && plan.group_scales, &ch);
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) code_rows<kBits, kAffine, kRows>(plan, a, ch, r, y);
    switch (row_end - r) {
      case 3: code_rows<kBits, kAffine, 3>(plan, a, ch, r, y); break;
      case 2: code_rows<kBits, kAffine, 2>(plan, a, ch, r, y); break;
      case 1: code_rows<kBits, kAffine, 1>(plan, a, ch, r, y); break;
      default: break;
    }
  }
}

void code4_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  code_kernel_bits<4, false>(plan, w, x, bias, y, row_begin, row_end);
}

void codes_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  const bool aff = plan.affine;
  switch (plan.bits) {
    case 1: return aff ? code_kernel_bits<1, true>(plan, w, x, bias, y, row_begin, row_end)
                       : code_kernel_bits<1, false>(plan, w, x, bias, y, row_begin, row_end);
    case 2: return aff ? code_kernel_bits<2, true>(plan, w, x, bias, y, row_begin, row_end)
                       : code_kernel_bits<2, false>(plan, w, x, bias, y, row_begin, row_end);
    case 3: return aff ? code_kernel_bits<3, true>(plan, w, x, bias, y, row_begin, row_end)
                       : code_kernel_bits<3, false>(plan, w, x, bias, y, row_begin, row_end);
    default: return aff ? code_kernel_bits<4, true>(plan, w, x, bias, y, row_begin, row_end)
                        : code_kernel_bits<4, false>(plan, w, x, bias, y, row_begin, row_end);
  }
}

}  // namespace

const SimdGemv& avx512_gemv() {
  static const SimdGemv table = {"avx512",
                                 code4_kernel,
                                 avx512::int8_kernel,
                                 avx512::q4_0_kernel,
                                 avx512::q8_0_kernel,
                                 codes_kernel,
                                 avx512::q4_1_kernel,
                                 avx512::q5_0_kernel,
                                 avx512::q5_1_kernel,
                                 avx512::half_kernel,
                                 avx512::wide_kernel};
  return table;
}

}  // namespace nibble::gemv
