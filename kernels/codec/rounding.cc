#include "codec/rounding.h"

#include <cmath>

namespace nibble::codec {

float Rounder::uniform() {
  // splitmix64: a full-period stream, good enough for dithering and
  // reproducible from its seed.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

float Rounder::round(float x) {
  if (mode_ == RoundingMode::kStochastic) {
    // Up with probability frac(x). Not floor(x + u): x + u can round up to
    // the next integer in float when u is close to 1; x - floor(x) is exact.
    const float f = std::floor(x);
    return uniform() < x - f ? f + 1.0f : f;
  }
  return std::nearbyint(x);
}

float round_with(Rounder* rounder, float x) { return rounder != nullptr ? rounder->round(x) : std::nearbyint(x); }

}  // namespace nibble::codec
