// Reductions over contiguous floats (sum, dot product, sum of squared
// deviations) written so that they vectorise without -ffast-math: the
// compiler may not reorder a float sum, so the order is spelled out as 16
// independent partial sums (lane j takes elements j, j + 16, ...), added
// together at the end. The order is fixed, so results do not depend on the
// CPU's vector width; for rows of hundreds of values it is also more
// accurate than one running sum (each partial sum is 16x shorter).
//
// Used by LAYER_NORM (mean, variance) and ATTENTION (q . k), which run for
// every token of a transformer's decoding.
#pragma once

#include <cstdint>
#include <cstring>

namespace nibble::ref {

constexpr int64_t kReduceLanes = 16;

// 16 float accumulators. With GCC/Clang, four 4-wide vectors of their
// vector extension (SSE / Neon registers; see conv2d.cc for why the lanes
// are spelled out rather than left to the loop vectoriser).
struct LaneSums {
#if defined(__GNUC__)
  typedef float V4 __attribute__((vector_size(16)));
  V4 v[4] = {};
  static V4 load(const float* p) {
    V4 r;
    std::memcpy(&r, p, sizeof(r));
    return r;
  }
  // lanes += a[0..16)
  void add(const float* a) {
    for (int i = 0; i < 4; ++i) v[i] += load(a + 4 * i);
  }
  // lanes += a[0..16) * b[0..16)
  void madd(const float* a, const float* b) {
    for (int i = 0; i < 4; ++i) v[i] += load(a + 4 * i) * load(b + 4 * i);
  }
  // lanes += (a[0..16) - c)^2
  void add_sq_dev(const float* a, float c) {
    for (int i = 0; i < 4; ++i) {
      const V4 d = load(a + 4 * i) - c;
      v[i] += d * d;
    }
  }
  void store(float* out) const { std::memcpy(out, v, sizeof(v)); }
#else
  float v[kReduceLanes] = {};
  void add(const float* a) {
    for (int64_t j = 0; j < kReduceLanes; ++j) v[j] += a[j];
  }
  void madd(const float* a, const float* b) {
    for (int64_t j = 0; j < kReduceLanes; ++j) v[j] += a[j] * b[j];
  }
  void add_sq_dev(const float* a, float c) {
    for (int64_t j = 0; j < kReduceLanes; ++j) {
      const float d = a[j] - c;
      v[j] += d * d;
    }
  }
  void store(float* out) const { std::memcpy(out, v, sizeof(v)); }
#endif
};

// The tail (n % 16 elements) goes into lanes 0.., then the lanes are added
// pairwise (8 + 8, 4 + 4, ...), a short and balanced tree.
inline float combine_lanes(const LaneSums& acc, const float* tail, int64_t tail_count) {
  float lanes[kReduceLanes];
  acc.store(lanes);
  for (int64_t j = 0; j < tail_count; ++j) lanes[j] += tail[j];
  for (int64_t width = kReduceLanes / 2; width >= 1; width /= 2) {
    for (int64_t j = 0; j < width; ++j) lanes[j] += lanes[j + width];
  }
  return lanes[0];
}

// sum_i a[i]
inline float lane_sum(const float* a, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.add(a + i);
  return combine_lanes(acc, a + i, n - i);
}

// sum_i a[i] * b[i]
inline float lane_dot(const float* a, const float* b, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.madd(a + i, b + i);
  float tail[kReduceLanes];
  for (int64_t j = 0; i + j < n; ++j) tail[j] = a[i + j] * b[i + j];
  return combine_lanes(acc, tail, n - i);
}

// sum_i (a[i] - c)^2
inline float lane_sum_sq_dev(const float* a, float c, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.add_sq_dev(a + i, c);
  float tail[kReduceLanes];
  for (int64_t j = 0; i + j < n; ++j) tail[j] = (a[i + j] - c) * (a[i + j] - c);
  return combine_lanes(acc, tail, n - i);
}

}  // namespace nibble::ref
