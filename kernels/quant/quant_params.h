// Affine quantization parameters from data, as pi-quant and torch compute
// them: the data's range widened to include 0, [lo, hi], then
//   scale      = (hi - lo) / (qmax - qmin)        (in double, then rounded to F)
//   zero_point = qmin - round(lo / scale)         (ties to even, clamped to the type)
// Degenerate ranges: hi == lo (all zeros, or no data) gives scale 1 (and
// so zero_point = qmin); a range so small that the scale would be below
// F's smallest normal number gives that smallest normal. u64's zero point
// stops at INT64_MAX (it is an int64_t). NaN or infinite data is an error.
#pragma once

#include <cstdint>

#include "nibble/status.h"
#include "quant/qtype.h"
#include "quant/quant_context.h"
#include "quant/simd_kernels.h"

namespace nibble::quant {

template <typename F>
struct QuantParams {
  F scale;
  int64_t zero_point;
};

// From the data's min and max (finite; min > max for no data).
template <typename F>
QuantParams<F> params_from_range(F min, F max, const QTypeInfo& type);

// Min and max of x over the context's threads (exact, so the same for
// any split).
template <typename F>
MinMax<F> parallel_minmax(nibble_quant_context* context, const F* x, uint64_t n);

// `function` names the API call in error messages.
template <typename F>
Status compute_params(nibble_quant_context* context, const F* x, uint64_t n, const QTypeInfo& type, F* scale,
                      int64_t* zero_point, const char* function);

// Data laid out [channels, inner]: one scale and zero point per channel.
// Channels are spread over the threads (one channel: its elements are).
template <typename F>
Status compute_params_per_channel(nibble_quant_context* context, const F* x, uint64_t channels, uint64_t inner,
                                  const QTypeInfo& type, F* scales, int64_t* zero_points, const char* function);

}  // namespace nibble::quant
