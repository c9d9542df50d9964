// The AVX-512 int8-activation kernels, written once for two levels: this
// file is included (only) by gemv_q8_avx512.cc (NIBBLE_Q8_VNNI 0: the dot
// product is vpmaddubsw + vpmaddwd, AVX-512 F/BW/VL) and by
// gemv_q8_avx512vnni.cc (NIBBLE_Q8_VNNI 1: vpdpbusd, and VBMI's vpermb +
// vpmultishiftqb unpack codes of any width). Everything has internal
// linkage, so each file compiled with its own flags gets its own copy.
//
// Structure (see gemv_q8_plan.h for the unit and the weight formula):
// - The columns are cut into chunks of kChunk at fixed positions. Per
//   chunk a tile shared by all rows is built once: the activations in the
//   format's byte order (xq), and per 32-bit lane the block's scale d (dx),
//   the offset correction -o * sums[b] in the first lane of each block
//   (offs: the dot product starts from it, so subtracting the offset costs
//   nothing per row) and d * sums[b] there (xs, for the additive term m).
// - Rows go kRows at a time: each tile vector loaded serves kRows rows.
//   Per unit and row: t = dot(v, xq) + offs (int32, 16 lanes), then
//   acc += float(t) * (s * dx) [+ m * xs]. A row's operations never depend
//   on its neighbours, so results do not depend on the row range.
// - The next block of rows is prefetched in address order while the
//   current one is read (next_rows_prefetch.h: the hardware prefetchers do
//   not follow kRows interleaved streams).
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
#include <type_traits>

#include "codec/scale_storage.h"
#include "gemv/gemv_q8_kernels.h"
#include "gemv/next_rows_prefetch.h"

#ifndef NIBBLE_Q8_VNNI
#error "include from gemv_q8_avx512.cc or gemv_q8_avx512vnni.cc only"
#endif

