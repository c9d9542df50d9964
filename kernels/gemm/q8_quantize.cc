// quantize_q8_blocks (q8_quantize.h): the AVX-512 version, or
// gemv::quantize_activations (the rule's definition) slice by slice.
#include "gemm/q8_quantize.h"

#include <cstring>

#include "gemv/gemv_q8.h"

namespace nibble::gemm {

void quantize_q8_blocks(Isa isa, const float* x, int64_t cols, int8_t* q, float* d, int32_t* sums) {
#if NIBBLE_GEMM_X86_KERNELS
  if (isa_available(isa) && isa_le(Isa::kAvx512, isa)) {
    detail::avx512_quantize_q8_blocks(x, cols, q, d, sums);
    return;
  }
#endif
  // Blocks of 32 are independent: slices of kSlice columns give the same
  // bits as one call.
  constexpr int64_t kSlice = 1024;
  alignas(64) uint8_t buffer[kSlice + kSlice / 8 + kSlice / 8 + 3 * 64];
  for (int64_t c0 = 0; c0 < cols; c0 += kSlice) {
    const int64_t n = cols - c0 < kSlice ? cols - c0 : kSlice;
    const gemv::Q8Activations v = gemv::quantize_activations(isa, x + c0, n, buffer);
    const int64_t nq = (n + 31) / 32 * 32;
    std::memcpy(q + c0, v.q, static_cast<size_t>(nq));
    std::memcpy(d + c0 / 32, v.d, static_cast<size_t>(nq / 32) * sizeof(float));
    std::memcpy(sums + c0 / 32, v.sums, static_cast<size_t>(nq / 32) * sizeof(int32_t));
  }
}

}  // namespace nibble::gemm
