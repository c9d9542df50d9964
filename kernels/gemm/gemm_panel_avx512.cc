// AVX-512 panel packer (gemm_internal.h): decodes kc columns of up to 32
// weight rows into a row buffer, then interleaves them into the panel
// layout the microkernel reads ([k][32 outputs]) with 16x16 register
// transposes. Both steps cost a few instructions per 16 weights, small
// beside the m/16 FMAs each weight takes part in.
//
// SIMD row decoders (every value bit-identical to codec::decode_range: the
// same float products):
//   f32           read in place (no copy)
//   f16           vcvtph2ps
//   q8_0, q4_0    per ggml block of 32: int8 -> f32 (q4_0: a 16-entry
//                 vpermps lookup of q - 8), times the block's d
//   int8          IntCodec 8-bit symmetric per channel/tensor: (code - 128) * s
//   4-bit codes   IntCodec symmetric / TableCodec, per channel, tensor or
//                 group (group size a multiple of 16): vpermps lookup of the
//                 code's value, times the scale of its 16-column block
//   other codes   IntCodec / TableCodec of 1..8 bits (asymmetric too), per
//                 channel, tensor or group (a multiple of 16): 16 codes from
//                 2 * bits bytes with one vpshufb + vpsrlvd, then
//                 code - zero (int), vpermps (table <= 4 bits) or a gather
//                 (table of 5..8 bits), times the scale
//   bf16          a 16-bit shift
// Everything else (ggml q4_1/q5_*, 9-bit tables, groups not a multiple of
// 16), and the unaligned ends of a range, go through codec::decode_range.
// GCC 12 reports the intrinsics' internal undefined placeholders (__Y) as
// uninitialized (a false positive); nothing here reads uninitialized data.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "codec/decode_range.h"
#include "codec/encode.h"
#include "codec/scale_storage.h"
#include "gemm/gemm_internal.h"
#include "gemv/gemv_plan.h"

namespace nibble::gemm::detail {
namespace {

// Row buffer stride: a decoded range starts up to 31 columns before k0
// (block alignment) and may end a block after.
constexpr int64_t kRowStride = kKc + 64;

enum class Decoder { kGeneric, kF32, kF16, kBF16, kQ8_0, kQ4_0, kInt8, kCode4, kCodes };

struct RowDecoder {
  Decoder kind = Decoder::kGeneric;
  __m512 values;         // kQ4_0, kCode4: value of each 4-bit code
  int64_t group = 0;     // kCode4, kCodes: columns per scale (0: one per row)
  // kCodes (IntCodec / TableCodec of 1..8 bits, any zero points): lane i of
  // 16 codes takes bytes shuffle[i] (2 bytes) >> shift[i], & mask.
  __m512i shuffle, shift, mask;
  int bits = 0;
  // Scales: e8 as frac16[c % 8] * 2^(c / 8) (gemv_plan.h: bit-identical to
  // codec::e8_value, without its exp2), f16 by vcvtph2ps.
  float frac16[16];
};
static_assert(sizeof(RowDecoder) <= sizeof(PanelDecoder), "PanelDecoder storage too small");

// The scale stored at p, as codec::load_scale decodes it.
inline float fast_scale(const RowDecoder& d, const uint8_t* p, codec::ScaleType type) {
  switch (type) {
    case codec::ScaleType::kE8: {
      const uint32_t bits = static_cast<uint32_t>((*p >> 3) + 127) << 23;
      float pow2;
      std::memcpy(&pow2, &bits, 4);
      return d.frac16[*p & 7] * pow2;
    }
    case codec::ScaleType::kF16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      return _cvtsh_ss(h);
    }
    default: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
  }
}

// The general code decoder's constants for `bits`: 16 codes span 2 * bits
// bytes; code i starts at bit i * bits, so its bits lie in the 2 bytes at
// (i * bits) / 8 (bits + 7 <= 15).
void set_code_lanes(RowDecoder* d, int bits) {
  alignas(64) uint8_t shuffle[64];
  alignas(64) int32_t shift[16];
  for (int i = 0; i < 16; ++i) {
    const int byte = i * bits / 8;
    shift[i] = i * bits % 8;
    // vpshufb indexes within each 128-bit lane; every lane holds the
    // same 16 bytes (broadcast), so byte indices 0..15 work in all four.
    uint8_t* dword = shuffle + 4 * i;
    dword[0] = static_cast<uint8_t>(byte);
    dword[1] = static_cast<uint8_t>(byte + 1 < 2 * bits ? byte + 1 : 0x80);
    dword[2] = dword[3] = 0x80;
  }
  d->shuffle = _mm512_load_si512(shuffle);
  d->shift = _mm512_load_si512(shift);
  d->mask = _mm512_set1_epi32((1 << bits) - 1);
  d->bits = bits;
}

RowDecoder make_decoder(const codec::PackedWeights& w) {
  RowDecoder d;
  gemv::e8_fraction_table(d.frac16);
  switch (w.layout.format) {
    case codec::Format::kF32: d.kind = Decoder::kF32; return d;
    case codec::Format::kF16: d.kind = Decoder::kF16; return d;
    case codec::Format::kBF16: d.kind = Decoder::kBF16; return d;
    default: break;
  }
  const gemv::Plan plan = gemv::make_plan(w);
  switch (plan.shape) {
    case gemv::Shape::kQ8_0: d.kind = Decoder::kQ8_0; break;
    case gemv::Shape::kQ4_0: d.kind = Decoder::kQ4_0; break;
    case gemv::Shape::kInt8: d.kind = Decoder::kInt8; break;
    case gemv::Shape::kCode4: d.kind = Decoder::kCode4; break;
    default: break;  // the other GEMV shapes: kCodes below, or decode_range
  }
  d.values = _mm512_loadu_ps(plan.values);
  d.group = plan.group_scales ? plan.group_size : 0;
  const codec::WeightLayout& l = w.layout;
  const bool group = l.granularity == codec::Granularity::kGroup;
  if (d.kind == Decoder::kGeneric && (l.format == codec::Format::kInt || l.format == codec::Format::kTable) &&
      l.bits <= 8 && (!group || l.group_size % 16 == 0) && (l.format == codec::Format::kInt || w.table != nullptr)) {
    d.kind = Decoder::kCodes;
    d.group = group ? l.group_size : 0;
    set_code_lanes(&d, l.bits);
    if (l.format == codec::Format::kTable && l.bits <= 4) {
      // 2^bits <= 16 entries: a permute table, read without overrun.
      d.values = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << (1 << l.bits)) - 1), w.table);
    }
  }
  return d;
}