namespace nibble::gemv {
namespace {

using codec::ScaleType;

// Columns per tile (~18 KiB on the stack): one chunk up to K = 4096, since
// chunking visits each row twice (2048-column chunks cost 4096x4096 Q4_0
// a third of its speed).
constexpr int64_t kChunk = 4096;
constexpr int64_t kUnits = kChunk / kQ8Unit;
constexpr int kRows = 4;
// Rows prefetched into L2 only when a block of rows reads more than this
// (next_rows_prefetch.h).
constexpr int64_t kL1PrefetchBytes = 8192;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

float hsum(__m512 v) {
  const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  b = _mm_add_ps(b, _mm_movehl_ps(b, b));
  b = _mm_add_ss(b, _mm_movehdup_ps(b));
  return _mm_cvtss_f32(b);
}

__mmask64 first_bytes(int64_t n) {
  return n >= 64 ? ~__mmask64{0} : (n <= 0 ? __mmask64{0} : (__mmask64{1} << n) - 1);
}

float half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// ---------------------------------------------------------------- byte order

// Byte p of a unit's vector holds column map[p] of the unit; `second`:
// the 32-bit lanes of the unit's second block.
struct ByteOrder {
  uint8_t map[64];
  __mmask16 second;
};

// Natural order (q8_0, 8-bit codes, VBMI-unpacked codes).
ByteOrder natural_order() {
  ByteOrder o;
  for (int p = 0; p < 64; ++p) o.map[p] = static_cast<uint8_t>(p);
  o.second = 0xFF00;
  return o;
}

// ggml 4/5-bit blocks: the 16 bytes of qs of both blocks side by side,
// low nibbles then high nibbles: [b0 0..15, b1 0..15, b0 16..31, b1 16..31].
ByteOrder ggml_nibble_order() {
  ByteOrder o;
  for (int p = 0; p < 64; ++p) o.map[p] = static_cast<uint8_t>(p < 16 ? p : p < 32 ? p + 16 : p < 48 ? p - 16 : p);
  o.second = 0xF0F0;
  return o;
}

// Packed 4-bit codes split by shifts: low nibbles (even columns), then
// high nibbles (odd columns).
ByteOrder packed_nibble_order() {
  ByteOrder o;
  for (int p = 0; p < 64; ++p) o.map[p] = static_cast<uint8_t>(p < 32 ? 2 * p : 2 * (p - 32) + 1);
  o.second = 0xF0F0;
  return o;
}

// -------------------------------------------------------------------- tile

struct Tile {
  int64_t c0 = 0;
  int64_t units = 0;
  alignas(64) int8_t xq[kChunk];
  alignas(64) float dx[kChunk / 4];
  alignas(64) int32_t offs[kChunk / 4];
  alignas(64) float xs[kChunk / 4];
  int32_t group[2 * kUnits];  // group (within the row) of each unit's blocks
  // ggml: [d of the unit's first block, 1, d of its second, 1], to scale
  // the blocks' [d, m, d, m] with one 128-bit multiply (m needs no d: xs
  // has it).
  alignas(16) float dx4[4 * kUnits];
};

void build_tile(const Q8Activations& x, const ByteOrder& order, int offset, int64_t c0, int64_t group_size,
                int64_t groups_per_row, Tile* t) {
  const int64_t n = min64(kChunk, x.cols - c0);
  t->c0 = c0;
  t->units = (n + kQ8Unit - 1) / kQ8Unit;
  int first_second = 0;  // the first lane of the second block
  while (!((order.second >> first_second) & 1)) ++first_second;
  for (int64_t u = 0; u < t->units; ++u) {
    const int64_t base = c0 + u * kQ8Unit;  // < padded_cols: q, d, sums are there
    for (int p = 0; p < 64; ++p) t->xq[u * 64 + p] = x.q[base + order.map[p]];
    for (int i = 0; i < 16; ++i) {
      const int64_t b = (base + order.map[4 * i]) / kQ8Block;
      const bool first = i == 0 || i == first_second;
      t->dx[u * 16 + i] = x.d[b];
      t->offs[u * 16 + i] = first ? -offset * x.sums[b] : 0;
      t->xs[u * 16 + i] = first ? x.d[b] * static_cast<float>(x.sums[b]) : 0.0f;
    }
    t->dx4[4 * u + 0] = x.d[base / kQ8Block];
    t->dx4[4 * u + 1] = 1.0f;
    t->dx4[4 * u + 2] = x.d[base / kQ8Block + 1];
    t->dx4[4 * u + 3] = 1.0f;
    if (group_size > 0) {
      t->group[2 * u] = static_cast<int32_t>(base / group_size);
      t->group[2 * u + 1] = static_cast<int32_t>(min64((base + kQ8Block) / group_size, groups_per_row - 1));
    }
  }
}

// --------------------------------------------------------------- dot product

// t = offs + sum over each lane's 4 bytes of v * xq. kSigned: v is s8.
template <bool kSigned, bool kOffset>
[[gnu::always_inline]] inline __m512i dot(__m512i v, __m512i xq, __m512i offs) {
#if NIBBLE_Q8_VNNI
  // u8 x s8: a signed v becomes v + 128 (the tile's offset is then 128).
  if (kSigned) v = _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
  return _mm512_dpbusd_epi32(kOffset || kSigned ? offs : _mm512_setzero_si512(), v, xq);
#else
  // vpmaddubsw saturates pairs at 16 bits: fine for codes < 32 (31 * 127 *
  // 2); a signed v goes as |v| times xq with v's sign (128 * 127 * 2 fits).
  if (kSigned) {
    xq = _mm512_mask_sub_epi8(xq, _mm512_movepi8_mask(v), _mm512_setzero_si512(), xq);
    v = _mm512_abs_epi8(v);
  }
  const __m512i t = _mm512_madd_epi16(_mm512_maddubs_epi16(v, xq), _mm512_set1_epi16(1));
  return kOffset && !kSigned ? _mm512_add_epi32(t, offs) : t;
#endif
}

// The tile's offset for a format: what dot() must subtract.
int tile_offset(bool is_signed, int offset) {
#if NIBBLE_Q8_VNNI
  return is_signed ? 128 : offset;
#else
  return is_signed ? 0 : offset;
#endif
}

// ------------------------------------------------------------------- formats

struct Args {
  const codec::PackedWeights* w;
  const Q8Plan* plan;
  const uint8_t* codes;
  uint64_t row_bytes;
  int64_t chunk_row_offset;  // bytes from a row's start to the tile's first unit
  int64_t chunk_bytes;       // bytes of a row the tile reads
  // kPacked:
  const uint8_t* scales;
  const uint8_t* zero_points;
  uint64_t groups_per_row;
  ScaleType scale_type;
  const float* e8;  // the 256 e8 values
  __m512i table;    // 16 table bytes per 128-bit lane
  __m512i permute;  // VBMI unpack: byte 8q + j <- byte q * bits + j
  __m512i shifts;   // ... bit offset of code j in its qword: j * bits
  __m512i mask;     // 2^bits - 1 per byte
  __mmask16 second;  // the lanes of a unit's second block (ByteOrder)
  int64_t prefetch_blocks;  // how many row blocks ahead to prefetch
  bool pair_scales;         // groups of 32: a unit's two scales are adjacent
  __m512i scale_lanes;      // 0 in the first block's lanes, 1 in the second's
};

struct Unit {
  __m512i v;
  __m512 s;  // per lane: the block's scale (unused for per-row scales)
  __m512 m;  // per lane: the additive term (kMin formats)
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

// The same with the scale type known at compile time (the hot loops).
template <ScaleType kScale>
[[gnu::always_inline]] inline float scale_of(const Args& a, uint64_t index) {
  if (kScale == ScaleType::kF32) {
    float f;
    std::memcpy(&f, a.scales + 4 * index, 4);
    return f;
  }
  if (kScale == ScaleType::kF16) return half(a.scales + 2 * index);
  return a.e8[a.scales[index]];
}

// Scales index and index + 1 in lanes 0 and 1 (f32, f16).
template <ScaleType kScale>
[[gnu::always_inline]] inline __m128 pair_of(const Args& a, uint64_t index) {
  if (kScale == ScaleType::kF32) {
    double d;
    std::memcpy(&d, a.scales + 4 * index, 8);
    return _mm_castpd_ps(_mm_set_sd(d));
  }
  uint32_t h;
  std::memcpy(&h, a.scales + 2 * index, 4);
  return _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(h)));
}

enum class Kind { kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kPackedRow, kPackedGroup };

template <Kind k>
constexpr int block_bytes() {
  return k == Kind::kQ4_0 ? 18 : k == Kind::kQ4_1 ? 20 : k == Kind::kQ5_0 ? 22 : k == Kind::kQ5_1 ? 24 : 34;
}
template <Kind k>
constexpr bool has_min() {
  return k == Kind::kQ4_1 || k == Kind::kQ5_1;
}

// Two ggml blocks at p (the second only if `two`): codes, and scales
// times the activations' d (dx4: the tile's).
template <Kind k, bool two>
[[gnu::always_inline]] inline void load_ggml(const uint8_t* p, const float* dx4, Unit* out) {
  constexpr int bb = block_bytes<k>();
  // d (and m) of both blocks converted at once: [d0, m0, d1, m1] as f16,
  // spread over the lanes of each block by one permute each.
  uint32_t h0, h1 = 0;
  std::memcpy(&h0, p, 4);
  if (two) std::memcpy(&h1, p + bb, 4);
  const __m128 dm4 = _mm_cvtph_ps(_mm_insert_epi32(_mm_cvtsi32_si128(static_cast<int>(h0)), static_cast<int>(h1), 1));
  const __m512 dm = _mm512_castps128_ps512(_mm_mul_ps(dm4, _mm_load_ps(dx4)));
  if (k == Kind::kQ8_0) {
    out->s = _mm512_permutexvar_ps(_mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0), dm);
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
    const __m256i hi = two ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + bb + 2)) : _mm256_setzero_si256();
    out->v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    return;
  }
  out->s = _mm512_permutexvar_ps(_mm512_set_epi32(2, 2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0), dm);
  constexpr int qs = k == Kind::kQ4_0 ? 2 : k == Kind::kQ4_1 ? 4 : k == Kind::kQ5_0 ? 6 : 8;
  const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + qs));
  const __m128i q1 = two ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + bb + qs)) : _mm_setzero_si128();
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
  __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(both), _mm256_srli_epi16(both, 4), 1);
  v = _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
  if (k == Kind::kQ5_0 || k == Kind::kQ5_1) {
    constexpr int qh = k == Kind::kQ5_0 ? 2 : 4;
    uint32_t b0, b1 = 0;
    std::memcpy(&b0, p + qh, 4);
    if (two) std::memcpy(&b1, p + bb + qh, 4);
    // Bit 4 of each code, in the byte order of the nibbles.
    const uint64_t bits = (b0 & 0xFFFFu) | uint64_t{b1 & 0xFFFFu} << 16 | uint64_t{b0 >> 16} << 32 |
                          uint64_t{b1 >> 16} << 48;
    v = _mm512_mask_add_epi8(v, static_cast<__mmask64>(bits), v, _mm512_set1_epi8(16));
  }
  out->v = v;
  if (has_min<k>()) out->m = _mm512_permutexvar_ps(_mm512_set_epi32(3, 3, 3, 3, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, 1, 1), dm);
}

