// The Conv2d definition (conv2d.h), built with -ffp-contract=off: for each
// output channel, its weights are decoded kChunk columns at a time and the
// partial sums parked in y between chunks (floats: the same as one pass).
#include "codec/decode_range.h"
#include "conv/conv2d.h"
#include "gemm/gemm_internal.h"

namespace nibble::conv {

void conv2d_reference(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                      float* y, const TaskRange& t) {
  constexpr int64_t kChunk = 256;
  float row[kChunk];
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t cols = w.layout.cols;
  for (int64_t oc = t.oc0; oc < t.oc1; ++oc) {
    const int64_t ic_base = oc / og * cg;
    for (int64_t k0 = 0; k0 < cols; k0 += kChunk) {
      const int64_t kc = cols - k0 < kChunk ? cols - k0 : kChunk;
      codec::decode_range(w, oc, k0, kc, row);
      for (int64_t p = t.p0; p < t.p1; ++p) {
        const int64_t ox = p % g.out_w, oy = p / g.out_w % g.out_h, b = p / (g.out_w * g.out_h);
        float* o = y + p * g.out_c + oc;
        float acc = k0 == 0 ? (e.bias != nullptr ? e.bias[oc] : 0.0f) : *o;
        for (int64_t k = k0; k < k0 + kc; ++k) {
          const int64_t tap = k / cg, ic = k % cg;
          const int64_t iy = oy * g.stride_h - g.pad_top + tap / g.kernel_w * g.dilation_h;
          const int64_t ix = ox * g.stride_w - g.pad_left + tap % g.kernel_w * g.dilation_w;
          if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
          acc = acc + x[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic_base + ic] * row[k - k0];
        }
        *o = k0 + kc == cols ? gemm::detail::clamp(acc, e) : acc;
      }
    }
  }
}

}  // namespace nibble::conv
