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
template <int kBits>
struct CodeGeometry {
  static constexpr int kPerLane = kBits == 3 ? 8 : 32 / kBits;
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

// kN = 8 or 16 scales [index, index + kN) of the scales part as f32, in
// lanes 0 .. kN-1 (those past num_scales, and lanes kN.. are 0; never reads
// past the part). A block of 128 codes spans at most 8 groups, a pair of
// them (or a block of 256 or 512 codes) 16, so kN = 16 serves them with
// one load and one decode.
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

// kN zero points [index, index + kN) (u8) as f32, like load_scales.
template <int kN>
__m512 load_zero_points(const uint8_t* zero_points, uint64_t index, uint64_t num_scales) {
  const uint64_t left = num_scales - index;
  const __mmask16 m = left >= kN ? static_cast<__mmask16>((1u << kN) - 1u) : static_cast<__mmask16>((1u << left) - 1u);
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, zero_points + index)));
}

struct CodeArgs {
  __m512 values;       // value of each code (repeating every 2^bits)
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
  const __m512 x0 = _mm512_load_ps(xb);
  for (int r = 0; r < R; ++r) p[r] = _mm512_mul_ps(_mm512_permutexvar_ps(v[r], a.values), x0);
  for (int k = 1; k < G::kPerLane; ++k) {
    const __m512 xk = _mm512_load_ps(xb + 16 * k);
    for (int r = 0; r < R; ++r) {
      const __m512 t = _mm512_permutexvar_ps(_mm512_srli_epi32(v[r], static_cast<unsigned>(kBits * k)), a.values);
      p[r] = _mm512_fmadd_ps(t, xk, p[r]);
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
  NextRowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, min64(chunk_bytes, G::kBlockBytes * ch.blocks),
                              next, sets);
  const uint64_t scale_bytes = codec::scale_size(kType);
  NextRowsPrefetch next_scales(a.scales + ((r0 + R) * a.groups_per_row + ch.first_group[0]) * scale_bytes,
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
  __m512 acc_even[R], acc_odd[R], values[R];
  const uint64_t chunk_offset = static_cast<uint64_t>(ch.c0 / 8 * kBits);
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + chunk_offset;
    acc_even[r] = _mm512_setzero_ps();
    acc_odd[r] = _mm512_setzero_ps();
    values[r] = kAffine ? _mm512_sub_ps(a.values, _mm512_set1_ps(row_zero_point(a, r0 + r))) : a.values;
  }
  const int64_t chunk_bytes = static_cast<int64_t>(a.row_bytes - chunk_offset);
  NextRowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, min64(chunk_bytes, G::kBlockBytes * ch.blocks),
                              next_rows(*a.w, r0, R), ch.blocks);
  for (int64_t b = 0; b < ch.blocks; ++b) {
    const int64_t offset = G::kBlockBytes * b;
    const float* xb = ch.xp + G::kBlockCodes * b;
    next_codes.step();
    __m512i v[R];
    for (int r = 0; r < R; ++r) v[r] = load_code_block<kBits>(a, row[r] + offset, chunk_bytes - offset);
    for (int k = 0; k < G::kPerLane; k += 2) {
      const __m512 xe = _mm512_load_ps(xb + 16 * k);
      const __m512 xo = _mm512_load_ps(xb + 16 * (k + 1));
      for (int r = 0; r < R; ++r) {
        const __m512i ve = k == 0 ? v[r] : _mm512_srli_epi32(v[r], static_cast<unsigned>(kBits * k));
        const __m512i vo = _mm512_srli_epi32(v[r], static_cast<unsigned>(kBits * k + kBits));
        acc_even[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(ve, values[r]), xe, acc_even[r]);
        acc_odd[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(vo, values[r]), xo, acc_odd[r]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    y[r0 + r] += row_scale(*a.w, r0 + r) * hsum(_mm512_add_ps(acc_even[r], acc_odd[r]));
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
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, nb * kBlockBytes, next_rows(w, r0, R),
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
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, ch.n * 2, next_rows(w, r0, R),
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

void half_kernel(const Plan&, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
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
  __m512 t[4];    // tables of up to 64 entries, 16 per register
  __m512 e8_fraction;
  const float* table;  // the whole table (gathers, 7 and 8 bits)
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

// The value of 16 codes before scaling (ints: code - zero).
template <int kBits, bool kTable>
[[gnu::always_inline]] inline __m512 wide_values(const WideArgs& a, __m512i code, __m512i zero) {
  if (!kTable) return _mm512_cvtepi32_ps(_mm512_sub_epi32(code, zero));
  if (kBits == 5) return _mm512_permutex2var_ps(a.t[0], code, a.t[1]);
  if (kBits == 6) {
    // Two 32-entry halves, chosen by bit 5.
    const __m512 lo = _mm512_permutex2var_ps(a.t[0], code, a.t[1]);
    const __m512 hi = _mm512_permutex2var_ps(a.t[2], code, a.t[3]);
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(code, _mm512_set1_epi32(32)), lo, hi);
  }
  return _mm512_i32gather_ps(code, a.table, 4);
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
  NextRowsPrefetch next(row[0] + R * w.segment.row_bytes, w.segment.row_bytes, min64(chunk_bytes, 2 * kBits * vectors),
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
  alignas(64) float t[64] = {};
  if (kTable) {
    for (int i = 0; i < 64 && i < (1 << kBits); ++i) t[i] = w.table[i];
  }
  for (int i = 0; i < 4; ++i) a.t[i] = _mm512_load_ps(t + 16 * i);
  alignas(16) float fraction[16];
  e8_fraction_table(fraction);
  a.e8_fraction = _mm512_loadu_ps(fraction);
  a.table = w.table;
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

void wide_kernel(const Plan& plan, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
                 int64_t row_begin, int64_t row_end) {
  switch (plan.bits) {
    case 5: return wide_kernel_bits<5>(plan, w, x, bias, y, row_begin, row_end);
    case 6: return wide_kernel_bits<6>(plan, w, x, bias, y, row_begin, row_end);
    case 7: return wide_kernel_bits<7>(plan, w, x, bias, y, row_begin, row_end);
    default: return wide_kernel_bits<8>(plan, w, x, bias, y, row_begin, row_end);
  }
}

}  // namespace

const SimdGemv& avx512_gemv() {
  static const SimdGemv table = {"avx512",     code4_kernel, int8_kernel, q4_0_kernel, q8_0_kernel,
                                 codes_kernel, ggml5_kernel<20>, ggml5_kernel<22>, ggml5_kernel<24>, half_kernel,
                                 wide_kernel};
  return table;
}

}  // namespace nibble::gemv
