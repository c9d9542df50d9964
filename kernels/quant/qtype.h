// The integer element types of the quantization API (nibble/quant.h):
// their ranges and how many bytes n of them take. U2/I2/U4/I4 are packed
// LSB-first (4-bit: element 2i in the low nibble of byte i, torch's
// quint4x2 order; 2-bit: element 4i + k in bits 2k..2k+1 of byte i);
// signed codes are stored as two's complement in their field.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nibble::quant {

// Values equal nibble_qtype's.
enum class QType : int { kU2 = 0, kI2, kU4, kI4, kU8, kI8, kU16, kI16, kU32, kI32, kU64, kI64 };

struct QTypeInfo {
  QType type;
  const char* name;  // "u4", "i8", ...
  int bits;
  bool is_signed;
  int64_t qmin;
  uint64_t qmax;
  // The largest zero point the API can take: qmax, except for u64, whose
  // zero point (an int64_t) stops at INT64_MAX.
  int64_t max_zero_point;
};

// nullptr for a value that is no nibble_qtype.
const QTypeInfo* qtype_info(int value);

inline bool is_packed(const QTypeInfo& info) { return info.bits < 8; }

// Bytes that hold n elements: ceil(n * bits / 8), without overflowing for
// any n (the bound is below n * 8 bytes).
inline uint64_t storage_bytes(const QTypeInfo& info, uint64_t n) {
  if (info.bits >= 8) return n * static_cast<uint64_t>(info.bits / 8);
  const uint64_t per_byte = static_cast<uint64_t>(8 / info.bits);
  return n / per_byte + (n % per_byte != 0 ? 1 : 0);
}

}  // namespace nibble::quant
