/* nibble quantization C99 API: affine quantize / dequantize of f32 and
 * f64 data to (u)int2/4/8/16/32/64, per tensor or per channel, with
 * nearest-even or stochastic rounding, multithreaded and SIMD (AVX2,
 * AVX-512, Neon; chosen at run time). docs/QUANT_API.md has the details.
 *
 *   quantize:   q = clamp(round(x / scale) + zero_point, qmin, qmax)
 *   dequantize: x = (q - zero_point) * scale   (SET), or out += that (ADD)
 *
 * x / scale is one IEEE division in the source type, never x * (1/scale);
 * the clamp is exact integer arithmetic; q - zero_point is exact and
 * rounded once to the float type. NaN quantizes to zero_point; +-inf and
 * values beyond the range saturate to qmin / qmax. Results assume the
 * default floating-point environment (round to nearest, no flush to zero).
 *
 * Every call returns a nibble_status and, if `error` is not NULL, fills it
 * (status, and a message naming the call and the argument at fault).
 * Nothing aborts. Pointers may be NULL when their element count is 0.
 * Inputs and outputs must not overlap.
 *
 * Threads: a nibble_quant_context holds a thread pool; every call takes
 * one, or NULL for single-threaded. Results are bit-identical for any
 * thread count and any instruction-set level. A context may be shared by
 * threads (calls on one context run one at a time). */
#ifndef NIBBLE_QUANT_H_
#define NIBBLE_QUANT_H_

#include <stddef.h>
#include <stdint.h>

#include "nibble/nibble.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. 2- and 4-bit types are packed LSB-first: 4-bit element
 * 2i in the low nibble of byte i, 2i + 1 in the high one (torch's
 * quint4x2 order); 2-bit element 4i + k in bits 2k..2k+1 of byte i. Signed
 * codes are two's complement in their field. n elements take
 * nibble_quant_storage_bytes(type, n) bytes; the unused fields of a last
 * partial byte are written as 0. Wider types are native-endian arrays. */
typedef enum nibble_qtype {
  NIBBLE_QTYPE_U2 = 0,  /* 0..3 */
  NIBBLE_QTYPE_I2 = 1,  /* -2..1 */
  NIBBLE_QTYPE_U4 = 2,  /* 0..15 */
  NIBBLE_QTYPE_I4 = 3,  /* -8..7 */
  NIBBLE_QTYPE_U8 = 4,
  NIBBLE_QTYPE_I8 = 5,
  NIBBLE_QTYPE_U16 = 6,
  NIBBLE_QTYPE_I16 = 7,
  NIBBLE_QTYPE_U32 = 8,
  NIBBLE_QTYPE_I32 = 9,
  NIBBLE_QTYPE_U64 = 10, /* zero points 0..INT64_MAX (they are int64_t) */
  NIBBLE_QTYPE_I64 = 11
} nibble_qtype;

typedef enum nibble_round_mode {
  /* Round to nearest, ties to even. */
  NIBBLE_ROUND_NEAREST = 0,
  /* Round x / scale up with probability equal to its fractional part
   * (unbiased). Element i uses the i-th number of a splitmix64 stream
   * started at `seed` (24 random bits for f32, 53 for f64), computed from
   * (seed, i) alone: the same codes for any thread count. Per channel, i
   * is the element's index in the whole [channels, inner] array. */
  NIBBLE_ROUND_STOCHASTIC = 1
} nibble_round_mode;

typedef enum nibble_store_mode {
  NIBBLE_STORE_SET = 0, /* out[i] = value */
  NIBBLE_STORE_ADD = 1  /* out[i] += value (e.g. reducing dequantized partial sums) */
} nibble_store_mode;

typedef struct nibble_quant_context nibble_quant_context;

/* threads: 0 = one per core; 1 = no pool, calls run on the caller.
 * Freestanding builds have no threads: 0 or 1 only (else
 * NIBBLE_UNSUPPORTED). */
NIBBLE_API nibble_status nibble_quant_context_create(int threads, nibble_quant_context** context,
                                                     nibble_error* error);
/* NULL is a no-op. */
NIBBLE_API void nibble_quant_context_destroy(nibble_quant_context* context);
/* The context's thread count, the caller's thread included (1 for NULL). */
NIBBLE_API nibble_status nibble_quant_context_threads(const nibble_quant_context* context, int* threads,
                                                      nibble_error* error);
/* The kernels a context (or NULL: the process default) uses: "scalar",
 * "avx2", "avx512" or "neon". The best the CPU has, unless the environment
 * variable NIBBLE_QUANT_ISA (read once per process) names a lower one. */
NIBBLE_API nibble_status nibble_quant_isa(const nibble_quant_context* context, const char** name,
                                          nibble_error* error);

