// AVX-512 Conv2d for groups with few input channels (<= 64, ResNet-20's
// 16/32/64-channel 3x3 layers): the reduction is walked over several whole
// taps at once (up to kCols columns: all 9 taps at 16 or 32 channels), so
// the accumulators stay in registers across taps instead of being stored
// and reloaded at every tap (a 16-channel tap is only 16 k). The panel of
// those taps is decoded once per pass; pixels are read in place through an
// indirection table [tap][pixel] of row pointers built per block of 8
// pixels (as XNNPACK's igemm: no im2col copy, whose stores cost as much as
// the FMAs at 16 channels). 8 rows x 16 or 32 outputs: the row pointers
// stay in registers, and 8 or 16 independent FMA chains hide the latency.
//
// Arithmetic: each output is bias, then one FMA chain in (ky, kx, ic) order,
// padded taps adding 0 * w, clamped at the end: the same chain as the
// implicit GEMM (conv2d_avx512.cc), whatever the task split.
// GCC 12 reports the intrinsics' internal undefined placeholders (__Y) as
// uninitialized (a false positive); nothing here reads uninitialized data.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

#include "conv/conv2d_x86.h"
#include "gemm/gemm_internal.h"

namespace nibble::conv::detail {

using gemm::detail::kKc;
using gemm::detail::kNr;
using gemm::detail::PanelDecoder;
using gemm::detail::avx512_panel_decoder;

namespace {

// Reduction columns per pass (whole taps): a 40 KiB panel at 32 outputs.
constexpr int64_t kCols = 320;
constexpr int kRows = 8;
constexpr int64_t kMaxChannels = 64;
alignas(64) const float kZeroRow[kMaxChannels] = {};

// MR pixels x (16 * NV) outputs over `taps` taps of cg channels: ind[tap *
// MR + r] is pixel r's input at that tap (or a zero row); rows >= mr read
// the zero row and are not stored. Eight rows keep the row pointers in
// registers and give enough independent FMA chains.
template <int MR, int NV>
void block(int mr, const float* const* ind, int64_t taps, int64_t cg, const float* panel, float* c, int64_t ldc,
           bool first, bool last, const float* bias, int64_t nb, float lo, float hi) {
  const __mmask16 m0 = static_cast<__mmask16>(nb >= 16 ? 0xFFFF : (1u << nb) - 1);
  const __mmask16 m1 = static_cast<__mmask16>(nb >= 32 ? 0xFFFF : nb <= 16 ? 0 : (1u << (nb - 16)) - 1);
  __m512 acc0[MR], acc1[MR];
  if (first) {
    const __m512 b0 = bias != nullptr ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 b1 = bias != nullptr && NV == 2 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < MR; ++r) {
      acc0[r] = b0;
      if (NV == 2) acc1[r] = b1;
    }
  } else {
    for (int r = 0; r < MR; ++r) {
      const int rr = r < mr ? r : 0;  // rows past mr: any value, not stored
      acc0[r] = _mm512_maskz_loadu_ps(m0, c + rr * ldc);
      if (NV == 2) acc1[r] = _mm512_maskz_loadu_ps(m1, c + rr * ldc + 16);
    }
  }
  for (int64_t tap = 0; tap < taps; ++tap, ind += MR) {
    const float* a[MR];
    for (int r = 0; r < MR; ++r) a[r] = ind[r];
    for (int64_t k = 0; k < cg; ++k, panel += kNr) {
      const __m512 w0 = _mm512_load_ps(panel);
      const __m512 w1 = NV == 2 ? _mm512_load_ps(panel + 16) : w0;
      for (int r = 0; r < MR; ++r) {
        const __m512 x = _mm512_set1_ps(a[r][k]);
        acc0[r] = _mm512_fmadd_ps(x, w0, acc0[r]);
        if (NV == 2) acc1[r] = _mm512_fmadd_ps(x, w1, acc1[r]);
      }
    }
  }
  if (last) {
    // max(lo, v) then min(hi, v): a NaN v passes through (the reference's
    // comparisons).
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int r = 0; r < MR; ++r) {
      acc0[r] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc0[r]));
      if (NV == 2) acc1[r] = _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc1[r]));
    }
  }
  for (int r = 0; r < MR; ++r) {
    if (r >= mr) break;
    _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
    if (NV == 2) _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
  }
}

}  // namespace

bool taps_kernel_fits(const Geometry& g) {
  const int64_t cg = g.in_c / g.groups;
  return cg <= kMaxChannels && g.kernel_h * g.kernel_w > 1;
}

