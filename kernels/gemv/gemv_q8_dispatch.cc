// Which int8-activation kernel runs: none on any level yet, so every level
// runs the reference. SIMD levels register here (gemv_q8.h).
#include "gemv/gemv_q8.h"

// ---- Neon (AArch64) levels: kept to these guarded lines (gemv_q8_neon.h).
#if NIBBLE_GEMV_NEON_KERNELS
#include "gemv/gemv_q8_neon.h"
#endif
// ----

namespace nibble::gemv {

bool has_q8_kernel(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMV_NEON_KERNELS
  if (has_q8_neon_kernel(isa, w)) return true;
#endif
  (void)isa;
  (void)w;
  return false;
}

bool gemv_q8_on(Isa isa, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                int64_t row_begin, int64_t row_end) {
  if (!isa_available(isa)) return false;
#if NIBBLE_GEMV_NEON_KERNELS
  if (gemv_q8_neon(isa, w, x, bias, y, row_begin, row_end)) return true;
#endif
  if (row_begin < row_end) gemv_q8_reference(w, x, bias, y, row_begin, row_end);
  return true;
}

}  // namespace nibble::gemv