/* Bytes that n elements of `type` take. */
NIBBLE_API nibble_status nibble_quant_storage_bytes(nibble_qtype type, size_t n, size_t* bytes, nibble_error* error);

/* Parameters from data (SIMD and parallel min/max): with [lo, hi] the
 * data's range widened to include 0,
 *   scale = (hi - lo) / (qmax - qmin)   (computed in double, then rounded)
 *   zero_point = qmin - round(lo / scale), clamped to the type's range.
 * No data or all zeros: scale 1 (zero_point = qmin). A scale below the
 * float type's smallest normal number becomes that number. NaN or +-inf in
 * the data: NIBBLE_INVALID_ARGUMENT. */
NIBBLE_API nibble_status nibble_quant_params_f32(nibble_quant_context* context, const float* x, size_t n,
                                                 nibble_qtype type, float* scale, int64_t* zero_point,
                                                 nibble_error* error);
NIBBLE_API nibble_status nibble_quant_params_f64(nibble_quant_context* context, const double* x, size_t n,
                                                 nibble_qtype type, double* scale, int64_t* zero_point,
                                                 nibble_error* error);

/* in: n values; out: nibble_quant_storage_bytes(type, n) bytes. scale must
 * be finite and > 0 (the f64 calls take it as a double); zero_point within
 * the type's range. seed is used by NIBBLE_ROUND_STOCHASTIC only. */
NIBBLE_API nibble_status nibble_quantize_f32(nibble_quant_context* context, const float* in, size_t n, void* out,
                                             nibble_qtype type, float scale, int64_t zero_point,
                                             nibble_round_mode mode, uint64_t seed, nibble_error* error);
NIBBLE_API nibble_status nibble_quantize_f64(nibble_quant_context* context, const double* in, size_t n, void* out,
                                             nibble_qtype type, double scale, int64_t zero_point,
                                             nibble_round_mode mode, uint64_t seed, nibble_error* error);

NIBBLE_API nibble_status nibble_dequantize_f32(nibble_quant_context* context, const void* in, size_t n,
                                               nibble_qtype type, float scale, int64_t zero_point, float* out,
                                               nibble_store_mode store, nibble_error* error);
NIBBLE_API nibble_status nibble_dequantize_f64(nibble_quant_context* context, const void* in, size_t n,
                                               nibble_qtype type, double scale, int64_t zero_point, double* out,
                                               nibble_store_mode store, nibble_error* error);

/* Per channel: data laid out [channels, inner], contiguous; channel c
 * (elements c * inner .. c * inner + inner - 1) uses scales[c] and
 * zero_points[c]. Packed types pack the whole array as one sequence (a
 * channel may start mid-byte). channels * inner must fit in size_t. */
NIBBLE_API nibble_status nibble_quant_params_per_channel_f32(nibble_quant_context* context, const float* x,
                                                             size_t channels, size_t inner, nibble_qtype type,
                                                             float* scales, int64_t* zero_points,
                                                             nibble_error* error);
NIBBLE_API nibble_status nibble_quant_params_per_channel_f64(nibble_quant_context* context, const double* x,
                                                             size_t channels, size_t inner, nibble_qtype type,
                                                             double* scales, int64_t* zero_points,
                                                             nibble_error* error);

NIBBLE_API nibble_status nibble_quantize_per_channel_f32(nibble_quant_context* context, const float* in,
                                                         size_t channels, size_t inner, void* out, nibble_qtype type,
                                                         const float* scales, const int64_t* zero_points,
                                                         nibble_round_mode mode, uint64_t seed, nibble_error* error);
NIBBLE_API nibble_status nibble_quantize_per_channel_f64(nibble_quant_context* context, const double* in,
                                                         size_t channels, size_t inner, void* out, nibble_qtype type,
                                                         const double* scales, const int64_t* zero_points,
                                                         nibble_round_mode mode, uint64_t seed, nibble_error* error);

NIBBLE_API nibble_status nibble_dequantize_per_channel_f32(nibble_quant_context* context, const void* in,
                                                           size_t channels, size_t inner, nibble_qtype type,
                                                           const float* scales, const int64_t* zero_points,
                                                           float* out, nibble_store_mode store, nibble_error* error);
NIBBLE_API nibble_status nibble_dequantize_per_channel_f64(nibble_quant_context* context, const void* in,
                                                           size_t channels, size_t inner, nibble_qtype type,
                                                           const double* scales, const int64_t* zero_points,
                                                           double* out, nibble_store_mode store, nibble_error* error);

#ifdef __cplusplus
}
#endif

#endif /* NIBBLE_QUANT_H_ */
