// AVX2 int8-activation kernels (gemv_q8_kernels.h): vpmaddubsw + vpmaddwd
// dot products on 256-bit vectors. Compiled with -mavx2 -mfma -mf16c; used
// only on CPUs that have them. Internal linkage only.
//
// The AVX-512 kernels' scheme (gemv_q8_avx512_body.h) with one activation
// block (32 columns) per vector: a block's codes unpack into one vector of
// 32 bytes, so its scale is a broadcast and the offset correction
// -o * sums[b] sits in lane 0 of the tile's `offs` vector. Formats: the
// ggml blocks (natural column order: low nibbles are columns 0..15), and
// packed 4-bit (low nibbles = even columns, high = odd) and 8-bit
// IntCodec/TableCodec codes; 2- and 3-bit codes, which need VBMI's byte
// permutes to unpack cheaply, and 8-bit affine codes (up to 255, beyond
// vpmaddubsw's 16-bit pairs) run the reference on this level.
#include <immintrin.h>

#include <cstring>

#include "codec/scale_storage.h"
#include "gemv/gemv_q8_kernels.h"
#include "gemv/next_rows_prefetch.h"

namespace nibble::gemv {
namespace {

using codec::ScaleType;

constexpr int64_t kChunk = 4096;  // columns per tile: ~13 KiB on the stack
constexpr int64_t kBlocks = kChunk / kQ8Block;
constexpr int kRows = 4;
// Rows prefetched into L2 only when a block of rows reads more than this
// (next_rows_prefetch.h).
constexpr int64_t kL1PrefetchBytes = 8192;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

float hsum(__m256 v) {
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  b = _mm_add_ps(b, _mm_movehl_ps(b, b));
  b = _mm_add_ss(b, _mm_movehdup_ps(b));
  return _mm_cvtss_f32(b);
}

float half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Bytes [0, n) of p, zeros above, never reading past p + n (n <= 32).
__m256i load_bytes(const uint8_t* p, int64_t n) {
  if (n >= 32) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  alignas(32) uint8_t tmp[32] = {};
  if (n > 0) std::memcpy(tmp, p, static_cast<size_t>(n));
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp));
}

__m128i load_16_bytes(const uint8_t* p, int64_t n) {
  if (n >= 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  alignas(16) uint8_t tmp[16] = {};
  if (n > 0) std::memcpy(tmp, p, static_cast<size_t>(n));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

// Per chunk, shared by all rows: activations in the format's byte order,
// and per block its d, the offset correction and d * sums[b] (lane 0).
struct Tile {
  int64_t blocks = 0;
  alignas(32) int8_t xq[kChunk];
  alignas(32) int32_t offs[kBlocks * 8];
  alignas(32) float xs[kBlocks * 8];
  float dx[kBlocks];
  int32_t group[kBlocks];  // group (within the row) of each block
};

void build_tile(const Q8Activations& x, bool odd_even, int offset, int64_t c0, int64_t group_size, Tile* t) {
  const int64_t n = min64(kChunk, x.cols - c0);
  t->blocks = (n + kQ8Block - 1) / kQ8Block;
  for (int64_t j = 0; j < t->blocks; ++j) {
    const int64_t base = c0 + j * kQ8Block;  // < padded_cols
    const int64_t b = base / kQ8Block;
    for (int p = 0; p < 32; ++p) t->xq[32 * j + p] = x.q[base + (odd_even ? (p < 16 ? 2 * p : 2 * (p - 16) + 1) : p)];
    for (int i = 0; i < 8; ++i) {
      t->offs[8 * j + i] = i == 0 ? -offset * x.sums[b] : 0;
      t->xs[8 * j + i] = i == 0 ? x.d[b] * static_cast<float>(x.sums[b]) : 0.0f;
    }
    t->dx[j] = x.d[b];
    if (group_size > 0) t->group[j] = static_cast<int32_t>(base / group_size);
  }
}

enum class Kind { kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kPackedRow, kPackedGroup };

template <Kind k>
constexpr int block_bytes() {
  return k == Kind::kQ4_0 ? 18 : k == Kind::kQ4_1 ? 20 : k == Kind::kQ5_0 ? 22 : k == Kind::kQ5_1 ? 24 : 34;
}

struct Args {
  const codec::PackedWeights* w;
  const Q8Plan* plan;
  const uint8_t* codes;
  uint64_t row_bytes;
  int64_t chunk_row_offset;
  int64_t chunk_bytes;
  const uint8_t* scales;
  const uint8_t* zero_points;
  uint64_t groups_per_row;
  ScaleType scale_type;
  const float* e8;
  __m256i table;  // 16 table values per 128-bit lane
};

float scale_at(const Args& a, uint64_t index) {
  const uint8_t* p = a.scales + index * codec::scale_size(a.scale_type);
  switch (a.scale_type) {
    case ScaleType::kF32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case ScaleType::kF16: return half(p);
    case ScaleType::kE8: return a.e8[*p];
  }
  return 0.0f;
}

struct Block {
  __m256i v;
  float s = 1.0f;  // the block's scale (per-row scales: 1)
  float m = 0.0f;  // its additive term
};

// t = offs + sum over each lane's 4 bytes of v * xq.
template <bool kSigned, bool kOffset>
[[gnu::always_inline]] inline __m256i dot(__m256i v, __m256i xq, __m256i offs) {
  if (kSigned) {  // |v| times xq with v's sign: 128 * 127 * 2 fits 16 bits
    xq = _mm256_sign_epi8(xq, v);
    v = _mm256_sign_epi8(v, v);
  }
  const __m256i t = _mm256_madd_epi16(_mm256_maddubs_epi16(v, xq), _mm256_set1_epi16(1));
  return kOffset ? _mm256_add_epi32(t, offs) : t;
}

template <Kind k>
[[gnu::always_inline]] inline void load_ggml(const uint8_t* p, Block* out) {
  out->s = half(p);
  if (k == Kind::kQ8_0) {
    out->v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
    return;
  }
  constexpr int qs = k == Kind::kQ4_0 ? 2 : k == Kind::kQ4_1 ? 4 : k == Kind::kQ5_0 ? 6 : 8;
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + qs));
  __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
  v = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
  if (k == Kind::kQ5_0 || k == Kind::kQ5_1) {
    uint32_t h;
    std::memcpy(&h, p + (k == Kind::kQ5_0 ? 2 : 4), 4);
    // Byte j <- bit j of qh: spread the 4 bytes of qh over 8 bytes each,
    // test each byte's bit.
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(h)),
                                               _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                                                 0x0101010101010101, 0x0000000000000000));
    const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    v = _mm256_or_si256(v, _mm256_and_si256(set, _mm256_set1_epi8(16)));
  }
  out->v = v;
  if (k == Kind::kQ4_1 || k == Kind::kQ5_1) out->m = half(p + 2);
}

