// AVX-512 VNNI int8-activation GEMM (gemm.h, gemm_q8_*) for weights whose
// values are int8 codes times a scale per 32-column block or per row:
// ggml q8_0 and q4_0, IntCodec 8-bit symmetric per channel / tensor.
//
// Per 16 outputs, a panel of up to 16 blocks is packed as unsigned bytes
// w + 128 in vpdpbusd's layout ([block][k/4][output][4 bytes]) with each
// output's block scale. Per row and block, vpdpbusd sums (w + 128) * q over
// 32 columns exactly in int32; subtracting 128 * sum(q) (the activation's
// block sums) leaves sum w*q; then acc += (d_a * d_w) * float(dot). Each
// output's float operations go block by block in order, whatever its
// neighbours, so any split of N or of rows gives the same bits. Against the
// definition (gemv_q8's float sum of decoded weights times q) it differs by
// the float rounding of the order only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "gemm/gemm_internal.h"
#include "gemv/gemv_plan.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemm::detail {
namespace {

constexpr int64_t kBlocks = 16;  // blocks of 32 columns per panel
constexpr int64_t kOut = 16;     // outputs per panel
constexpr int kRows = 8;         // rows per microkernel call

struct Q8Panel {
  alignas(64) uint8_t codes[kBlocks * 8 * kOut * 4];  // [block][k/4][output][4]
  alignas(64) float scales[kBlocks * kOut];           // [block][output]
};
static_assert(sizeof(Q8Panel) <= sizeof(Q8PanelStorage), "Q8PanelStorage too small");

// 32 codes of block b of `row` as w + 128 (unsigned), and its scale.
float block_codes(gemv::Shape shape, const codec::PackedWeights& w, int64_t row, int64_t b, uint8_t out[32]) {
  const uint8_t* base = w.data + static_cast<uint64_t>(row) * w.segment.row_bytes;
  switch (shape) {
    case gemv::Shape::kQ8_0: {
      const uint8_t* block = base + b * 34;
      uint16_t h;
      std::memcpy(&h, block, 2);
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_xor_si256(q, _mm256_set1_epi8(-128)));
      return _cvtsh_ss(h);  // F16C: exact, as codec::f16_to_f32
    }
    case gemv::Shape::kQ4_0: {
      const uint8_t* block = base + b * 18;
      uint16_t h;
      std::memcpy(&h, block, 2);
      // value q - 8 -> byte q - 8 + 128 = q + 120.
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
      const __m128i low = _mm_and_si128(q, _mm_set1_epi8(15));
      const __m128i high = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(15));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_add_epi8(low, _mm_set1_epi8(120)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_add_epi8(high, _mm_set1_epi8(120)));
      return _cvtsh_ss(h);  // F16C: exact, as codec::f16_to_f32
    }
    default: {  // kInt8: the stored code is value + 128 already
      const int64_t c0 = b * 32;
      const int64_t n = w.layout.cols - c0 < 32 ? w.layout.cols - c0 : 32;
      const __mmask32 mask = n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_maskz_loadu_epi8(mask, base + c0));
      return gemv::row_scale(w, row);
    }
  }
}

void pack(gemv::Shape shape, const codec::PackedWeights& w, int64_t n0, int64_t nb, int64_t b0, int64_t blocks,
          Q8Panel* p) {
  alignas(32) uint8_t codes[32];
  for (int64_t j = 0; j < kOut; ++j) {
    for (int64_t b = 0; b < blocks; ++b) {
      float d = 0.0f;
      if (j < nb) {
        d = block_codes(shape, w, n0 + j, b0 + b, codes);
      } else {
        std::memset(codes, 128, 32);
      }
      p->scales[b * kOut + j] = d;
      uint32_t quads[8];
      std::memcpy(quads, codes, 32);
      uint32_t* dst = reinterpret_cast<uint32_t*>(p->codes) + b * 8 * kOut + j;
      for (int q = 0; q < 8; ++q) dst[q * kOut] = quads[q];
    }
  }
}

