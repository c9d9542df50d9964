// Which GEMM kernel runs: AVX-512 (and VNNI, which has nothing more for f32
// activations) has a kernel for every format; every other level runs the
// scalar reference.
#include "gemm/gemm.h"
#include "gemm/gemm_internal.h"

namespace nibble::gemm {

int64_t gemm_n_step() { return detail::kNr; }

bool has_gemm_kernel(Isa isa, const codec::PackedWeights& w) {
  (void)w;
#if NIBBLE_GEMM_X86_KERNELS
  return isa_available(isa) && isa_le(Isa::kAvx512, isa);
#else
  (void)isa;
  return false;
#endif
}

bool gemm_on(Isa isa, const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
             float* c, int64_t ldc, int64_t n_begin, int64_t n_end) {
  if (!isa_available(isa)) return false;
  if (n_begin >= n_end || m <= 0) return true;
#if NIBBLE_GEMM_X86_KERNELS
  if (isa_le(Isa::kAvx512, isa)) {
    detail::avx512_gemm(w, a, lda, m, e, c, ldc, n_begin, n_end);
    return true;
  }
#endif
  gemm_reference(w, a, lda, m, e, c, ldc, n_begin, n_end);
  return true;
}

}  // namespace nibble::gemm