[[gnu::always_inline]] inline __m256i load_packed(const Args& a, const uint8_t* p, int64_t n) {
  __m256i v;
  if (a.plan->bits == 8) {
    v = load_bytes(p, n);
    // 8-bit symmetric ints as signed values (vpmaddubsw cannot take 255).
    if (a.plan->is_signed && !a.plan->table) v = _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80)));
    return v;
  }
  const __m128i raw = load_16_bytes(p, n);
  v = _mm256_inserti128_si256(_mm256_castsi128_si256(raw), _mm_srli_epi16(raw, 4), 1);
  v = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
  if (a.plan->table) v = _mm256_shuffle_epi8(a.table, v);
  return v;
}

template <Kind k, bool kSigned, bool kOffset, bool kMin, int R>
void rows(const Args& a, const Tile& t, int64_t r0, float* y) {
  constexpr bool kGgml = k != Kind::kPackedRow && k != Kind::kPackedGroup;
  constexpr bool kGroup = k == Kind::kPackedGroup;
  const int64_t rows_total = a.w->layout.rows;
  const uint8_t* row[R];
  __m256 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + static_cast<uint64_t>(a.chunk_row_offset);
    acc[r] = _mm256_setzero_ps();
  }
  const int next = static_cast<int>(min64(R, rows_total - (r0 + R) > 0 ? rows_total - (r0 + R) : 0));
  RowsPrefetch next_codes(row[0] + R * a.row_bytes, a.row_bytes, a.chunk_bytes, next, t.blocks,
                          kRows * a.chunk_bytes > kL1PrefetchBytes);
  float row_m[R];
  if (k == Kind::kPackedRow && kMin) {
    for (int r = 0; r < R; ++r) {
      const uint64_t index = a.w->layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r0 + r);
      row_m[r] = -static_cast<float>(a.zero_points[index]);
    }
  }
  for (int64_t j = 0; j < t.blocks; ++j) {
    next_codes.step();
    Block w[R];
    for (int r = 0; r < R; ++r) {
      if (kGgml) {
        load_ggml<k>(row[r] + j * block_bytes<k>(), &w[r]);
      } else {
        const int64_t offset = j * 4 * a.plan->bits;
        w[r].v = load_packed(a, row[r] + offset, a.chunk_bytes - offset);
        if (kGroup) {
          const uint64_t index = static_cast<uint64_t>(r0 + r) * a.groups_per_row + static_cast<uint64_t>(t.group[j]);
          w[r].s = scale_at(a, index);
          if (kMin) w[r].m = -w[r].s * a.zero_points[index];
        } else if (kMin) {
          w[r].m = row_m[r];
        }
      }
    }
    const __m256i xq = _mm256_load_si256(reinterpret_cast<const __m256i*>(t.xq + 32 * j));
    const __m256i offs = _mm256_load_si256(reinterpret_cast<const __m256i*>(t.offs + 8 * j));
    for (int r = 0; r < R; ++r) {
      const __m256 d = _mm256_cvtepi32_ps(dot<kSigned, kOffset>(w[r].v, xq, offs));
      acc[r] = _mm256_fmadd_ps(d, _mm256_set1_ps(k == Kind::kPackedRow ? t.dx[j] : w[r].s * t.dx[j]), acc[r]);
    }
    if (kMin) {
      const __m256 xs = _mm256_load_ps(t.xs + 8 * j);
      for (int r = 0; r < R; ++r) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(w[r].m), xs, acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float factor = a.plan->table_factor;
    if (k == Kind::kPackedRow) {
      const uint64_t index = a.w->layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r0 + r);
      factor *= scale_at(a, index);
    }
    y[r0 + r] += factor * hsum(acc[r]);
  }
}

