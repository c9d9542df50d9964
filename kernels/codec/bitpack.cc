#include "codec/bitpack.h"

namespace nibble::codec {

// The three functions accept any width 1..16 (the format uses 1..9). A bit
// accumulator of 32 bits is enough: it never holds more than 7 pending bits
// plus one code of at most 16 bits.

void pack_codes(const uint16_t* codes, uint64_t n, int bits, uint8_t* out) {
  const uint32_t mask = (1u << bits) - 1u;
  uint32_t acc = 0;
  int pending = 0;  // bits in acc not yet written
  uint8_t* dst = out;
  for (uint64_t i = 0; i < n; ++i) {
    // The mask keeps an out-of-range code from spilling into its neighbours.
    acc |= (static_cast<uint32_t>(codes[i]) & mask) << pending;
    pending += bits;
    while (pending >= 8) {
      *dst++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      pending -= 8;
    }
  }
  // Padding codes are zero: write the remaining bits, then zero bytes up to
  // the end of the last group of 8 codes.
  uint8_t* const end = out + packed_bytes(n, bits);
  while (dst < end) {
    *dst++ = static_cast<uint8_t>(acc);
    acc >>= 8;
  }
}

void unpack_codes(const uint8_t* packed, uint64_t n, int bits, uint16_t* codes) {
  const uint32_t mask = (1u << bits) - 1u;
  uint32_t acc = 0;
  int available = 0;  // bits loaded into acc, not yet consumed
  const uint8_t* src = packed;
  for (uint64_t i = 0; i < n; ++i) {
    while (available < bits) {
      acc |= static_cast<uint32_t>(*src++) << available;
      available += 8;
    }
    codes[i] = static_cast<uint16_t>(acc & mask);
    acc >>= bits;
    available -= bits;
  }
}

uint16_t code_at(const uint8_t* packed, uint64_t index, int bits) {
  const uint64_t first_bit = index * static_cast<uint64_t>(bits);
  const uint64_t first_byte = first_bit / 8;
  const uint64_t last_byte = (first_bit + static_cast<uint64_t>(bits) - 1) / 8;
  // Only the bytes the code spans are read: the last code of a buffer may
  // end on its last byte.
  uint32_t acc = 0;
  for (uint64_t b = first_byte; b <= last_byte; ++b) {
    acc |= static_cast<uint32_t>(packed[b]) << (8 * (b - first_byte));
  }
  return static_cast<uint16_t>((acc >> (first_bit % 8)) & ((1u << bits) - 1u));
}

}  // namespace nibble::codec
