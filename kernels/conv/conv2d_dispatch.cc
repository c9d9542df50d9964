// Which Conv2d kernel runs a task: on AVX-512 (and VNNI) the depthwise
// kernel or the implicit GEMM, for every format; elsewhere the reference.
#include "conv/conv2d.h"
#include "conv/conv2d_x86.h"

namespace nibble::conv {

bool has_conv2d_kernel(Isa isa, const Geometry& g, const codec::PackedWeights& w) {
  (void)g;
  (void)w;
#if NIBBLE_GEMM_X86_KERNELS
  return isa_available(isa) && isa_le(Isa::kAvx512, isa);
#else
  (void)isa;
  return false;
#endif
}

bool conv2d_on(Isa isa, const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
               float* y, void* workspace, int64_t task_begin, int64_t task_end) {
  (void)workspace;
  if (!isa_available(isa)) return false;
  for (int64_t task = task_begin; task < task_end; ++task) {
    const TaskRange t = task_range(g, task);
#if NIBBLE_GEMM_X86_KERNELS
    if (isa_le(Isa::kAvx512, isa)) {
      if (!is_depthwise(g) || !detail::avx512_depthwise(g, w, x, e, y, t)) detail::avx512_igemm(g, w, x, e, y, t);
      continue;
    }
#endif
    conv2d_reference(g, w, x, e, y, t);
  }
  return true;
}

}  // namespace nibble::conv