float per_row_scale(const RowDecoder& d, const codec::PackedWeights& w, int64_t row) {
  const uint64_t index = w.layout.granularity == codec::Granularity::kTensor ? 0 : static_cast<uint64_t>(row);
  return fast_scale(d, w.data + w.segment.scales_offset + index * codec::scale_size(w.layout.scale_type),
                    w.layout.scale_type);
}

// Decodes columns [c0, c1) of `row` into out (out[0] = column c0). c0 is a
// multiple of the decoder's unit (16 or 32); SIMD for whole units inside
// the row, decode_range for the rest.
void decode_aligned(const RowDecoder& d, const codec::PackedWeights& w, int64_t row, int64_t c0, int64_t c1,
                    float* out) {
  const uint8_t* base = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  const int64_t cols = w.layout.cols;
  const int64_t lim = c1 < cols ? c1 : cols;  // SIMD reads stay inside the row
  int64_t c = c0;
  switch (d.kind) {
    case Decoder::kF16:
      for (; c + 16 <= lim; c += 16) {
        _mm512_storeu_ps(out + (c - c0), _mm512_cvtph_ps(_mm256_loadu_si256(
                                             reinterpret_cast<const __m256i*>(base + c * 2))));
      }
      break;
    case Decoder::kBF16:
      for (; c + 16 <= lim; c += 16) {
        const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + c * 2)));
        _mm512_storeu_ps(out + (c - c0), _mm512_castsi512_ps(_mm512_slli_epi32(h, 16)));
      }
      break;
    case Decoder::kCodes: {
      const codec::WeightLayout& l = w.layout;
      const uint8_t* scales = w.data + w.segment.scales_offset;
      const uint8_t* zero_points = w.data + w.segment.zero_points_offset;
      const uint64_t scale_bytes = codec::scale_size(l.scale_type);
      const int64_t group = d.group != 0 ? d.group : cols;
      const __mmask16 load_mask = static_cast<__mmask16>((1u << (2 * d.bits)) - 1);
      __m512 scale = _mm512_setzero_ps(), zero = _mm512_set1_ps(static_cast<float>(1 << (l.bits - 1)));
      // The scale (and zero point) index decode_range uses; groups of a row
      // are consecutive, so it only ever steps by one (no division per 16).
      uint64_t index = codec::scale_index(l, w.segment, row, c);
      int64_t left = 0;  // columns left in the current group (0: load)
      bool loaded = false;
      for (; c + 16 <= lim; c += 16) {
        if (left == 0) {
          left = loaded ? group : group - c % group;
          if (loaded) ++index;
          loaded = true;
          scale = _mm512_set1_ps(fast_scale(d, scales + index * scale_bytes, l.scale_type));
          if (l.format == codec::Format::kInt && !l.symmetric) {
            zero = _mm512_set1_ps(static_cast<float>(zero_points[index]));
          }
        }
        left -= 16;
        const __m128i bytes = _mm_maskz_loadu_epi8(load_mask, base + c * d.bits / 8);
        const __m512i pairs = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(bytes), d.shuffle);
        const __m512i codes = _mm512_and_si512(_mm512_srlv_epi32(pairs, d.shift), d.mask);
        __m512 v;
        if (l.format == codec::Format::kInt) {
          v = _mm512_sub_ps(_mm512_cvtepi32_ps(codes), zero);
        } else if (d.bits <= 4) {
          v = _mm512_permutexvar_ps(codes, d.values);
        } else {
          v = _mm512_i32gather_ps(codes, w.table, 4);
        }
        _mm512_storeu_ps(out + (c - c0), _mm512_mul_ps(scale, v));
      }
      break;
    }
    case Decoder::kQ8_0:
      // A block that starts inside the row is whole in memory (the row
      // holds ceil(cols/32) blocks).
      for (; c < lim; c += 32) {
        const uint8_t* block = base + (c / 32) * 34;
        uint16_t h;
        std::memcpy(&h, block, 2);
        const __m512 scale = _mm512_set1_ps(_cvtsh_ss(h));  // F16C: exact, as codec::f16_to_f32
        const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
        const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 18));
        _mm512_storeu_ps(out + (c - c0), _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q0)), scale));
        _mm512_storeu_ps(out + (c - c0) + 16,
                         _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q1)), scale));
      }
      break;
    case Decoder::kQ4_0:
      for (; c < lim; c += 32) {
        const uint8_t* block = base + (c / 32) * 18;
        uint16_t h;
        std::memcpy(&h, block, 2);
        const __m512 scale = _mm512_set1_ps(_cvtsh_ss(h));  // F16C: exact, as codec::f16_to_f32
        // Weights j and j + 16 share byte j (low, high nibble); vpermps
        // reads only the low 4 bits of each index.
        const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2)));
        _mm512_storeu_ps(out + (c - c0), _mm512_mul_ps(_mm512_permutexvar_ps(q, d.values), scale));
        _mm512_storeu_ps(out + (c - c0) + 16,
                         _mm512_mul_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(q, 4), d.values), scale));
      }
      break;
    case Decoder::kInt8: {
      const __m512 scale = _mm512_set1_ps(per_row_scale(d, w, row));
      const __m512 zero = _mm512_set1_ps(128.0f);
      for (; c + 16 <= lim; c += 16) {
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + c));
        const __m512 v = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q)), zero);
        _mm512_storeu_ps(out + (c - c0), _mm512_mul_ps(scale, v));
      }
      break;
    }
    case Decoder::kCode4: {
      // Byte j holds codes 2j (low nibble) and 2j + 1 (high): duplicate
      // each byte, then shift odd lanes right by 4.
      const __m512i shifts = _mm512_set_epi32(4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0);
      const bool group = d.group != 0;
      const uint8_t* scales = w.data + w.segment.scales_offset;
      const uint64_t scale_bytes = codec::scale_size(w.layout.scale_type);
      __m512 scale = _mm512_set1_ps(group ? 0.0f : per_row_scale(d, w, row));
      uint64_t index = group ? static_cast<uint64_t>(row) * w.segment.groups_per_row +
                                   static_cast<uint64_t>(c / d.group)
                             : 0;
      int64_t left = group ? d.group - c % d.group : -1;  // columns left in the group
      if (group) scale = _mm512_set1_ps(fast_scale(d, scales + index * scale_bytes, w.layout.scale_type));
      for (; c + 16 <= lim; c += 16) {
        if (left == 0) {  // groups of a row are consecutive scales
          ++index;
          left = d.group;
          scale = _mm512_set1_ps(fast_scale(d, scales + index * scale_bytes, w.layout.scale_type));
        }
        if (group) left -= 16;
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(base + c / 2));
        const __m512i codes = _mm512_srlv_epi32(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(bytes, bytes)), shifts);
        _mm512_storeu_ps(out + (c - c0), _mm512_mul_ps(scale, _mm512_permutexvar_ps(codes, d.values)));
      }
      break;
    }
    default: break;
  }
  if (c < lim) codec::decode_range(w, row, c, lim - c, out + (c - c0));
}

