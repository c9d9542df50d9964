// Uniform random numbers for stochastic rounding, counter-based: element
// i's number is the i-th output of a splitmix64 stream started at `seed`,
// computed directly from (seed, i). Nothing is carried from one element to
// the next, so any split of the work over threads gives the same numbers,
// and a sequential walk gives exactly the stream of codec::Rounder
// (codec/rounding.h) seeded the same way.
#pragma once

#include <cstdint>

namespace nibble::quant {

inline uint64_t splitmix64_at(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1): as many random bits as the type's significand holds
// (24 for float, 53 for double), so every value is exact.
template <typename F>
F uniform_at(uint64_t seed, uint64_t index);

template <>
inline float uniform_at<float>(uint64_t seed, uint64_t index) {
  return static_cast<float>(splitmix64_at(seed, index) >> 40) * 0x1p-24f;
}

template <>
inline double uniform_at<double>(uint64_t seed, uint64_t index) {
  return static_cast<double>(splitmix64_at(seed, index) >> 11) * 0x1p-53;
}

}  // namespace nibble::quant
