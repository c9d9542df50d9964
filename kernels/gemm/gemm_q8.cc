// The int8-activation GEMM (gemm.h): rows quantized with the GEMV's rule
// (gemv_q8.h), each row then gemv_q8's definition, clamped. AVX-512 VNNI has
// a kernel for q8_0, q4_0 and int8 per channel (gemm_q8_vnni.cc); every
// other level and format runs the definition.
#include "gemm/gemm.h"
#include "gemm/gemm_internal.h"
#include "gemv/gemv_q8.h"
#include "gemm/q8_quantize.h"

namespace nibble::gemm {

// One row: q (32 * blocks bytes), d, sums, each part 64-byte aligned.
static size_t align64(size_t n) { return (n + 63) / 64 * 64; }
static int64_t row_blocks(int64_t k) { return (k + 31) / 32; }

size_t gemm_q8_row_bytes(int64_t k) {
  const size_t blocks = static_cast<size_t>(row_blocks(k));
  return align64(blocks * 32) + 2 * align64(blocks * 4);
}

// Workspace: m views (gemv::Q8Activations, pointing into the workspace
// itself, so it must not move between prepare and the tasks), padded to 64
// bytes, then one quantized row of gemm_q8_row_bytes(k) per row.
static size_t views_bytes(int64_t m) {
  return (static_cast<size_t>(m) * sizeof(gemv::Q8Activations) + 63) / 64 * 64;
}

size_t gemm_q8_workspace_bytes(int64_t m, int64_t k) {
  return views_bytes(m) + static_cast<size_t>(m) * gemm_q8_row_bytes(k);
}

void gemm_q8_prepare(Isa isa, const float* a, int64_t lda, int64_t m, int64_t k, void* workspace) {
  gemm_q8_prepare_rows(isa, a, lda, m, k, 0, m, workspace);
}

void gemm_q8_prepare_rows(Isa isa, const float* a, int64_t lda, int64_t m, int64_t k, int64_t row_begin,
                          int64_t row_end, void* workspace) {
  auto* views = static_cast<gemv::Q8Activations*>(workspace);
  uint8_t* rows = static_cast<uint8_t*>(workspace) + views_bytes(m);
  const size_t blocks = static_cast<size_t>(row_blocks(k));
  for (int64_t i = row_begin; i < row_end; ++i) {
    uint8_t* row = rows + static_cast<size_t>(i) * gemm_q8_row_bytes(k);
    gemv::Q8Activations v;
    v.q = reinterpret_cast<int8_t*>(row);
    v.d = reinterpret_cast<float*>(row + align64(blocks * 32));
    v.sums = reinterpret_cast<int32_t*>(row + align64(blocks * 32) + align64(blocks * 4));
    v.cols = k;
    v.padded_cols = static_cast<int64_t>(blocks) * 32;
    quantize_q8_blocks(isa, a + i * lda, k, const_cast<int8_t*>(v.q), const_cast<float*>(v.d),
                       const_cast<int32_t*>(v.sums));
    views[i] = v;
  }
}

bool gemm_q8_on(Isa isa, const codec::PackedWeights& w, const void* workspace, int64_t m, const Epilogue& e,
                float* c, int64_t ldc, int64_t n_begin, int64_t n_end) {
  if (!isa_available(isa)) return false;
  const auto* views = static_cast<const gemv::Q8Activations*>(workspace);
  if (n_begin >= n_end || m <= 0) return true;
#if NIBBLE_GEMM_VNNI_KERNELS
  if (isa_le(Isa::kAvx512Vnni, isa) && detail::vnni_q8_supported(w)) {
    detail::vnni_gemm_q8(w, views, m, e, c, ldc, n_begin, n_end);
    return true;
  }
#endif
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    gemv::gemv_q8_reference(w, views[i], e.bias, ci, n_begin, n_end);
    for (int64_t n = n_begin; n < n_end; ++n) ci[n] = detail::clamp(ci[n], e);
  }
  return true;
}

bool has_gemm_q8_kernel(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMM_VNNI_KERNELS
  return isa_available(isa) && isa_le(Isa::kAvx512Vnni, isa) && detail::vnni_q8_supported(w);
#else
  (void)isa;
  (void)w;
  return false;
#endif
}

}  // namespace nibble::gemm