template <int MR>
void tile(const Q8Panel& p, int64_t blocks, int64_t b0, const gemv::Q8Activations* x, float* c, int64_t ldc,
          bool first, bool last, const float* bias, int64_t nb, float lo, float hi) {
  const __mmask16 mask = static_cast<__mmask16>(nb >= 16 ? 0xFFFF : (1u << nb) - 1);
  __m512 acc[MR];
  for (int r = 0; r < MR; ++r) {
    acc[r] = first ? (bias != nullptr ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps())
                   : _mm512_maskz_loadu_ps(mask, c + r * ldc);
  }
  for (int64_t b = 0; b < blocks; ++b) {
    __m512i dot[MR];
    for (int r = 0; r < MR; ++r) dot[r] = _mm512_setzero_si512();
    const uint8_t* wb = p.codes + b * 8 * kOut * 4;
    for (int q = 0; q < 8; ++q) {
      const __m512i wv = _mm512_load_si512(wb + q * kOut * 4);
      for (int r = 0; r < MR; ++r) {
        int32_t a4;
        std::memcpy(&a4, x[r].q + (b0 + b) * 32 + q * 4, 4);
        dot[r] = _mm512_dpbusd_epi32(dot[r], wv, _mm512_set1_epi32(a4));
      }
    }
    const __m512 dw = _mm512_load_ps(p.scales + b * kOut);
    for (int r = 0; r < MR; ++r) {
      const __m512i exact = _mm512_sub_epi32(dot[r], _mm512_set1_epi32(128 * x[r].sums[b0 + b]));
      const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(x[r].d[b0 + b]), dw);
      acc[r] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(exact), acc[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    __m512 v = acc[r];
    if (last) v = _mm512_min_ps(_mm512_set1_ps(hi), _mm512_max_ps(_mm512_set1_ps(lo), v));
    _mm512_mask_storeu_ps(c + r * ldc, mask, v);
  }
}

// The Conv2d's multi-tap variant: `taps` taps whose rows differ
// (x[tap * kRows + r]), the accumulators kept across them; a tap is `bpt`
// whole weight blocks (panel blocks tap * bpt + jb). Per tap and block the
// same terms as tile().
template <int MR>
void tile_taps(const Q8Panel& p, int64_t taps, int64_t bpt, const gemv::Q8Activations* x, float* c, int64_t ldc,
               bool first, bool last, const float* bias, int64_t nb, float lo, float hi) {
  const __mmask16 mask = static_cast<__mmask16>(nb >= 16 ? 0xFFFF : (1u << nb) - 1);
  __m512 acc[MR];
  for (int r = 0; r < MR; ++r) {
    acc[r] = first ? (bias != nullptr ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps())
                   : _mm512_maskz_loadu_ps(mask, c + r * ldc);
  }
  for (int64_t t = 0; t < taps; ++t, x += kRows) {
    for (int64_t jb = 0; jb < bpt; ++jb) {
      const int64_t pb = t * bpt + jb;
      __m512i dot[MR];
      for (int r = 0; r < MR; ++r) dot[r] = _mm512_setzero_si512();
      const uint8_t* wb = p.codes + pb * 8 * kOut * 4;
      for (int q = 0; q < 8; ++q) {
        const __m512i wv = _mm512_load_si512(wb + q * kOut * 4);
        for (int r = 0; r < MR; ++r) {
          int32_t a4;
          std::memcpy(&a4, x[r].q + jb * 32 + q * 4, 4);
          dot[r] = _mm512_dpbusd_epi32(dot[r], wv, _mm512_set1_epi32(a4));
        }
      }
      const __m512 dw = _mm512_load_ps(p.scales + pb * kOut);
      for (int r = 0; r < MR; ++r) {
        const __m512i exact = _mm512_sub_epi32(dot[r], _mm512_set1_epi32(128 * x[r].sums[jb]));
        const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(x[r].d[jb]), dw);
        acc[r] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(exact), acc[r]);
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    __m512 v = acc[r];
    if (last) v = _mm512_min_ps(_mm512_set1_ps(hi), _mm512_max_ps(_mm512_set1_ps(lo), v));
    _mm512_mask_storeu_ps(c + r * ldc, mask, v);
  }
}

using TapsFn = void (*)(const Q8Panel&, int64_t, int64_t, const gemv::Q8Activations*, float*, int64_t, bool, bool,
                        const float*, int64_t, float, float);
constexpr TapsFn kTaps[kRows + 1] = {nullptr,       tile_taps<1>, tile_taps<2>, tile_taps<3>, tile_taps<4>,
                                     tile_taps<5>, tile_taps<6>, tile_taps<7>, tile_taps<8>};

using TileFn = void (*)(const Q8Panel&, int64_t, int64_t, const gemv::Q8Activations*, float*, int64_t, bool, bool,
                        const float*, int64_t, float, float);
constexpr TileFn kTiles[kRows + 1] = {nullptr, tile<1>, tile<2>, tile<3>, tile<4>, tile<5>, tile<6>, tile<7>, tile<8>};

}  // namespace