// A unit of packed codes at p: kFull: all 8 * kBits bytes are the row's,
// else n of them (the row's last unit).
template <int kBits, bool kTable, bool kFull>
[[gnu::always_inline]] inline __m512i load_packed(const Args& a, const uint8_t* p, int64_t n) {
  __m512i v;
  if (kBits == 8) {
    v = kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(first_bytes(n), p);
  } else if (kBits == 4) {
    // Split by a shift (packed_nibble_order): 3 instructions, one of them
    // a shuffle, where vpermb + vpmultishiftqb are two (measured 1.25x
    // q4_0's time against ~1.05x).
    const __m256i raw = kFull ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
                              : _mm256_maskz_loadu_epi8(static_cast<__mmask32>(first_bytes(min64(n, 32))), p);
    v = _mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1);
    v = _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
  } else {
#if NIBBLE_Q8_VNNI
    const __mmask64 m = kFull ? first_bytes(8 * kBits) : first_bytes(min64(n, 8 * kBits));
    const __m512i raw = _mm512_maskz_loadu_epi8(m, p);
    v = _mm512_and_si512(_mm512_multishift_epi64_epi8(a.shifts, _mm512_permutexvar_epi8(a.permute, raw)), a.mask);
#else
    v = _mm512_setzero_si512();  // never: 2- and 3-bit codes need VBMI (select_kernel)
#endif
  }
  if (kTable) v = _mm512_shuffle_epi8(a.table, v);
