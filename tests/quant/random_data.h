// Seeded test data with the same values on every platform (the standard
// library's distributions are implementation-defined).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace nibble::convert::quant::testing {

class TestRng {
 public:
  explicit TestRng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // In (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53; }
  // Box-Muller.
  double gaussian() { return std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
  // Laplace(0, b) by inverting the CDF.
  double laplace(double b) {
    const double u = uniform() - 0.5;
    return -b * (u < 0 ? -1 : 1) * std::log(1 - 2 * std::fabs(u));
  }

 private:
  uint64_t state_;
};

inline std::vector<float> gaussian_vector(size_t n, uint64_t seed, double sigma = 1) {
  TestRng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(sigma * rng.gaussian());
  return v;
}

inline std::vector<float> laplace_vector(size_t n, uint64_t seed, double b) {
  TestRng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.laplace(b));
  return v;
}

}  // namespace nibble::convert::quant::testing
