// The dequantize driver: per-tensor and per-channel (per-tensor is one
// channel), cut over the context's threads, unpacking 2- and 4-bit codes.
// Arguments are checked by the caller (quant_api.cc).
#pragma once

#include <cstdint>

#include "quant/element_math.h"
#include "quant/qtype.h"
#include "quant/quant_context.h"

namespace nibble::quant {

template <typename F>
struct DequantizeJob {
  const void* in;  // storage_bytes(*type, n) bytes
  F* out;
  uint64_t n;
  uint64_t inner;              // elements per channel (n for per-tensor)
  const F* scales;             // one per channel
  const int64_t* zero_points;  // one per channel
  const QTypeInfo* type;
  StoreMode store;  // kSet: out = x; kAdd: out += x
};

template <typename F>
void dequantize(nibble_quant_context* context, const DequantizeJob<F>& job);

}  // namespace nibble::quant