#if !NIBBLE_Q8_VNNI
  // 8-bit symmetric ints as signed values (vpmaddubsw cannot take 255).
  if (kBits == 8 && !kTable && a.plan->is_signed) v = _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
#endif
  return v;
}

// ---------------------------------------------------------------------- rows

// kBits, kScale, kTable: packed codes' width, scale type (group scales)
// and lookup (unused for ggml blocks).
template <Kind k, bool kSigned, bool kOffset, bool kMin, int kBits, ScaleType kScale, bool kTable, int R>
void rows(const Args& a, const Tile& t, int64_t r0, float* y) {
  const int64_t rows_total = a.w->layout.rows;
  const uint8_t* row[R];
  __m512 acc[R];
  for (int r = 0; r < R; ++r) {
    row[r] = a.codes + static_cast<uint64_t>(r0 + r) * a.row_bytes + static_cast<uint64_t>(a.chunk_row_offset);
    acc[r] = _mm512_setzero_ps();
  }
  const int64_t ahead = r0 + a.prefetch_blocks * kRows;  // first row prefetched
  const int next = static_cast<int>(min64(R, rows_total - ahead > 0 ? rows_total - ahead : 0));
  RowsPrefetch next_codes(a.codes + static_cast<uint64_t>(ahead) * a.row_bytes + static_cast<uint64_t>(a.chunk_row_offset),
                          a.row_bytes, a.chunk_bytes, next, t.units, kRows * a.chunk_bytes > kL1PrefetchBytes);
  constexpr bool kGroup = k == Kind::kPackedGroup;
  constexpr bool kGgml = k != Kind::kPackedRow && k != Kind::kPackedGroup;
  // Per-row scales: applied once to the row's sum; affine: m = -zp.
  __m512 row_m[R];
  if (k == Kind::kPackedRow && kMin) {
    for (int r = 0; r < R; ++r) {
      const uint64_t index = a.w->layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r0 + r);
      row_m[r] = _mm512_set1_ps(-static_cast<float>(a.zero_points[index]));
    }
  }
  // ggml: every unit but maybe the last has two blocks (no test per unit).
  const int64_t full_units = kGgml ? a.chunk_bytes / block_bytes<k>() / 2 : a.chunk_bytes / (8 * kBits);
  auto unit = [&](int64_t u, auto two) {
    next_codes.step();
    Unit w[R];
    for (int r = 0; r < R; ++r) {
      if (kGgml) {
        load_ggml<k, decltype(two)::value>(row[r] + u * 2 * block_bytes<k>(), t.dx4 + 4 * u, &w[r]);
      } else {
        const int64_t offset = u * 8 * kBits;
        w[r].v = load_packed<kBits, kTable, decltype(two)::value>(a, row[r] + offset, a.chunk_bytes - offset);
        if (kGroup) {
          const uint64_t g = static_cast<uint64_t>(r0 + r) * a.groups_per_row;
          const uint64_t i0 = g + static_cast<uint64_t>(t.group[2 * u]);
          const uint64_t i1 = g + static_cast<uint64_t>(t.group[2 * u + 1]);
          if (!kMin && kScale != ScaleType::kE8 && decltype(two)::value && a.pair_scales) {
            // Groups of 32: the unit's two scales are adjacent, one load
            // and one conversion (like the ggml d's), one permute.
            w[r].s = _mm512_permutexvar_ps(a.scale_lanes, _mm512_castps128_ps512(pair_of<kScale>(a, i0)));
            continue;
          }
          const float s0 = scale_of<kScale>(a, i0), s1 = scale_of<kScale>(a, i1);
          w[r].s = _mm512_mask_blend_ps(a.second, _mm512_set1_ps(s0), _mm512_set1_ps(s1));
          if (kMin) {
            w[r].m = _mm512_mask_blend_ps(a.second, _mm512_set1_ps(-s0 * a.zero_points[i0]),
                                          _mm512_set1_ps(-s1 * a.zero_points[i1]));
          }
        }
      }
    }
    const __m512i xq = _mm512_load_si512(t.xq + 64 * u);
    const __m512 dx = _mm512_load_ps(t.dx + 16 * u);
    const __m512i offs = _mm512_load_si512(t.offs + 16 * u);
    for (int r = 0; r < R; ++r) {
      const __m512 dot_f = _mm512_cvtepi32_ps(dot<kSigned, kOffset>(w[r].v, xq, offs));
      const __m512 scale = k == Kind::kPackedRow ? dx : kGgml ? w[r].s : _mm512_mul_ps(w[r].s, dx);
      acc[r] = _mm512_fmadd_ps(dot_f, scale, acc[r]);
    }
    if (kMin) {
      const __m512 xs = _mm512_load_ps(t.xs + 16 * u);
      for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(k == Kind::kPackedRow ? row_m[r] : w[r].m, xs, acc[r]);
    }
  };
  int64_t u = 0;
  for (; u < full_units; ++u) unit(u, std::true_type{});
  if (u < t.units) unit(u, std::false_type{});
  for (int r = 0; r < R; ++r) {
    float factor = a.plan->table_factor;
    if (k == Kind::kPackedRow) {
      const uint64_t index = a.w->layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(r0 + r);
      factor *= scale_at(a, index);
    }
    y[r0 + r] += factor * hsum(acc[r]);
  }
}

