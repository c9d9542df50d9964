// AVX2 int8-activation kernels: none yet (every format runs the AVX2
// level's fallback, the scalar reference).
#include "gemv/gemv_q8_kernels.h"

namespace nibble::gemv {

Q8Kernel avx2_q8_kernel(const Q8Plan& plan) {
  (void)plan;
  return nullptr;
}

}  // namespace nibble::gemv
