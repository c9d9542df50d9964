// The non-uniform codes as "scale * table[code]": the tables and the
// per-value encoding rule of each seed codec, exactly as defined in
// docs/CODECS.md.
//
//   pqnt(bits, p): the seed's t = sign(x)|x|^p, s = max|t| / Q with
//     Q = 2^(bits-1) - 1, q = round(t / s) in [-Q, Q]. With the scale
//     S = s^(1/p) and v = x / S this is q = round(sign(v)|v|^p), stored as
//     code = q + 2^(bits-1), decoded as S * table[code] with
//     table[code] = sign(q)|q|^(1/p) (= the seed's sign(t^)|t^|^(1/p)).
//   lsq(B): C = B + 1 bits, code = (n << B) | m, n the sign bit,
//     m = clamp(round(2^(B|v|)), 1, 2^B - 1), v = x / absmax(row) in
//     [-1, 1]; table[code] = (-1)^n log2(m) / B, table[m = 0] = 0.
//   log2(bits, r): code = (sign << (bits-1)) | mag; mag 0 is exact zero,
//     mag = 1 + k means |v| = 2^(-k/r), k = 0 .. 2^(bits-1) - 2.
//   lut(bits): any table (a learned codebook); code = nearest entry.
//
// Rounding: round() is nearest with ties to even (std::nearbyint in the
// default rounding mode) unless a stochastic rounder is given.
#pragma once

#include <cstdint>

#include "codec/rounding.h"
#include "codec/weight_layout.h"

namespace nibble::codec {

// Whether bits and the parameter are valid for the kind: pqnt, lsq and
// log2 need 2..9 bits (one bit has no level besides zero), pqnt's p and
// log2's r are finite and > 0; lut takes 1..9 bits, no parameter.
bool valid_table_params(TableKind kind, int bits, float parameter);

// Fill table[0 .. 2^bits). Return false on invalid parameters (bits out of
// range, p <= 0 or not finite, r <= 0 or not finite). Codes no encoder
// produces get the value their formula gives (pqnt: q = -2^(bits-1)) or
// +0 (lsq m = 0; the sign-bit-set zero of lsq and log2).
bool build_pqnt_table(int bits, float p, float* table);
bool build_lsq_table(int bits /* C = B + 1 */, float* table);
bool build_log2_table(int bits, float r, float* table);

// The largest |v| the code represents, so a caller can map a scale:
// pqnt: (2^(bits-1) - 1)^(1/p); lsq: 1; log2: 1.
float pqnt_max_level(int bits, float p);

// Encoding of a normalised value v = x / scale by each rule above, for
// parameters valid_table_params accepts. `rounder` null: nearest, ties to
// even; a stochastic rounder rounds the quantity the rule rounds (pqnt:
// sign(v)|v|^p; lsq: 2^(B|v|); log2: -r log2|v|). NaN encodes as zero.
//   log2 rounds in the log domain: k = round(-r log2|v|) clamped to
//   0..2^(bits-1)-2, and |v| below half the smallest level is zero.
uint16_t encode_pqnt(float v, int bits, float p, Rounder* rounder);
uint16_t encode_lsq(float v, int bits, Rounder* rounder);
uint16_t encode_log2(float v, int bits, float r, Rounder* rounder);
// Index of the entry nearest to v: the lowest index among the entries at
// the smallest distance |table[i] - v| (computed in float). A linear scan,
// the definition; v NaN gives 0.
uint16_t encode_nearest(float v, const float* table, int bits);

// The same answers as encode_nearest in O(log n) for encoding many values
// against one large table: the table sorted once (by value, then index).
// ~3 KB, meant for the stack of an encoder.
struct NearestIndex {
  int bits = 0;
  float sorted[1 << kMaxTableBits];
  uint16_t order[1 << kMaxTableBits];  // order[i]: the table index of sorted[i]
};
// False if bits is not 1..9 or an entry is not finite.
bool build_nearest_index(const float* table, int bits, NearestIndex* index);
uint16_t encode_nearest(float v, const NearestIndex& index);

}  // namespace nibble::codec
