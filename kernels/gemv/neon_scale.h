// Scalar scale loads for the Neon GEMV kernels (AArch64 only), bit for bit
// what codec::load_scale gives, without its per-call switch and, for e8,
// without its exp2: the kernels read one scale per group of 16 or 32
// weights, so a call per scale would cost more than the weights' math.
#pragma once

#include <cstdint>
#include <cstring>

#include "codec/weight_layout.h"
#include "gemv/gemv_plan.h"

namespace nibble::gemv {
namespace {

// f16 bits to f32: exact (AArch64 converts subnormals too), as codec's.
inline float neon_half_to_float(const uint8_t* p) {
  __fp16 h;
  std::memcpy(&h, p, 2);
  return static_cast<float>(h);
}

struct NeonScaleReader {
  const uint8_t* base = nullptr;
  uint32_t e8_fraction_bits[8] = {};

  NeonScaleReader(const uint8_t* scales, codec::ScaleType type) : base(scales) {
    if (type != codec::ScaleType::kE8) return;
    float fraction[16];
    e8_fraction_table(fraction);
    std::memcpy(e8_fraction_bits, fraction, sizeof(e8_fraction_bits));
  }

  // Scale number `index` (in storage order) as f32.
  template <codec::ScaleType kType>
  float load(uint64_t index) const {
    if (kType == codec::ScaleType::kF32) {
      float s;
      std::memcpy(&s, base + 4 * index, 4);
      return s;
    }
    if (kType == codec::ScaleType::kF16) return neon_half_to_float(base + 2 * index);
    // e8 (gemv_plan.h): the fraction of c % 8, c / 8 added to its exponent.
    const uint32_t c = base[index];
    const uint32_t bits = e8_fraction_bits[c % 8] + ((c / 8) << 23);
    float s;
    std::memcpy(&s, &bits, 4);
    return s;
  }
};

}  // namespace
}  // namespace nibble::gemv
