// AVX-512 VNNI Conv2d with int8 activations: the implicit GEMM of
// conv2d_avx512.cc on the int8 GEMM's panel and microkernel
// (gemm_q8_vnni.cc). Cg % 32 == 0: the weight blocks of an OHWI row align
// with the taps. A chunk =
// as many whole taps as 16 blocks hold (one multi-tap microkernel call per
// 8 pixels), or for very wide groups one tap x up to 16 blocks; each
// pixel's row is its quantized record at that tap, or the
// all-zero record in the padding (adds 0: the same value as skipping,
// except for a -0 sum).
#include <cstring>

#include "conv/conv2d_x86.h"
#include "gemm/gemm_internal.h"

namespace nibble::conv::detail {

using gemm::detail::kQ8PanelBlocks;
using gemm::detail::kQ8PanelOutputs;
using gemm::detail::kQ8Rows;

void vnni_conv_q8(const Geometry& g, const codec::PackedWeights& w, const void* workspace, const gemm::Epilogue& e,
                  float* y, const TaskRange& t) {
  constexpr int64_t kMaxPixels = 256;
  if (t.p1 - t.p0 > kMaxPixels) return;  // conv2d_plan.cc: tiles <= 256 pixels
  gemm::detail::Q8PanelStorage panel;
  const Q8Records rec = q8_records(g);
  const uint8_t* base = static_cast<const uint8_t*>(workspace);
  const uint8_t* zero = base + g.batch * g.in_h * g.in_w * g.groups * rec.bytes;
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t grp = t.oc0 / og;
  const int64_t taps = g.kernel_h * g.kernel_w;
  int64_t image[kMaxPixels], oy0[kMaxPixels], ox0[kMaxPixels];
  {
    int64_t ox = t.p0 % g.out_w, oy = t.p0 / g.out_w % g.out_h, b = t.p0 / (g.out_w * g.out_h);
    for (int64_t i = 0; i < t.p1 - t.p0; ++i) {
      image[i] = b * g.in_h * g.in_w;
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
  // Whole taps per panel (up to 16 blocks: all 9 taps at 32 channels), the
  // accumulators kept across them.
  const int64_t bpt = cg / 32;
  const int64_t taps_per_pass = kQ8PanelBlocks / bpt;
  if (taps > 1 && taps_per_pass > 0) {
    gemv::Q8Activations rows[kQ8PanelBlocks * kQ8Rows];  // [tap of the pass][row]
    for (int64_t n0 = t.oc0; n0 < t.oc1; n0 += kQ8PanelOutputs) {
      const int64_t nb = t.oc1 - n0 < kQ8PanelOutputs ? t.oc1 - n0 : kQ8PanelOutputs;
      const float* bias = e.bias != nullptr ? e.bias + n0 : nullptr;
      for (int64_t tap0 = 0; tap0 < taps; tap0 += taps_per_pass) {
        const int64_t tap1 = tap0 + taps_per_pass < taps ? tap0 + taps_per_pass : taps;
        const int64_t n_taps = tap1 - tap0;
        gemm::detail::vnni_q8_pack(w, n0, nb, tap0 * bpt, n_taps * bpt, &panel);
        int64_t tap_dy[kQ8PanelBlocks], tap_dx[kQ8PanelBlocks];
        for (int64_t u = 0; u < n_taps; ++u) {
          tap_dy[u] = (tap0 + u) / g.kernel_w * g.dilation_h - g.pad_top;
          tap_dx[u] = (tap0 + u) % g.kernel_w * g.dilation_w - g.pad_left;
        }
        for (int64_t p0 = t.p0; p0 < t.p1; p0 += kQ8Rows) {
          const int mr = t.p1 - p0 < kQ8Rows ? static_cast<int>(t.p1 - p0) : kQ8Rows;
          for (int r = 0; r < mr; ++r) {
            const int64_t i = p0 - t.p0 + r;
            for (int64_t u = 0; u < n_taps; ++u) {
              const int64_t iy = oy0[i] + tap_dy[u], ix = ox0[i] + tap_dx[u];
              const uint8_t* rp = iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w
                                      ? zero
                                      : base + ((image[i] + iy * g.in_w + ix) * g.groups + grp) * rec.bytes;
              gemv::Q8Activations& v = rows[u * kQ8Rows + r];
              v.q = reinterpret_cast<const int8_t*>(rp);
              v.d = reinterpret_cast<const float*>(rp + rec.cp);
              v.sums = reinterpret_cast<const int32_t*>(rp + rec.cp + rec.blocks * 4);
            }
          }
          gemm::detail::vnni_q8_tile_taps(mr, panel, n_taps, bpt, rows, y + p0 * g.out_c + n0, g.out_c,
                                          tap0 == 0, tap1 == taps, bias, nb, e.min, e.max);
        }
      }
    }
    return;
  }
  for (int64_t n0 = t.oc0; n0 < t.oc1; n0 += kQ8PanelOutputs) {
    const int64_t nb = t.oc1 - n0 < kQ8PanelOutputs ? t.oc1 - n0 : kQ8PanelOutputs;
    const float* bias = e.bias != nullptr ? e.bias + n0 : nullptr;
    for (int64_t tap = 0; tap < taps; ++tap) {
      const int64_t dy = tap / g.kernel_w * g.dilation_h - g.pad_top;
      const int64_t dx = tap % g.kernel_w * g.dilation_w - g.pad_left;
      for (int64_t j0 = 0; j0 < rec.blocks; j0 += kQ8PanelBlocks) {
        const int64_t blocks = rec.blocks - j0 < kQ8PanelBlocks ? rec.blocks - j0 : kQ8PanelBlocks;
        gemm::detail::vnni_q8_pack(w, n0, nb, tap * cg / 32 + j0, blocks, &panel);
        const bool first = tap == 0 && j0 == 0;
        const bool last = tap == taps - 1 && j0 + blocks == rec.blocks;
        for (int64_t p0 = t.p0; p0 < t.p1; p0 += kQ8Rows) {
          const int mr = t.p1 - p0 < kQ8Rows ? static_cast<int>(t.p1 - p0) : kQ8Rows;
          gemv::Q8Activations rows[kQ8Rows];
          for (int r = 0; r < mr; ++r) {
            const int64_t i = p0 - t.p0 + r;
            const int64_t iy = oy0[i] + dy, ix = ox0[i] + dx;
            const uint8_t* rp = iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w
                                    ? zero
                                    : base + ((image[i] + iy * g.in_w + ix) * g.groups + grp) * rec.bytes;
            rows[r].q = reinterpret_cast<const int8_t*>(rp) + j0 * 32;
            rows[r].d = reinterpret_cast<const float*>(rp + rec.cp) + j0;
            rows[r].sums = reinterpret_cast<const int32_t*>(rp + rec.cp + rec.blocks * 4) + j0;
          }
          gemm::detail::vnni_q8_tile(mr, panel, blocks, rows, y + p0 * g.out_c + n0, g.out_c, first, last, bias,
                                     nb, e.min, e.max);
        }
      }
    }
  }
}

}  // namespace nibble::conv::detail
