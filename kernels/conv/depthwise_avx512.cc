// AVX-512 depthwise Conv2d (groups == in_c == out_c): 16 neighbouring
// channels per vector (contiguous in NHWC). Each channel's kh*kw weights
// are decoded once per task into [tap][channel] order (interior 3x3
// pixels four at a time along a row); every output is
// bias, then one FMA per tap inside the image in (ky, kx) order (padded
// taps skipped, as in the reference), then the clamp.
// GCC 12 reports the intrinsics' internal undefined placeholders (__Y) as
// uninitialized (a false positive); nothing here reads uninitialized data.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "codec/decode_range.h"
#include "conv/conv2d_x86.h"

namespace nibble::conv::detail {

bool avx512_depthwise(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                      float* y, const TaskRange& t) {
  constexpr int64_t kMaxTaps = 64;  // 8x8 kernels; larger ones take the igemm
  constexpr int64_t kBlock = 64;    // channels per task at most (conv2d_plan.cc)
  const int64_t taps = g.kernel_h * g.kernel_w;
  if (taps > kMaxTaps || t.oc1 - t.oc0 > kBlock) return false;
  alignas(64) float weights[kMaxTaps * kBlock];
  float row[kMaxTaps];
  const int64_t nc = t.oc1 - t.oc0;
  const int64_t padded = (nc + 15) / 16 * 16;
  for (int64_t j = 0; j < padded; ++j) {
    if (j < nc) codec::decode_range(w, t.oc0 + j, 0, taps, row);
    for (int64_t k = 0; k < taps; ++k) weights[k * kBlock + j] = j < nc ? row[k] : 0.0f;
  }
  const __m512 lo = _mm512_set1_ps(e.min), hi = _mm512_set1_ps(e.max);
  const int64_t span_h = (g.kernel_h - 1) * g.dilation_h, span_w = (g.kernel_w - 1) * g.dilation_w;
  const bool k3x3 = g.kernel_h == 3 && g.kernel_w == 3;
  // Channel vectors outer, pixels inner: a 3x3 kernel's 9 weight vectors
  // stay in registers for the whole tile.
  for (int64_t c = 0; c < nc; c += 16) {
    const __mmask16 mask = static_cast<__mmask16>(nc - c >= 16 ? 0xFFFF : (1u << (nc - c)) - 1);
    const __m512 bias = e.bias != nullptr ? _mm512_maskz_loadu_ps(mask, e.bias + t.oc0 + c) : _mm512_setzero_ps();
    const float* wc = weights + c;
    __m512 w9[9];
    for (int k = 0; k < 9; ++k) w9[k] = k < taps ? _mm512_load_ps(wc + k * kBlock) : _mm512_setzero_ps();
    int64_t ox = t.p0 % g.out_w, oy = t.p0 / g.out_w % g.out_h, b = t.p0 / (g.out_w * g.out_h);
    for (int64_t p = t.p0; p < t.p1; ++p) {
      const int64_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
      // Inside the image no tap is skipped, so the unchecked loops perform
      // the same operations as the checked one.
      const bool interior = iy0 >= 0 && iy0 + span_h < g.in_h && ix0 >= 0 && ix0 + span_w < g.in_w;
      const float* image = x + b * g.in_h * g.in_w * g.in_c + t.oc0 + c;
      // Four interior 3x3 pixels of one output row at once: four
      // independent FMA chains (one pixel's 9 dependent FMAs would wait on
      // the FMA latency); each output's chain is unchanged.
      if (k3x3 && interior && p + 4 <= t.p1 && ox + 3 < g.out_w && ix0 + 3 * g.stride_w + span_w < g.in_w) {
        const int64_t row = g.dilation_h * g.in_w * g.in_c, col = g.dilation_w * g.in_c;
        const int64_t step = g.stride_w * g.in_c;
        const float* x0 = image + (iy0 * g.in_w + ix0) * g.in_c;
        __m512 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const float* xt = x0 + ky * row + kx * col;
            const __m512 wt = w9[ky * 3 + kx];
            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, xt), wt, a0);
            a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, xt + step), wt, a1);
            a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, xt + 2 * step), wt, a2);
            a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, xt + 3 * step), wt, a3);
          }
        }
        float* yp = y + p * g.out_c + t.oc0 + c;
        _mm512_mask_storeu_ps(yp, mask, _mm512_min_ps(hi, _mm512_max_ps(lo, a0)));
        _mm512_mask_storeu_ps(yp + g.out_c, mask, _mm512_min_ps(hi, _mm512_max_ps(lo, a1)));
        _mm512_mask_storeu_ps(yp + 2 * g.out_c, mask, _mm512_min_ps(hi, _mm512_max_ps(lo, a2)));
        _mm512_mask_storeu_ps(yp + 3 * g.out_c, mask, _mm512_min_ps(hi, _mm512_max_ps(lo, a3)));
        p += 3;
        ox += 3;  // < out_w - 1: the advance below handles the row end
        if (++ox == g.out_w) {
          ox = 0;
          if (++oy == g.out_h) {
            oy = 0;
            ++b;
          }
        }
        continue;
      }
      __m512 acc = bias;
      if (interior && k3x3) {
        const int64_t row = g.dilation_h * g.in_w * g.in_c, col = g.dilation_w * g.in_c;
        const float* x0 = image + (iy0 * g.in_w + ix0) * g.in_c;
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, x0 + ky * row + kx * col), w9[ky * 3 + kx], acc);
          }
        }
      } else if (interior) {
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const float* xr = image + ((iy0 + ky * g.dilation_h) * g.in_w + ix0) * g.in_c;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, xr + kx * g.dilation_w * g.in_c),
                                  _mm512_load_ps(wc + (ky * g.kernel_w + kx) * kBlock), acc);
          }
        }
      } else {
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const int64_t iy = iy0 + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            const int64_t ix = ix0 + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, image + (iy * g.in_w + ix) * g.in_c),
                                  _mm512_load_ps(wc + (ky * g.kernel_w + kx) * kBlock), acc);
          }
        }
      }
      _mm512_mask_storeu_ps(y + p * g.out_c + t.oc0 + c, mask, _mm512_min_ps(hi, _mm512_max_ps(lo, acc)));
      if (++ox == g.out_w) {
        ox = 0;
        if (++oy == g.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
  }
  return true;
}

}  // namespace nibble::conv::detail
