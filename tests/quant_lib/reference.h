// The tests' own scalar reference for nibble/quant.h, written from the
// definitions in docs/QUANT_API.md and independent of kernels/quant: wide
// integers (__int128) instead of the library's sign/magnitude tricks, an
// inline splitmix64 stream, a straightforward packer. Built with
// -ffp-contract=off, like the library, so a * b + c is never fused.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nibble/quant.h"

namespace quant_test {

using i128 = __int128;

struct TypeSpec {
  nibble_qtype type;
  const char* name;
  int bits;
  bool is_signed;
  i128 qmin;
  i128 qmax;
};

inline const TypeSpec kTypes[] = {
    {NIBBLE_QTYPE_U2, "u2", 2, false, 0, 3},
    {NIBBLE_QTYPE_I2, "i2", 2, true, -2, 1},
    {NIBBLE_QTYPE_U4, "u4", 4, false, 0, 15},
    {NIBBLE_QTYPE_I4, "i4", 4, true, -8, 7},
    {NIBBLE_QTYPE_U8, "u8", 8, false, 0, 255},
    {NIBBLE_QTYPE_I8, "i8", 8, true, -128, 127},
    {NIBBLE_QTYPE_U16, "u16", 16, false, 0, 65535},
    {NIBBLE_QTYPE_I16, "i16", 16, true, -32768, 32767},
    {NIBBLE_QTYPE_U32, "u32", 32, false, 0, (i128(1) << 32) - 1},
    {NIBBLE_QTYPE_I32, "i32", 32, true, -(i128(1) << 31), (i128(1) << 31) - 1},
    {NIBBLE_QTYPE_U64, "u64", 64, false, 0, (i128(1) << 64) - 1},
    {NIBBLE_QTYPE_I64, "i64", 64, true, -(i128(1) << 63), (i128(1) << 63) - 1},
};

inline const TypeSpec& spec_of(nibble_qtype type) { return kTypes[static_cast<int>(type)]; }

// The largest zero point the API takes (u64's is an int64_t).
inline int64_t max_zero_point(const TypeSpec& t) {
  return t.qmax > INT64_MAX ? INT64_MAX : static_cast<int64_t>(t.qmax);
}

inline size_t storage_bytes(const TypeSpec& t, size_t n) { return (n * static_cast<size_t>(t.bits) + 7) / 8; }

// Element i of the splitmix64 stream seeded with `seed`: the state
// advances by the golden gamma once per element, then is mixed.
inline uint64_t splitmix64(uint64_t seed, uint64_t i) {
  uint64_t state = seed;
  state += 0x9e3779b97f4a7c15ull * (i + 1);
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline float uniform(float, uint64_t seed, uint64_t i) {
  return static_cast<float>(splitmix64(seed, i) >> 40) / 16777216.0f;
}
inline double uniform(double, uint64_t seed, uint64_t i) {
  return static_cast<double>(splitmix64(seed, i) >> 11) / 9007199254740992.0;
}

// clamp(round(x / scale) + zero_point, qmin, qmax); NaN -> zero_point.
template <typename F>
i128 quantize_value(F x, F scale, int64_t zero_point, const TypeSpec& t, nibble_round_mode mode, uint64_t seed,
                    uint64_t index) {
  const F v = x / scale;
  if (std::isnan(v)) return zero_point;
  F r;
  if (mode == NIBBLE_ROUND_STOCHASTIC) {
    const F down = std::floor(v);
    r = uniform(F(0), seed, index) < v - down ? down + 1 : down;
  } else {
    r = std::nearbyint(v);
  }
  i128 q;
  if (r >= F(0x1p100)) {
    q = t.qmax;
  } else if (r <= F(-0x1p100)) {
    q = t.qmin;
  } else {
    q = static_cast<i128>(r) + zero_point;
  }
  return q < t.qmin ? t.qmin : (q > t.qmax ? t.qmax : q);
}

// Codes into the type's storage: native integers, or LSB-first fields.
inline void store_codes(const std::vector<i128>& codes, const TypeSpec& t, uint8_t* out) {
  if (t.bits < 8) {
    std::memset(out, 0, storage_bytes(t, codes.size()));
    const unsigned mask = (1u << t.bits) - 1u;
    for (size_t i = 0; i < codes.size(); ++i) {
      const unsigned field = static_cast<unsigned>(static_cast<uint64_t>(codes[i])) & mask;
      const size_t bit = i * static_cast<size_t>(t.bits);
      out[bit / 8] = static_cast<uint8_t>(out[bit / 8] | (field << (bit % 8)));
    }
    return;
  }
  const size_t width = static_cast<size_t>(t.bits / 8);
  for (size_t i = 0; i < codes.size(); ++i) {
    const uint64_t bits = static_cast<uint64_t>(codes[i]);  // two's complement, little-endian host
    std::memcpy(out + i * width, &bits, width);
  }
}

inline i128 load_code(const uint8_t* in, const TypeSpec& t, size_t i) {
  if (t.bits < 8) {
    const size_t bit = i * static_cast<size_t>(t.bits);
    const unsigned field = (in[bit / 8] >> (bit % 8)) & ((1u << t.bits) - 1u);
    const i128 value = field;
    return t.is_signed && field >= (1u << (t.bits - 1)) ? value - (i128(1) << t.bits) : value;
  }
  uint64_t bits = 0;
  std::memcpy(&bits, in + i * static_cast<size_t>(t.bits / 8), static_cast<size_t>(t.bits / 8));
  if (t.is_signed && t.bits < 64 && (bits >> (t.bits - 1)) != 0) return static_cast<i128>(bits) - (i128(1) << t.bits);
  if (t.is_signed && t.bits == 64) return static_cast<int64_t>(bits);
  return bits;
}

// (q - zero_point) * scale: the difference exactly, rounded once to F.
template <typename F>
F dequantize_value(i128 q, int64_t zero_point, F scale) {
  const F difference = static_cast<F>(q - zero_point);
  return difference * scale;
}

// Quantizes [channels, inner] to packed bytes.
template <typename F>
std::vector<uint8_t> quantize_all(const std::vector<F>& x, size_t inner, const TypeSpec& t,
                                  const std::vector<F>& scales, const std::vector<int64_t>& zero_points,
                                  nibble_round_mode mode, uint64_t seed) {
  std::vector<i128> codes(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i / inner;
    codes[i] = quantize_value(x[i], scales[c], zero_points[c], t, mode, seed, i);
  }
  std::vector<uint8_t> bytes(storage_bytes(t, x.size()) + 1, 0);  // +1: never size 0
  store_codes(codes, t, bytes.data());
  bytes.resize(storage_bytes(t, x.size()));
  return bytes;
}

template <typename F>
void dequantize_all(const uint8_t* in, size_t channels, size_t inner, const TypeSpec& t, const std::vector<F>& scales,
                    const std::vector<int64_t>& zero_points, nibble_store_mode store, std::vector<F>* out) {
  for (size_t i = 0; i < channels * inner; ++i) {
    const size_t c = i / inner;
    const F value = dequantize_value(load_code(in, t, i), zero_points[c], scales[c]);
    if (store == NIBBLE_STORE_ADD) {
      (*out)[i] = (*out)[i] + value;
    } else {
      (*out)[i] = value;
    }
  }
}

// Bitwise equality of floats (NaN == NaN, 0 != -0): what "bit-exact" means.
template <typename F>
bool same_bits(F a, F b) {
  return std::memcmp(&a, &b, sizeof(F)) == 0;
}

}  // namespace quant_test
