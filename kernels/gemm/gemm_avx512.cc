// The AVX-512 GEMM driver: for each block of 32 outputs and each 256-column
// chunk of the reduction, decode the panel once, then run the microkernel
// over all m rows (8 at a time), parking partial sums in C between chunks.
#include "gemm/gemm_internal.h"

namespace nibble::gemm::detail {

void avx512_gemm(const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
                 float* c, int64_t ldc, int64_t n_begin, int64_t n_end) {
  alignas(64) float panel[kKc * kNr];
  PanelDecoder decoder;
  avx512_panel_decoder(w, &decoder);
  const int64_t k_total = w.layout.cols;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += kNr) {
    const int64_t nb = n_end - n0 < kNr ? n_end - n0 : kNr;
    for (int64_t k0 = 0; k0 < k_total; k0 += kKc) {
      const int64_t kc = k_total - k0 < kKc ? k_total - k0 : kKc;
      avx512_pack_panel(decoder, w, n0, nb, k0, kc, panel);
      const bool first = k0 == 0, last = k0 + kc == k_total;
      for (int64_t i0 = 0; i0 < m; i0 += kMr) {
        const int mr = m - i0 < kMr ? static_cast<int>(m - i0) : kMr;
        const float* rows[kMr];
        for (int r = 0; r < mr; ++r) rows[r] = a + (i0 + r) * lda + k0;
        avx512_tile(mr, rows, kc, panel, c + i0 * ldc + n0, ldc, first, last,
                    e.bias != nullptr ? e.bias + n0 : nullptr, nb, e.min, e.max);
      }
    }
  }
}

}  // namespace nibble::gemm::detail
