// The arithmetic of one element: the definition of quantize and dequantize
// that every kernel (scalar, AVX2, AVX-512, Neon) reproduces bit for bit.
//
//   quantize:   q = clamp(round(x / scale) + zero_point, qmin, qmax)
//               x / scale is one IEEE division in the source type (not a
//               multiplication by 1 / scale, which rounds differently);
//               NaN gives zero_point; +-inf and out-of-range values
//               saturate. The clamp is exact integer arithmetic, even where
//               qmax - qmin does not fit the source float's significand.
//   dequantize: x = F(q - zero_point) * scale, the difference exact and
//               rounded once to F, then one multiplication.
//
// Only for scalar translation units: SIMD files must not include this (an
// inline function compiled with -mavx2 could become the copy the linker
// keeps for scalar callers too).
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "quant/counter_random.h"

namespace nibble::quant {

enum class RoundMode : int { kNearest = 0, kStochastic = 1 };  // = nibble_round_mode
enum class StoreMode : int { kSet = 0, kAdd = 1 };             // = nibble_store_mode

template <typename F>
struct QuantizeParams {
  F scale;
  int64_t zero_point;
  uint64_t qmin_bits;  // the range of codes, as two's-complement bits
  uint64_t qmax_bits;
  uint64_t below;  // zero_point - qmin, exactly (up to 2^64 - 1)
  uint64_t above;  // qmax - zero_point, exactly
  F lo, hi;        // -below and above as F (exact when clamping in F)
  RoundMode mode;
  uint64_t seed;
};

// qmin <= zero_point <= qmax (checked by the API).
template <typename F>
QuantizeParams<F> make_quantize_params(F scale, int64_t zero_point, int64_t qmin, uint64_t qmax, RoundMode mode,
                                       uint64_t seed) {
  QuantizeParams<F> p;
  p.scale = scale;
  p.zero_point = zero_point;
  p.qmin_bits = static_cast<uint64_t>(qmin);
  p.qmax_bits = qmax;
  // Wrapping unsigned arithmetic is exact here: both differences are
  // non-negative and below 2^64.
  p.below = static_cast<uint64_t>(zero_point) - static_cast<uint64_t>(qmin);
  p.above = qmax - static_cast<uint64_t>(zero_point);
  p.lo = -static_cast<F>(p.below);
  p.hi = static_cast<F>(p.above);
  p.mode = mode;
  p.seed = seed;
  return p;
}

// Clamping in F is exact when the range's ends are representable in F:
// codes of up to 16 bits for float (24-bit significand), 32 for double.
template <typename F, typename Code>
constexpr bool kClampInFloat = sizeof(Code) * 8 <= (std::is_same_v<F, float> ? 16 : 32);

template <typename F>
inline F round_to_integer(F v, const QuantizeParams<F>& p, uint64_t index) {
  if (p.mode == RoundMode::kStochastic) {
    // Up with probability frac(v); v - floor(v) is exact.
    const F down = std::floor(v);
    return uniform_at<F>(p.seed, index) < v - down ? down + 1 : down;
  }
  return std::nearbyint(v);  // ties to even in the default rounding mode
}

// The code of x as two's-complement bits (truncate to the code type).
// `index` is the element's position in the whole tensor (stochastic
// rounding draws its number from it).
template <typename F, bool kClampInF>
inline uint64_t quantize_one(F x, const QuantizeParams<F>& p, uint64_t index) {
  F v = x / p.scale;
  if (v != v) v = 0;  // NaN: the zero point
  if constexpr (kClampInF) {
    // Clamping to integer ends before rounding gives the rounded value
    // clamped, for both rounding modes, and keeps the conversion in range.
    v = v < p.lo ? p.lo : (v > p.hi ? p.hi : v);
    const F r = round_to_integer(v, p, index);
    return static_cast<uint64_t>(static_cast<int64_t>(r) + p.zero_point);
  } else {
    const F r = round_to_integer(v, p, index);  // may be +-inf
    constexpr F kTwoTo64 = static_cast<F>(18446744073709551616.0);
    if (r >= 0) {
      if (r >= kTwoTo64) return p.qmax_bits;
      const uint64_t up = static_cast<uint64_t>(r);
      return up >= p.above ? p.qmax_bits : static_cast<uint64_t>(p.zero_point) + up;
    }
    if (-r >= kTwoTo64) return p.qmin_bits;
    const uint64_t down = static_cast<uint64_t>(-r);
    return down >= p.below ? p.qmin_bits : static_cast<uint64_t>(p.zero_point) - down;
  }
}

// F(q - zero_point) * scale. Codes below 64 bits: the difference fits in
// int64_t. 64-bit codes: it may need 65 bits, so it is formed as sign and
// magnitude and the magnitude converted (rounding is symmetric, so this is
// the correctly rounded difference).
template <typename F, typename Code>
inline F dequantize_one(Code q, int64_t zero_point, F scale) {
  if constexpr (sizeof(Code) < 8) {
    return static_cast<F>(static_cast<int64_t>(q) - zero_point) * scale;
  } else {
    const bool at_or_above = std::is_signed_v<Code> ? static_cast<int64_t>(q) >= zero_point
                                                    : static_cast<uint64_t>(q) >= static_cast<uint64_t>(zero_point);
    const uint64_t magnitude = at_or_above ? static_cast<uint64_t>(q) - static_cast<uint64_t>(zero_point)
                                           : static_cast<uint64_t>(zero_point) - static_cast<uint64_t>(q);
    const F d = static_cast<F>(magnitude);
    return (at_or_above ? d : -d) * scale;
  }
}

}  // namespace nibble::quant