template <Kind k, bool kSigned, bool kOffset, bool kMin>
void kernel(const Q8Plan& plan, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
            int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = bias != nullptr ? bias[r] : 0.0f;
  constexpr bool kGgml = k != Kind::kPackedRow && k != Kind::kPackedGroup;
  Args a;
  a.w = &w;
  a.plan = &plan;
  a.codes = w.data;
  a.row_bytes = w.segment.row_bytes;
  a.scales = w.data + w.segment.scales_offset;
  a.zero_points = w.data + w.segment.zero_points_offset;
  a.groups_per_row = w.segment.groups_per_row;
  a.scale_type = w.layout.scale_type;
  float e8[256];
  if (!kGgml && a.scale_type == ScaleType::kE8) {
    for (int c = 0; c < 256; ++c) e8[c] = codec::e8_value(static_cast<uint8_t>(c));
  }
  a.e8 = e8;
  alignas(32) int8_t table[32];
  for (int p = 0; p < 32; ++p) table[p] = plan.table_q[p % 16];
  a.table = _mm256_load_si256(reinterpret_cast<const __m256i*>(table));
  int offset = 0;
  if (kGgml) {
    offset = k == Kind::kQ4_0 ? 8 : k == Kind::kQ5_0 ? 16 : 0;
  } else if (!kSigned) {
    offset = plan.offset;
  }
  const bool odd_even = !kGgml && plan.bits == 4;
  Tile t;
  const int64_t cols = w.layout.cols;
  for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
    build_tile(x, odd_even, offset, c0, plan.group ? plan.group_size : 0, &t);
    if (kGgml) {
      a.chunk_row_offset = c0 / kQ8Block * block_bytes<k>();
      a.chunk_bytes = t.blocks * block_bytes<k>();
    } else {
      a.chunk_row_offset = c0 / 8 * plan.bits;
      a.chunk_bytes = min64(static_cast<int64_t>(a.row_bytes) - a.chunk_row_offset, t.blocks * 4 * plan.bits);
    }
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) rows<k, kSigned, kOffset, kMin, kRows>(a, t, r, y);
    for (; r < row_end; ++r) rows<k, kSigned, kOffset, kMin, 1>(a, t, r, y);
  }
}

}  // namespace

Q8Kernel avx2_q8_kernel(const Q8Plan& p) {
  switch (p.shape) {
    case Q8Shape::kQ4_0: return kernel<Kind::kQ4_0, false, true, false>;
    case Q8Shape::kQ4_1: return kernel<Kind::kQ4_1, false, false, true>;
    case Q8Shape::kQ5_0: return kernel<Kind::kQ5_0, false, true, false>;
    case Q8Shape::kQ5_1: return kernel<Kind::kQ5_1, false, false, true>;
    case Q8Shape::kQ8_0: return kernel<Kind::kQ8_0, true, false, false>;
    case Q8Shape::kPacked: break;
    case Q8Shape::kUnsupported: return nullptr;
  }
  if (p.bits != 4 && p.bits != 8) return nullptr;
  if (p.bits == 8 && p.affine) return nullptr;
  if (p.group) {
    if (p.affine) return kernel<Kind::kPackedGroup, false, false, true>;
    if (p.is_signed) return kernel<Kind::kPackedGroup, true, false, false>;
    return kernel<Kind::kPackedGroup, false, true, false>;
  }
  if (p.affine) return kernel<Kind::kPackedRow, false, false, true>;
  if (p.is_signed) return kernel<Kind::kPackedRow, true, false, false>;
  return kernel<Kind::kPackedRow, false, true, false>;
}

}  // namespace nibble::gemv
