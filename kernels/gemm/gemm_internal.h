// Pieces the GEMM and Conv2d kernels share: the clamp of the epilogue and
// the AVX-512 panel packer and microkernel (gemm_panel_avx512.cc,
// gemm_tile_avx512.cc), which the conv kernels drive with their own row
// pointers (implicit GEMM).
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "gemm/gemm.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemm::detail {

// NaN passes through (as the reference Clip would leave it).
inline float clamp(float v, const Epilogue& e) { return v < e.min ? e.min : (v > e.max ? e.max : v); }

constexpr int64_t kNr = 32;   // outputs per panel (two 16-lane vectors)
constexpr int64_t kKc = 256;  // reduction columns per panel
constexpr int kMr = 8;        // rows per microkernel call (at most)

#if NIBBLE_GEMM_X86_KERNELS
// What the panel packer works out once per call about a weight (which row
// decoder, its tables); opaque here (it holds AVX-512 vectors).
struct alignas(64) PanelDecoder {
  unsigned char storage[512];
};
void avx512_panel_decoder(const codec::PackedWeights& w, PanelDecoder* d);

// panel[k * kNr + j] = W[n0 + j, k0 + k] for k < kc, j < kNr (0 for j >= nb;
// if nb <= 16, j >= 16 is not written: only one-vector kernels use it).
// kc <= kKc, nb <= kNr. Decodes with SIMD for the hot formats, else with
// codec::decode_range; the values are decode_range's, bit for bit.
void avx512_pack_panel(const PanelDecoder& d, const codec::PackedWeights& w, int64_t n0, int64_t nb, int64_t k0,
                       int64_t kc, float* panel);

// For r < mr (<= kMr), j < nb: c[r * ldc + j] = (first ? bias[j] or 0 :
// c[r * ldc + j]) + sum_{k < kc} a[r][k] * panel[k * kNr + j], in k order
// with FMA, clamped if `last`. bias is already offset to the panel.
void avx512_tile(int mr, const float* const* a, int64_t kc, const float* panel, float* c, int64_t ldc,
                 bool first, bool last, const float* bias, int64_t nb, float lo, float hi);

// The AVX-512 GEMM (gemm_avx512.cc), any format.
void avx512_gemm(const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
                 float* c, int64_t ldc, int64_t n_begin, int64_t n_end);
#endif

#if NIBBLE_GEMM_VNNI_KERNELS
// The AVX-512 VNNI int8-activation GEMM (gemm_q8_vnni.cc): q8_0, q4_0,
// IntCodec 8-bit symmetric per channel / tensor.
bool vnni_q8_supported(const codec::PackedWeights& w);
void vnni_gemm_q8(const codec::PackedWeights& w, const gemv::Q8Activations* rows, int64_t m, const Epilogue& e,
                  float* c, int64_t ldc, int64_t n_begin, int64_t n_end);
// Its pieces, for the Conv2d: a panel of up to 16 outputs x 16 blocks of 32
// columns (weight blocks block0 ..), and the microkernel over mr <= 8 rows
// whose views are already offset to the panel's first block.
constexpr int64_t kQ8PanelOutputs = 16;
constexpr int64_t kQ8PanelBlocks = 16;
constexpr int kQ8Rows = 8;
struct alignas(64) Q8PanelStorage {
  unsigned char bytes[16 * 8 * 16 * 4 + 16 * 16 * 4];
};
void vnni_q8_pack(const codec::PackedWeights& w, int64_t n0, int64_t nb, int64_t block0, int64_t blocks,
                  Q8PanelStorage* panel);
void vnni_q8_tile(int mr, const Q8PanelStorage& panel, int64_t blocks, const gemv::Q8Activations* rows, float* c,
                  int64_t ldc, bool first, bool last, const float* bias, int64_t nb, float lo, float hi);
// The Conv2d's variant over several taps (accumulators kept across them):
// rows[tap * kQ8Rows + r] is pixel r's record at that tap; each tap covers
// blocks_per_tap whole panel blocks (taps * blocks_per_tap <= 16).
void vnni_q8_tile_taps(int mr, const Q8PanelStorage& panel, int64_t taps, int64_t blocks_per_tap,
                       const gemv::Q8Activations* rows, float* c, int64_t ldc, bool first, bool last,
                       const float* bias, int64_t nb, float lo, float hi);
#endif

}  // namespace nibble::gemm::detail