int64_t unit_of(Decoder kind) {
  switch (kind) {
    case Decoder::kQ8_0:
    case Decoder::kQ4_0: return 32;
    case Decoder::kCode4:
    case Decoder::kCodes: return 16;
    default: return 1;
  }
}

// Transposes a 16 x 16 block: rows r[i] (16 floats at src[i] + col) to
// panel rows k = col + c (16 floats at dst + c * kNr). Loads are masked to
// the first `width` columns.
void transpose16(const float* const* src, int64_t col, __mmask16 mask, float* dst, int width) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_ps(mask, src[i] + col);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // r[4a + q], lane L: rows 4a..4a+3 at column 4L + q.
  for (int a = 0; a < 4; ++a) {
    r[4 * a + 0] = _mm512_shuffle_ps(t[4 * a], t[4 * a + 2], 0x44);
    r[4 * a + 1] = _mm512_shuffle_ps(t[4 * a], t[4 * a + 2], 0xEE);
    r[4 * a + 2] = _mm512_shuffle_ps(t[4 * a + 1], t[4 * a + 3], 0x44);
    r[4 * a + 3] = _mm512_shuffle_ps(t[4 * a + 1], t[4 * a + 3], 0xEE);
  }
  for (int q = 0; q < 4; ++q) {
    t[q] = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x88);
    t[4 + q] = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xDD);
    t[8 + q] = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x88);
    t[12 + q] = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xDD);
  }
  __m512 out[16];
  for (int q = 0; q < 4; ++q) {
    out[q] = _mm512_shuffle_f32x4(t[q], t[8 + q], 0x88);
    out[8 + q] = _mm512_shuffle_f32x4(t[q], t[8 + q], 0xDD);
    out[4 + q] = _mm512_shuffle_f32x4(t[4 + q], t[12 + q], 0x88);
    out[12 + q] = _mm512_shuffle_f32x4(t[4 + q], t[12 + q], 0xDD);
  }
  for (int c = 0; c < width; ++c) _mm512_store_ps(dst + c * kNr, out[c]);
}

}  // namespace

