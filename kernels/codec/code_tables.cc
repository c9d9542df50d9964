// Tables and encoders of the non-uniform codes (definitions in
// code_tables.h and docs/CODECS.md). Tables are computed in double and
// rounded once to float, so they do not depend on the accuracy of a
// platform's powf/log2f (newlib's differ from glibc's).
#include "codec/code_tables.h"

#include <cmath>

namespace nibble::codec {

namespace {

bool positive_finite(float x) { return std::isfinite(x) && x > 0.0f; }

float clamp_float(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

// A table entry whose value is zero is +0 whatever its sign bit: decoding
// then never yields -0, which keeps bitwise comparisons of decoders simple.
float signed_level(bool negative, double magnitude) {
  if (magnitude == 0.0) return 0.0f;
  return static_cast<float>(negative ? -magnitude : magnitude);
}

}  // namespace

bool valid_table_params(TableKind kind, int bits, float parameter) {
  switch (kind) {
    case TableKind::kPqnt:
    case TableKind::kLog2: return bits >= 2 && bits <= kMaxTableBits && positive_finite(parameter);
    case TableKind::kLsq: return bits >= 2 && bits <= kMaxTableBits;
    case TableKind::kLut: return bits >= kMinCodeBits && bits <= kMaxTableBits;
    default: return false;
  }
}

// ------------------------------------------------------------------ pqnt

bool build_pqnt_table(int bits, float p, float* table) {
  if (!valid_table_params(TableKind::kPqnt, bits, p)) return false;
  const int zero_code = 1 << (bits - 1);
  for (int code = 0; code < (1 << bits); ++code) {
    const int q = code - zero_code;
    table[code] = signed_level(q < 0, std::pow(std::fabs(static_cast<double>(q)), 1.0 / static_cast<double>(p)));
  }
  return true;
}

float pqnt_max_level(int bits, float p) {
  if (!valid_table_params(TableKind::kPqnt, bits, p)) return 0.0f;
  const double q_max = static_cast<double>((1 << (bits - 1)) - 1);
  return static_cast<float>(std::pow(q_max, 1.0 / static_cast<double>(p)));
}

uint16_t encode_pqnt(float v, int bits, float p, Rounder* rounder) {
  const int zero_code = 1 << (bits - 1);
  if (std::isnan(v)) return static_cast<uint16_t>(zero_code);
  const float q_max = static_cast<float>(zero_code - 1);
  const float t = static_cast<float>(std::pow(std::fabs(static_cast<double>(v)), static_cast<double>(p)));
  const float q = clamp_float(round_with(rounder, v < 0.0f ? -t : t), -q_max, q_max);
  return static_cast<uint16_t>(static_cast<int>(q) + zero_code);
}

// ------------------------------------------------------------------- lsq

bool build_lsq_table(int bits, float* table) {
  if (!valid_table_params(TableKind::kLsq, bits, 0.0f)) return false;
  const int b = bits - 1;
  for (int n = 0; n < 2; ++n) {
    for (int m = 0; m < (1 << b); ++m) {
      const double level = m == 0 ? 0.0 : std::log2(static_cast<double>(m)) / b;
      table[(n << b) | m] = signed_level(n == 1, level);
    }
  }
  return true;
}

uint16_t encode_lsq(float v, int bits, Rounder* rounder) {
  const int b = bits - 1;
  if (std::isnan(v)) v = 0.0f;
  v = clamp_float(v, -1.0f, 1.0f);
  const float level = static_cast<float>(std::exp2(b * std::fabs(static_cast<double>(v))));
  const float m = clamp_float(round_with(rounder, level), 1.0f, static_cast<float>((1 << b) - 1));
  const int n = v < 0.0f ? 1 : 0;
  return static_cast<uint16_t>((n << b) | static_cast<int>(m));
}

// ------------------------------------------------------------------ log2

bool build_log2_table(int bits, float r, float* table) {
  if (!valid_table_params(TableKind::kLog2, bits, r)) return false;
  const int half = 1 << (bits - 1);
  for (int sign = 0; sign < 2; ++sign) {
    for (int mag = 0; mag < half; ++mag) {
      const double level = mag == 0 ? 0.0 : std::exp2(-static_cast<double>(mag - 1) / static_cast<double>(r));
      table[(sign << (bits - 1)) | mag] = signed_level(sign == 1, level);
    }
  }
  return true;
}

uint16_t encode_log2(float v, int bits, float r, Rounder* rounder) {
  const int k_max = (1 << (bits - 1)) - 2;
  const double a = std::fabs(static_cast<double>(v));
  const double smallest_level = std::exp2(-static_cast<double>(k_max) / static_cast<double>(r));
  if (!(a >= 0.5 * smallest_level)) return 0;  // zero, tiny or NaN
  const float steps = static_cast<float>(-static_cast<double>(r) * std::log2(a));
  const float k = clamp_float(round_with(rounder, steps), 0.0f, static_cast<float>(k_max));
  const int sign = v < 0.0f ? 1 : 0;
  return static_cast<uint16_t>((sign << (bits - 1)) | (1 + static_cast<int>(k)));
}

// ------------------------------------------------------------ nearest

uint16_t encode_nearest(float v, const float* table, int bits) {
  int best = 0;
  float best_distance = std::fabs(table[0] - v);
  for (int i = 1; i < (1 << bits); ++i) {
    const float distance = std::fabs(table[i] - v);
    if (distance < best_distance) {
      best = i;
      best_distance = distance;
    }
  }
  return static_cast<uint16_t>(best);
}

bool build_nearest_index(const float* table, int bits, NearestIndex* index) {
  if (bits < kMinCodeBits || bits > kMaxTableBits) return false;
  const int n = 1 << bits;
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(table[i])) return false;
  }
  // Insertion sort (at most 512 entries, once per tensor). Equal values
  // need no particular order: encode_nearest takes the lowest index of
  // the run anyway.
  index->bits = bits;
  for (int i = 0; i < n; ++i) {
    int j = i;
    while (j > 0 && index->sorted[j - 1] > table[i]) {
      index->sorted[j] = index->sorted[j - 1];
      index->order[j] = index->order[j - 1];
      --j;
    }
    index->sorted[j] = table[i];
    index->order[j] = static_cast<uint16_t>(i);
  }
  return true;
}

uint16_t encode_nearest(float v, const NearestIndex& index) {
  if (std::isnan(v)) return 0;
  const int n = 1 << index.bits;
  // pos: the first entry >= v; the nearest entries are pos - 1 and pos.
  int lo = 0;
  int hi = n;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (index.sorted[mid] < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const int pos = lo;
  const float inf = INFINITY;
  const float left = pos > 0 ? std::fabs(index.sorted[pos - 1] - v) : inf;
  const float right = pos < n ? std::fabs(index.sorted[pos] - v) : inf;
  const float best_distance = left < right ? left : right;
  // Every entry at best_distance competes on index, as in the linear scan.
  // Rounded distances only shrink toward v on either side, so those
  // entries are contiguous runs next to pos: duplicates, or entries whose
  // distances round to the same float.
  int best = n;
  for (int i = pos - 1; i >= 0 && std::fabs(index.sorted[i] - v) == best_distance; --i) {
    if (index.order[i] < best) best = index.order[i];
  }
  for (int i = pos; i < n && std::fabs(index.sorted[i] - v) == best_distance; ++i) {
    if (index.order[i] < best) best = index.order[i];
  }
  return static_cast<uint16_t>(best);
}

}  // namespace nibble::codec
