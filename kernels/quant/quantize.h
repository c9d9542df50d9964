// The quantize driver: per-tensor and per-channel (per-tensor is the case
// of one channel), cut over the context's threads, packing 2- and 4-bit
// codes. Arguments are checked by the caller (quant_api.cc).
#pragma once

#include <cstdint>

#include "quant/element_math.h"
#include "quant/qtype.h"
#include "quant/quant_context.h"

namespace nibble::quant {

template <typename F>
struct QuantizeJob {
  const F* in;
  void* out;                   // storage_bytes(*type, n) bytes
  uint64_t n;                  // elements
  uint64_t inner;              // elements per channel: channel = index / inner (n for per-tensor)
  const F* scales;             // one per channel
  const int64_t* zero_points;  // one per channel
  const QTypeInfo* type;
  RoundMode mode;
  uint64_t seed;  // stochastic rounding: element i draws splitmix64_at(seed, i)
};

template <typename F>
void quantize(nibble_quant_context* context, const QuantizeJob<F>& job);

}  // namespace nibble::quant