void avx512_panel_decoder(const codec::PackedWeights& w, PanelDecoder* d) {
  const RowDecoder decoder = make_decoder(w);
  std::memcpy(d->storage, &decoder, sizeof(decoder));
}

void avx512_pack_panel(const PanelDecoder& decoder, const codec::PackedWeights& w, int64_t n0, int64_t nb,
                       int64_t k0, int64_t kc, float* panel) {
  alignas(64) float rows[kNr][kRowStride];
  alignas(64) static const float kZeros[kKc] = {};
  RowDecoder d;
  std::memcpy(&d, decoder.storage, sizeof(d));
  const float* src[kNr];
  if (d.kind == Decoder::kF32) {
    for (int64_t j = 0; j < kNr; ++j) {
      src[j] = j < nb ? reinterpret_cast<const float*>(w.data + static_cast<uint64_t>(n0 + j) * w.segment.row_bytes) + k0
                      : kZeros;
    }
  } else {
    const int64_t unit = unit_of(d.kind);
    const int64_t start = k0 / unit * unit;
    const int64_t end = (k0 + kc + unit - 1) / unit * unit;
    for (int64_t j = 0; j < kNr; ++j) {
      if (j >= nb) {
        src[j] = kZeros;
        continue;
      }
      decode_aligned(d, w, n0 + j, start, end, rows[j]);
      src[j] = rows[j] + (k0 - start);
    }
  }
  for (int64_t k = 0; k < kc; k += 16) {
    const int width = kc - k < 16 ? static_cast<int>(kc - k) : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << width) - 1);
    transpose16(src, k, mask, panel + k * kNr, width);
    // nb <= 16: the one-vector microkernels never read the second half.
    if (nb > 16) transpose16(src + 16, k, mask, panel + k * kNr + 16, width);
  }
}

}  // namespace nibble::gemm::detail
