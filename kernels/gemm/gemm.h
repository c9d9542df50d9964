// Batched Linear on encoded weights (GEMM), decoding the weights inside the
// kernel one cache-sized panel at a time:
//
//   C[i*ldc + n] = clamp(bias[n] + sum_k A[i*lda + k] * W[n, k])
//   for i in [0, m), n in [n_begin, n_end)
//
// W is rows x cols = N outputs x K reduction, any codec::PackedWeights
// format. The N range lets callers split the outputs between threads, at
// multiples of gemm_n_step() for speed (any split is correct): an output's
// result never depends on the range or the rows it was computed with (each
// output is one chain of operations in k order, whatever its neighbours).
//
// Levels: a scalar reference (decode_range, then mul and add in k order,
// exactly the reference LINEAR's arithmetic) and an AVX-512 kernel for
// every format (SIMD panel decoders for q4_0, q8_0, int8, every IntCodec /
// TableCodec of 1..8 bits, f16, bf16, f32; decode_range for the rest:
// gemm_panel_avx512.cc). AVX2 and Neon run the reference (not written yet).
// The SIMD kernel sums with FMA, so it agrees with the reference within
// K * FLT_EPSILON * sum |A W|, not bit for bit.
//
// Stack: the AVX-512 kernel keeps ~74 KiB (a decoded panel of 32 outputs x
// 256 reduction columns, twice: rows as decoded, and interleaved); the
// VNNI int8 kernel ~10 KiB; the references ~1.5 KiB.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"

namespace nibble::gemm {

using nibble::Isa;

// bias[n] (may be null) is added first, the clamp applied last.
struct Epilogue {
  const float* bias = nullptr;
  float min = -INFINITY;
  float max = INFINITY;
};

// Runs the highest level <= isa with a kernel; false (c untouched) if this
// build or CPU lacks `isa`.
bool gemm_on(Isa isa, const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
             float* c, int64_t ldc, int64_t n_begin, int64_t n_end);

// Callers split N between threads at multiples of this (the panel width);
// results are identical for any split.
int64_t gemm_n_step();

// Whether `isa` (or a level below it) has a SIMD kernel (not just the
// reference) for this weight.
bool has_gemm_kernel(Isa isa, const codec::PackedWeights& w);

// ---- int8 activations (the gemv_q8.h rule, row by row).
// Each row of A is quantized per block of 32 columns exactly like
// gemv::quantize_activations; the result is gemv_q8's definition for each
// row, then clamped. gemm_q8_prepare quantizes all m rows into the caller's
// buffer (gemm_q8_workspace_bytes, 64-byte aligned), once per call.
// (The views live in the workspace: it must not move between prepare and
// the tasks; splitting prepare by rows is not supported.)
// AVX-512 VNNI has a kernel for q8_0, q4_0 and IntCodec 8-bit symmetric
// per channel / tensor (has_gemm_q8_kernel; it agrees with the definition
// within float rounding, not bit for bit); otherwise the definition runs.
// The quantization is bit-identical on every level (gemm/q8_quantize.h).
size_t gemm_q8_row_bytes(int64_t k);
size_t gemm_q8_workspace_bytes(int64_t m, int64_t k);
void gemm_q8_prepare(Isa isa, const float* a, int64_t lda, int64_t m, int64_t k, void* workspace);
// The same for rows [row_begin, row_end) only: callers may quantize row
// ranges on different threads (rows are independent; the result is the
// same bytes as one gemm_q8_prepare), then run the tasks.
void gemm_q8_prepare_rows(Isa isa, const float* a, int64_t lda, int64_t m, int64_t k, int64_t row_begin,
                          int64_t row_end, void* workspace);
bool gemm_q8_on(Isa isa, const codec::PackedWeights& w, const void* workspace, int64_t m, const Epilogue& e,
                float* c, int64_t ldc, int64_t n_begin, int64_t n_end);
bool has_gemm_q8_kernel(Isa isa, const codec::PackedWeights& w);

// The scalar reference (the definition).
void gemm_reference(const codec::PackedWeights& w, const float* a, int64_t lda, int64_t m, const Epilogue& e,
                    float* c, int64_t ldc, int64_t n_begin, int64_t n_end);

}  // namespace nibble::gemm
