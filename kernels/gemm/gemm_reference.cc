// The GEMM's definition (gemm.h): each output is bias, then + A*W in k
// order (one rounding per written operation: built with -ffp-contract=off),
// then clamped. Weights are decoded kChunk columns of one row at a time; the
// partial sums are parked in C between chunks (floats, so the result is the
// same as one pass).
#include "codec/decode_range.h"
#include "gemm/gemm.h"
#include "gemm/gemm_internal.h"

namespace nibble::gemm {

void gemm_reference(const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
                    float* c, int64_t ldc, int64_t n_begin, int64_t n_end) {
  constexpr int64_t kChunk = 256;
  float row[kChunk];
  const int64_t k_total = w.layout.cols;
  for (int64_t n = n_begin; n < n_end; ++n) {
    for (int64_t k0 = 0; k0 < k_total; k0 += kChunk) {
      const int64_t kc = k_total - k0 < kChunk ? k_total - k0 : kChunk;
      codec::decode_range(w, n, k0, kc, row);
      const bool first = k0 == 0;
      const bool last = k0 + kc == k_total;
      for (int64_t i = 0; i < m; ++i) {
        const float* ai = a + i * lda + k0;
        float acc = first ? (e.bias != nullptr ? e.bias[n] : 0.0f) : c[i * ldc + n];
        for (int64_t k = 0; k < kc; ++k) acc = acc + ai[k] * row[k];
        c[i * ldc + n] = last ? detail::clamp(acc, e) : acc;
      }
    }
  }
}

}  // namespace nibble::gemm