template <Kind k, bool kSigned, bool kOffset, bool kMin, int kBits = 0, ScaleType kScale = ScaleType::kF32,
          bool kTable = false>
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
  ByteOrder order = natural_order();
  int offset = 0;
  if (kGgml) {
    if (k != Kind::kQ8_0) order = ggml_nibble_order();
    offset = k == Kind::kQ4_0 ? 8 : k == Kind::kQ5_0 ? 16 : 0;
  } else {
    const int bits = plan.bits;
    if (bits == 4) order = packed_nibble_order();
    alignas(64) uint8_t permute[64], shifts[64], table[64];
    for (int p = 0; p < 64; ++p) {
      permute[p] = static_cast<uint8_t>((p / 8) * bits + (p % 8 < bits ? p % 8 : 0));
      shifts[p] = static_cast<uint8_t>((p % 8) * bits);
      // VNNI reads table values as unsigned v + 128 (offset 128 below).
      const int8_t tv = plan.table_q[p % 16];
      table[p] = NIBBLE_Q8_VNNI ? static_cast<uint8_t>(tv ^ 0x80) : static_cast<uint8_t>(tv);
    }
    a.permute = _mm512_load_si512(permute);
    a.shifts = _mm512_load_si512(shifts);
    a.table = _mm512_load_si512(table);
    a.mask = _mm512_set1_epi8(static_cast<char>((1 << bits) - 1));
    offset = plan.offset;
#if NIBBLE_Q8_VNNI
    if (plan.table) offset = 128;  // table bytes are stored + 128: unsigned
#endif
  }
  offset = tile_offset(kSigned, offset);
  a.second = order.second;
  a.pair_scales = plan.group && plan.group_size == kQ8Block;
  a.scale_lanes = _mm512_mask_blend_epi32(order.second, _mm512_setzero_si512(), _mm512_set1_epi32(1));
  // One block of rows ahead: 2, 3, 4 and 8 ahead were no better (768x2304,
  // 4096x4096, within this VM's noise of +-10%).
  a.prefetch_blocks = 1;
  Tile t;
  const int64_t cols = w.layout.cols;
  for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
    build_tile(x, order, offset, c0, plan.group ? plan.group_size : 0, static_cast<int64_t>(a.groups_per_row), &t);
    if (kGgml) {
      constexpr int bb = block_bytes<k>();
      a.chunk_row_offset = c0 / kQ8Block * bb;
      a.chunk_bytes = ((min64(kChunk, cols - c0) + kQ8Block - 1) / kQ8Block) * bb;
    } else {
      a.chunk_row_offset = c0 / 8 * plan.bits;
      a.chunk_bytes = min64(static_cast<int64_t>(a.row_bytes) - a.chunk_row_offset, t.units * 8 * plan.bits);
    }
    int64_t r = row_begin;
    for (; r + kRows <= row_end; r += kRows) rows<k, kSigned, kOffset, kMin, kBits, kScale, kTable, kRows>(a, t, r, y);
    for (; r < row_end; ++r) rows<k, kSigned, kOffset, kMin, kBits, kScale, kTable, 1>(a, t, r, y);
  }
}

