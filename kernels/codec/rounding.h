// Rounding of a real to an integer: nearest with ties to even (the
// default; std::nearbyint under FE_TONEAREST), or stochastic rounding
// floor(x + u) with u uniform in [0, 1) from a seeded splitmix64 stream,
// so E[round(x)] = x and a given seed reproduces the same codes.
#pragma once

#include <cstdint>

namespace nibble::codec {

enum class RoundingMode : uint8_t { kNearestEven = 0, kStochastic = 1 };

class Rounder {
 public:
  explicit Rounder(RoundingMode mode = RoundingMode::kNearestEven, uint64_t seed = 0) : mode_(mode), state_(seed) {}
  RoundingMode mode() const { return mode_; }
  float round(float x);
  // Next uniform in [0, 1) (24 random bits).
  float uniform();

 private:
  RoundingMode mode_;
  uint64_t state_;
};

// round(x) with a null rounder = nearest even.
float round_with(Rounder* rounder, float x);

}  // namespace nibble::codec