void vnni_q8_pack(const codec::PackedWeights& w, int64_t n0, int64_t nb, int64_t block0, int64_t blocks,
                  Q8PanelStorage* panel) {
  pack(gemv::make_plan(w).shape, w, n0, nb, block0, blocks, reinterpret_cast<Q8Panel*>(panel->bytes));
}

void vnni_q8_tile(int mr, const Q8PanelStorage& panel, int64_t blocks, const gemv::Q8Activations* rows, float* c,
                  int64_t ldc, bool first, bool last, const float* bias, int64_t nb, float lo, float hi) {
  kTiles[mr](*reinterpret_cast<const Q8Panel*>(panel.bytes), blocks, 0, rows, c, ldc, first, last, bias, nb, lo, hi);
}

void vnni_q8_tile_taps(int mr, const Q8PanelStorage& panel, int64_t taps, int64_t blocks_per_tap,
                       const gemv::Q8Activations* rows, float* c, int64_t ldc, bool first, bool last,
                       const float* bias, int64_t nb, float lo, float hi) {
  kTaps[mr](*reinterpret_cast<const Q8Panel*>(panel.bytes), taps, blocks_per_tap, rows, c, ldc, first, last, bias,
            nb, lo, hi);
}

bool vnni_q8_supported(const codec::PackedWeights& w) {
  const gemv::Shape s = gemv::make_plan(w).shape;
  return s == gemv::Shape::kQ8_0 || s == gemv::Shape::kQ4_0 || s == gemv::Shape::kInt8;
}

void vnni_gemm_q8(const codec::PackedWeights& w, const gemv::Q8Activations* rows, int64_t m, const Epilogue& e,
                  float* c, int64_t ldc, int64_t n_begin, int64_t n_end) {
  const gemv::Shape shape = gemv::make_plan(w).shape;
  const int64_t blocks_total = (w.layout.cols + 31) / 32;
  Q8Panel panel;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += kOut) {
    const int64_t nb = n_end - n0 < kOut ? n_end - n0 : kOut;
    for (int64_t b0 = 0; b0 < blocks_total; b0 += kBlocks) {
      const int64_t blocks = blocks_total - b0 < kBlocks ? blocks_total - b0 : kBlocks;
      pack(shape, w, n0, nb, b0, blocks, &panel);
      for (int64_t i0 = 0; i0 < m; i0 += kRows) {
        const int mr = m - i0 < kRows ? static_cast<int>(m - i0) : kRows;
        kTiles[mr](panel, blocks, b0, rows + i0, c + i0 * ldc + n0, ldc, b0 == 0, b0 + blocks == blocks_total,
                   e.bias != nullptr ? e.bias + n0 : nullptr, nb, e.min, e.max);
      }
    }
  }
}

}  // namespace nibble::gemm::detail
