// Conv2d with int8 activations (conv2d.h): the input's quantization, the
// definition, and which kernel runs. Built with -ffp-contract=off.
#include <cstring>

#include "codec/decode_range.h"
#include "conv/conv2d.h"
#include "conv/conv2d_x86.h"
#include "gemm/gemm_internal.h"
#include "gemm/q8_quantize.h"
#include "gemv/gemv_q8.h"

namespace nibble::conv {

Q8Records q8_records(const Geometry& g) {
  Q8Records r;
  const int64_t cg = g.in_c / g.groups;
  r.cp = (cg + 31) / 32 * 32;
  r.blocks = r.cp / 32;
  r.bytes = r.cp + r.blocks * 8;  // q, then d (f32), then sums (i32): 4-byte aligned (cp % 32 == 0)
  return r;
}

size_t q8_workspace_bytes(const Geometry& g) {
  const Q8Records r = q8_records(g);
  return static_cast<size_t>((g.batch * g.in_h * g.in_w * g.groups + 1) * r.bytes);
}

int64_t q8_prepare_units(const Geometry& g) { return g.batch * g.in_h * g.in_w; }

void q8_prepare(Isa isa, const Geometry& g, const float* x, void* workspace) {
  q8_prepare_range(isa, g, x, workspace, 0, q8_prepare_units(g));
}

void q8_prepare_range(Isa isa, const Geometry& g, const float* x, void* workspace, int64_t unit_begin,
                      int64_t unit_end) {
  const Q8Records r = q8_records(g);
  const int64_t cg = g.in_c / g.groups;
  const int64_t records = g.batch * g.in_h * g.in_w * g.groups;
  uint8_t* base = static_cast<uint8_t*>(workspace);
  for (int64_t i = unit_begin * g.groups; i < unit_end * g.groups; ++i) {
    uint8_t* rec = base + i * r.bytes;
    gemm::quantize_q8_blocks(isa, x + (i / g.groups) * g.in_c + (i % g.groups) * cg, cg,
                             reinterpret_cast<int8_t*>(rec), reinterpret_cast<float*>(rec + r.cp),
                             reinterpret_cast<int32_t*>(rec + r.cp + r.blocks * 4));
  }
  // The zero record: written once, by the range that ends the input.
  if (unit_end == q8_prepare_units(g)) std::memset(base + records * r.bytes, 0, static_cast<size_t>(r.bytes));
}

void conv2d_q8_reference(const Geometry& g, const codec::PackedWeights& w, const void* workspace,
                         const gemm::Epilogue& e, float* y, const TaskRange& t) {
  constexpr int64_t kChunk = 256;  // a multiple of 32: blocks never straddle chunks
  float row[kChunk];
  const Q8Records rec = q8_records(g);
  const uint8_t* base = static_cast<const uint8_t*>(workspace);
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t taps = g.kernel_h * g.kernel_w;
  for (int64_t oc = t.oc0; oc < t.oc1; ++oc) {
    const int64_t grp = oc / og;
    for (int64_t tap = 0; tap < taps; ++tap) {
      for (int64_t c0 = 0; c0 < cg; c0 += kChunk) {
        const int64_t n = cg - c0 < kChunk ? cg - c0 : kChunk;
        codec::decode_range(w, oc, tap * cg + c0, n, row);
        const bool first = tap == 0 && c0 == 0, last = tap == taps - 1 && c0 + n == cg;
        for (int64_t p = t.p0; p < t.p1; ++p) {
          const int64_t ox = p % g.out_w, oy = p / g.out_w % g.out_h, b = p / (g.out_w * g.out_h);
          float* o = y + p * g.out_c + oc;
          float acc = first ? 0.0f : *o;
          const int64_t iy = oy * g.stride_h - g.pad_top + tap / g.kernel_w * g.dilation_h;
          const int64_t ix = ox * g.stride_w - g.pad_left + tap % g.kernel_w * g.dilation_w;
          if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) {
            const uint8_t* r = base + (((b * g.in_h + iy) * g.in_w + ix) * g.groups + grp) * rec.bytes;
            const auto* q = reinterpret_cast<const int8_t*>(r);
            for (int64_t j0 = c0; j0 < c0 + n; j0 += 32) {
              float d;
              std::memcpy(&d, r + rec.cp + j0 / 32 * 4, 4);
              float block = 0.0f;
              const int64_t end = j0 + 32 < c0 + n ? j0 + 32 : c0 + n;
              for (int64_t i = j0; i < end; ++i) block += row[i - c0] * static_cast<float>(q[i]);
              acc += d * block;
            }
          }
          *o = last ? gemm::detail::clamp((e.bias != nullptr ? e.bias[oc] : 0.0f) + acc, e) : acc;
        }
      }
    }
  }
}

bool has_q8_kernel(Isa isa, const Geometry& g, const codec::PackedWeights& w) {
#if NIBBLE_GEMM_VNNI_KERNELS
  return isa_available(isa) && isa_le(Isa::kAvx512Vnni, isa) && !is_depthwise(g) && (g.in_c / g.groups) % 32 == 0 &&
         gemm::detail::vnni_q8_supported(w);
#else
  (void)isa;
  (void)g;
  (void)w;
  return false;
#endif
}

bool conv2d_q8_on(Isa isa, const Geometry& g, const codec::PackedWeights& w, const void* workspace,
                  const gemm::Epilogue& e, float* y, int64_t task_begin, int64_t task_end) {
  if (!isa_available(isa)) return false;
  const bool simd = has_q8_kernel(isa, g, w);
  for (int64_t task = task_begin; task < task_end; ++task) {
    const TaskRange t = task_range(g, task);
#if NIBBLE_GEMM_VNNI_KERNELS
    if (simd) {
      detail::vnni_conv_q8(g, w, workspace, e, y, t);
      continue;
    }
#else
    (void)simd;
#endif
    conv2d_q8_reference(g, w, workspace, e, y, t);
  }
  return true;
}

}  // namespace nibble::conv
