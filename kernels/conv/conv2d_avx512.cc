// AVX-512 Conv2d as an implicit GEMM: the reduction (ky, kx, ic) is walked
// in chunks of one tap x <= 256 input channels, whose weights are
// contiguous in an OHWI row (one panel decode), and whose inputs are
// contiguous in NHWC for each pixel (one row pointer: no im2col copy).
// Pixels whose tap falls into the padding read a zero row. Groups with
// <= 64 input channels and several taps take conv2d_taps_avx512.cc
// instead (a tap is too short a chunk: accumulators reloaded every Cg k).
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
using gemm::detail::kMr;
using gemm::detail::kNr;
using gemm::detail::PanelDecoder;
using gemm::detail::avx512_panel_decoder;

namespace {

constexpr int64_t kMaxPixels = 256;
alignas(64) const float kZeroRow[kKc] = {};

}  // namespace

void avx512_igemm(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                  float* y, const TaskRange& t) {
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t ic_base = t.oc0 / og * cg;
  const int64_t taps = g.kernel_h * g.kernel_w;
  // Each pixel's image and window origin, once per task (divisions are
  // too slow to redo per tap).
  int64_t image[kMaxPixels], oy0[kMaxPixels], ox0[kMaxPixels];
  if (t.p1 - t.p0 > kMaxPixels) return;  // conv2d_plan.cc: tiles <= 256 pixels
  {
    int64_t ox = t.p0 % g.out_w, oy = t.p0 / g.out_w % g.out_h, b = t.p0 / (g.out_w * g.out_h);
    for (int64_t i = 0; i < t.p1 - t.p0; ++i) {
      image[i] = b * g.in_h * g.in_w * g.in_c + ic_base;
      oy0[i] = oy * g.stride_h;
      ox0[i] = ox * g.stride_w;
      if (++ox == g.out_w) {
        ox = 0;
        if (++oy == g.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
  }
  if (taps_kernel_fits(g)) {
    avx512_taps(g, w, x, e, y, t, image, oy0, ox0);
    return;
  }
  alignas(64) float panel[kKc * kNr];
  PanelDecoder decoder;
  avx512_panel_decoder(w, &decoder);
  for (int64_t n0 = t.oc0; n0 < t.oc1; n0 += kNr) {
    const int64_t nb = t.oc1 - n0 < kNr ? t.oc1 - n0 : kNr;
    const float* bias = e.bias != nullptr ? e.bias + n0 : nullptr;
    for (int64_t tap = 0; tap < taps; ++tap) {
      const int64_t dy = tap / g.kernel_w * g.dilation_h - g.pad_top;
      const int64_t dx = tap % g.kernel_w * g.dilation_w - g.pad_left;
      for (int64_t ic0 = 0; ic0 < cg; ic0 += kKc) {
        const int64_t kc = cg - ic0 < kKc ? cg - ic0 : kKc;
        gemm::detail::avx512_pack_panel(decoder, w, n0, nb, tap * cg + ic0, kc, panel);
        const bool first = tap == 0 && ic0 == 0;
        const bool last = tap == taps - 1 && ic0 + kc == cg;
        for (int64_t p0 = t.p0; p0 < t.p1; p0 += kMr) {
          const int mr = t.p1 - p0 < kMr ? static_cast<int>(t.p1 - p0) : kMr;
          const float* rows[kMr];
          for (int r = 0; r < mr; ++r) {
            const int64_t i = p0 - t.p0 + r;
            const int64_t iy = oy0[i] + dy, ix = ox0[i] + dx;
            rows[r] = iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w
                          ? kZeroRow
                          : x + image[i] + (iy * g.in_w + ix) * g.in_c + ic0;
          }
          gemm::detail::avx512_tile(mr, rows, kc, panel, y + p0 * g.out_c + n0, g.out_c, first, last, bias, nb,
                                    e.min, e.max);
        }
      }
    }
  }
}

}  // namespace nibble::conv::detail