// Packed codes of kBits bits: the variant for the scale layout, scale
// type (group scales), lookup and offset handling.
template <int kBits, bool kSigned, bool kOffset, bool kMin, bool kTable>
Q8Kernel packed_variant(const Q8Plan& p) {
  if (!p.group) return kernel<Kind::kPackedRow, kSigned, kOffset, kMin, kBits, ScaleType::kF32, kTable>;
  switch (p.scale_type) {
    case ScaleType::kF32: return kernel<Kind::kPackedGroup, kSigned, kOffset, kMin, kBits, ScaleType::kF32, kTable>;
    case ScaleType::kF16: return kernel<Kind::kPackedGroup, kSigned, kOffset, kMin, kBits, ScaleType::kF16, kTable>;
    case ScaleType::kE8: return kernel<Kind::kPackedGroup, kSigned, kOffset, kMin, kBits, ScaleType::kE8, kTable>;
  }
  return nullptr;
}

template <int kBits>
Q8Kernel packed_kernel(const Q8Plan& p, bool is_signed, bool has_offset) {
  if (p.affine) return packed_variant<kBits, false, false, true, false>(p);
  if (p.table) {
    if (kBits == 8) return nullptr;
    return is_signed ? packed_variant<kBits, true, false, false, true>(p)
                     : packed_variant<kBits, false, true, false, true>(p);
  }
  if (is_signed) return packed_variant<kBits, true, false, false, false>(p);
  return has_offset ? packed_variant<kBits, false, true, false, false>(p) : nullptr;
}

// The kernel for a plan on this level, or null.
Q8Kernel select_kernel(const Q8Plan& p) {
  switch (p.shape) {
    case Q8Shape::kQ4_0: return kernel<Kind::kQ4_0, false, true, false>;
    case Q8Shape::kQ4_1: return kernel<Kind::kQ4_1, false, false, true>;
    case Q8Shape::kQ5_0: return kernel<Kind::kQ5_0, false, true, false>;
    case Q8Shape::kQ5_1: return kernel<Kind::kQ5_1, false, false, true>;
    case Q8Shape::kQ8_0: return kernel<Kind::kQ8_0, true, false, false>;
    case Q8Shape::kPacked: break;
    case Q8Shape::kUnsupported: return nullptr;
  }
#if !NIBBLE_Q8_VNNI
  // Without VBMI only 4 and 8 bits unpack cheaply; 8-bit affine codes
  // reach 255, which vpmaddubsw's pairs cannot hold.
  if (p.bits != 4 && p.bits != 8) return nullptr;
  if (p.bits == 8 && p.affine) return nullptr;
#endif
  // Values of the full int8 range (tables, 8-bit symmetric ints): VNNI
  // reads them unsigned with offset 128 (table bytes stored + 128),
  // vpmaddubsw as signed values.
  const bool is_signed = p.is_signed && !NIBBLE_Q8_VNNI;
  const bool has_offset = p.is_signed ? NIBBLE_Q8_VNNI : p.offset != 0;
  switch (p.bits) {
#if NIBBLE_Q8_VNNI
    case 2: return packed_kernel<2>(p, is_signed, has_offset);
    case 3: return packed_kernel<3>(p, is_signed, has_offset);
#endif
    case 4: return packed_kernel<4>(p, is_signed, has_offset);
    case 8: return packed_kernel<8>(p, is_signed, has_offset);
    default: return nullptr;
  }
}

}  // namespace
}  // namespace nibble::gemv
