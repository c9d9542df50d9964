// Deterministic test data for the quantization tests: values spread over
// and beyond a type's range at a given scale and zero point, exact ties,
// and the special values (NaN, +-inf, -0, subnormals, huge).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "reference.h"

namespace quant_test {

template <typename F>
F special_value(size_t i) {
  switch (i % 8) {
    case 0: return std::numeric_limits<F>::quiet_NaN();
    case 1: return std::numeric_limits<F>::infinity();
    case 2: return -std::numeric_limits<F>::infinity();
    case 3: return F(-0.0);
    case 4: return std::numeric_limits<F>::denorm_min();
    case 5: return std::numeric_limits<F>::max();
    case 6: return -std::numeric_limits<F>::max();
    default: return F(0.5);
  }
}

// n values for channel parameters (scale, zero_point) of type t.
template <typename F>
std::vector<F> make_data(size_t n, const TypeSpec& t, F scale, int64_t zero_point, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<F> x(n);
  const double lo = static_cast<double>(t.qmin - zero_point);  // in steps of `scale`
  const double hi = static_cast<double>(t.qmax - zero_point);
  for (size_t i = 0; i < n; ++i) {
    double steps;
    if (i % 13 == 5) {
      x[i] = special_value<F>(i / 13);
      continue;
    }
    if (t.bits <= 16) {
      // Integers around the range (3 beyond each end), then a fraction:
      // none, an exact half (a tie), or anything.
      const double k = std::floor(lo - 3 + unit(rng) * (hi - lo + 7));
      const int kind = static_cast<int>(rng() % 3);
      steps = k + (kind == 0 ? 0.0 : kind == 1 ? 0.5 : unit(rng));
    } else {
      // Wide types: magnitudes from 1 to 2^(bits + 4) steps, either sign,
      // and the range's ends.
      const int kind = static_cast<int>(rng() % 4);
      if (kind == 0) {
        steps = (rng() % 2 != 0 ? hi : lo) + (unit(rng) - 0.5) * 4;
      } else {
        steps = std::exp2(unit(rng) * (t.bits + 4)) * (rng() % 2 != 0 ? 1.0 : -1.0);
      }
    }
    x[i] = static_cast<F>(steps * static_cast<double>(scale));
  }
  return x;
}

// A scale and zero point per channel, varied: zero points at both ends of
// the range and inside it.
template <typename F>
void make_params(size_t channels, const TypeSpec& t, uint64_t seed, std::vector<F>* scales,
                 std::vector<int64_t>* zero_points) {
  std::mt19937_64 rng(seed);
  scales->resize(channels);
  zero_points->resize(channels);
  const int64_t zmin = static_cast<int64_t>(t.qmin);
  const int64_t zmax = max_zero_point(t);
  for (size_t c = 0; c < channels; ++c) {
    (*scales)[c] =
        static_cast<F>(std::ldexp(1.0 + static_cast<double>(rng() % 1000) / 1000.0, static_cast<int>(rng() % 12) - 8));
    switch ((c + seed) % 4) {
      case 0: (*zero_points)[c] = zmin; break;
      case 1: (*zero_points)[c] = zmax; break;
      case 2: (*zero_points)[c] = t.is_signed ? 0 : zmax / 2; break;
      default: {
        const uint64_t span = static_cast<uint64_t>(zmax) - static_cast<uint64_t>(zmin);
        const uint64_t offset = span == UINT64_MAX ? rng() : rng() % (span + 1);
        (*zero_points)[c] = static_cast<int64_t>(static_cast<uint64_t>(zmin) + offset);
      }
    }
  }
}

// Random codes of type t, stored.
inline std::vector<uint8_t> make_codes(size_t n, const TypeSpec& t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<i128> codes(n);
  for (auto& q : codes) {
    const uint64_t bits = rng();
    q = t.bits == 64 ? (t.is_signed ? i128(static_cast<int64_t>(bits)) : i128(bits))
                     : t.qmin + static_cast<i128>(bits % static_cast<uint64_t>(t.qmax - t.qmin + 1));
  }
  std::vector<uint8_t> bytes(storage_bytes(t, n) + 1);
  store_codes(codes, t, bytes.data());
  bytes.resize(storage_bytes(t, n));
  return bytes;
}

}  // namespace quant_test
