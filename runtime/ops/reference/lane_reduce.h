// Reductions over contiguous floats (sum, dot product, sum of squared
// deviations) written so that they vectorise without -ffast-math: the
// compiler may not reorder a float sum, so the order is spelled out as 16
// independent partial sums (lane j takes elements j, j + 16, ...), added
// together at the end. The order is fixed, so results do not depend on the
// CPU's vector width; for rows of hundreds of values it is also more
// accurate than one running sum (each partial sum is 16x shorter).
//
// Used by LAYER_NORM (mean, variance) and ATTENTION (q . k, and LaneSums
// alone for the weighted sum of values), which run for every token of a
// transformer's decoding.
#pragma once

#include <cstdint>
#include <cstring>

namespace nibble::ref {

constexpr int64_t kReduceLanes = 16;

// 16 float accumulators, added together by total() as the tree
// (lanes j + j+8), then (j + j+4), (j + j+2), (j + j+1): short and
// balanced. With GCC/Clang, four 4-wide vectors of their vector extension
// (SSE / Neon registers; see conv2d.cc for why the lanes are spelled out
// rather than left to the loop vectoriser), so the first two levels of the
// tree are two vector adds.
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
  // lanes += s * a[0..16)
  void madd(float s, const float* a) {
    for (int i = 0; i < 4; ++i) v[i] += s * load(a + 4 * i);
  }
  // lanes += (a[0..16) - c)^2
  void add_sq_dev(const float* a, float c) {
    for (int i = 0; i < 4; ++i) {
      const V4 d = load(a + 4 * i) - c;
      v[i] += d * d;
    }
  }
  void store(float* out) const { std::memcpy(out, v, sizeof(v)); }
  float total() const {
    const V4 t = (v[0] + v[2]) + (v[1] + v[3]);
    return (t[0] + t[2]) + (t[1] + t[3]);
  }
#else
  float v[kReduceLanes] = {};
  void add(const float* a) {
    for (int64_t j = 0; j < kReduceLanes; ++j) v[j] += a[j];
  }
  void madd(const float* a, const float* b) {
    for (int64_t j = 0; j < kReduceLanes; ++j) v[j] += a[j] * b[j];
  }
  void madd(float s, const float* a) {
    for (int64_t j = 0; j < kReduceLanes; ++j) v[j] += s * a[j];
  }
  void add_sq_dev(const float* a, float c) {
    for (int64_t j = 0; j < kReduceLanes; ++j) {
      const float d = a[j] - c;
      v[j] += d * d;
    }
  }
  void store(float* out) const { std::memcpy(out, v, sizeof(v)); }
  float total() const {
    float t[kReduceLanes];
    std::memcpy(t, v, sizeof(t));
    for (int64_t width = kReduceLanes / 2; width >= 1; width /= 2) {
      for (int64_t j = 0; j < width; ++j) t[j] += t[j + width];
    }
    return t[0];
  }
#endif
};

// The tail (n % 16 < 16 terms) goes into lanes 0.. as one more add of a
// zero-padded block (adding 0 changes no sum), then the lanes' total.
inline float total_with_tail(LaneSums& acc, float* tail, int64_t tail_count) {
  for (int64_t j = tail_count; j < kReduceLanes; ++j) tail[j] = 0.0f;
  acc.add(tail);
  return acc.total();
}

// sum_i a[i]
inline float lane_sum(const float* a, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.add(a + i);
  float tail[kReduceLanes];
  for (int64_t j = 0; i + j < n; ++j) tail[j] = a[i + j];
  return total_with_tail(acc, tail, n - i);
}

// sum_i a[i] * b[i]
inline float lane_dot(const float* a, const float* b, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.madd(a + i, b + i);
  float tail[kReduceLanes];
  for (int64_t j = 0; i + j < n; ++j) tail[j] = a[i + j] * b[i + j];
  return total_with_tail(acc, tail, n - i);
}

// sum_i (a[i] - c)^2
inline float lane_sum_sq_dev(const float* a, float c, int64_t n) {
  LaneSums acc;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) acc.add_sq_dev(a + i, c);
  float tail[kReduceLanes];
  for (int64_t j = 0; i + j < n; ++j) tail[j] = (a[i + j] - c) * (a[i + j] - c);
  return total_with_tail(acc, tail, n - i);
}

}  // namespace nibble::ref