void avx512_taps(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                 float* y, const TaskRange& t, const int64_t* image, const int64_t* oy0, const int64_t* ox0) {
  const int64_t cg = g.in_c / g.groups;
  const int64_t taps = g.kernel_h * g.kernel_w;
  const int64_t cols = w.layout.cols;
  const int64_t taps_per_pass = kCols / cg;
  alignas(64) float panel[kCols * kNr];
  const float* ind[kCols * kRows];  // [tap of the pass][row]
  PanelDecoder decoder;
  avx512_panel_decoder(w, &decoder);
  for (int64_t n0 = t.oc0; n0 < t.oc1; n0 += kNr) {
    const int64_t nb = t.oc1 - n0 < kNr ? t.oc1 - n0 : kNr;
    const float* bias = e.bias != nullptr ? e.bias + n0 : nullptr;
    for (int64_t tap0 = 0; tap0 < taps; tap0 += taps_per_pass) {
      const int64_t tap1 = tap0 + taps_per_pass < taps ? tap0 + taps_per_pass : taps;
      const int64_t k0 = tap0 * cg, kc = (tap1 - tap0) * cg;
      for (int64_t kk = 0; kk < kc; kk += kKc) {
        const int64_t len = kc - kk < kKc ? kc - kk : kKc;
        gemm::detail::avx512_pack_panel(decoder, w, n0, nb, k0 + kk, len, panel + kk * kNr);
      }
      const bool first = tap0 == 0, last = k0 + kc == cols;
      // Tap offsets once per pass: no division per (pixel, tap).
      int64_t tap_dy[kCols], tap_dx[kCols], tap_off[kCols];
      for (int64_t tap = tap0; tap < tap1; ++tap) {
        tap_dy[tap - tap0] = tap / g.kernel_w * g.dilation_h - g.pad_top;
        tap_dx[tap - tap0] = tap % g.kernel_w * g.dilation_w - g.pad_left;
        tap_off[tap - tap0] = (tap_dy[tap - tap0] * g.in_w + tap_dx[tap - tap0]) * g.in_c;
      }
      // The window's extent (all taps, not only this pass's): a pixel whose
      // whole window is inside the image (most of them) needs no check per
      // tap, one add each.
      const int64_t y_lo = -g.pad_top, y_hi = (g.kernel_h - 1) * g.dilation_h - g.pad_top;
      const int64_t x_lo = -g.pad_left, x_hi = (g.kernel_w - 1) * g.dilation_w - g.pad_left;
      const int64_t n_taps = tap1 - tap0;
      for (int64_t p0 = t.p0; p0 < t.p1; p0 += kRows) {
        const int mr = t.p1 - p0 < kRows ? static_cast<int>(t.p1 - p0) : kRows;
        for (int r = 0; r < kRows; ++r) {
          if (r >= mr) {
            for (int64_t u = 0; u < n_taps; ++u) ind[u * kRows + r] = kZeroRow;
            continue;
          }
          const int64_t i = p0 - t.p0 + r;
          const int64_t oy = oy0[i], ox = ox0[i];
          const float* origin = x + image[i] + (oy * g.in_w + ox) * g.in_c;  // the window's (0, 0) offset
          if (oy + y_lo >= 0 && oy + y_hi < g.in_h && ox + x_lo >= 0 && ox + x_hi < g.in_w) {
            for (int64_t u = 0; u < n_taps; ++u) ind[u * kRows + r] = origin + tap_off[u];
            continue;
          }
          for (int64_t u = 0; u < n_taps; ++u) {
            const int64_t iy = oy + tap_dy[u], ix = ox + tap_dx[u];
            const bool inside = static_cast<uint64_t>(iy) < static_cast<uint64_t>(g.in_h) &&
                                static_cast<uint64_t>(ix) < static_cast<uint64_t>(g.in_w);
            ind[u * kRows + r] = inside ? origin + tap_off[u] : kZeroRow;
          }
        }
        float* c = y + p0 * g.out_c + n0;
        if (nb > 16) {
          block<kRows, 2>(mr, ind, tap1 - tap0, cg, panel, c, g.out_c, first, last, bias, nb, e.min, e.max);
        } else {
          block<kRows, 1>(mr, ind, tap1 - tap0, cg, panel, c, g.out_c, first, last, bias, nb, e.min, e.max);
        }
      }
    }
  }
}

}  // namespace nibble::conv::detail
