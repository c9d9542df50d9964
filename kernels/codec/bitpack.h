// Dense LSB-first bit packing of codes of 1..9 bits (schema/README.md,
// "Packed codes"). Code i of a row occupies bits [i*b, i*b + b) of the
// row's bytes, counting bit 0 as the least significant bit of byte 0. Eight
// codes fill exactly b bytes, so a row of n codes takes ceil(n / 8) * b
// bytes (rows are padded to a multiple of 8 codes with zero codes).
#pragma once

#include <cstdint>

namespace nibble::codec {

// Bytes of n codes of `bits` bits: ceil(n / 8) * bits.
constexpr uint64_t packed_bytes(uint64_t n, int bits) {
  return (n + 7) / 8 * static_cast<uint64_t>(bits);
}

// codes[i] must be < 2^bits. out must hold packed_bytes(n, bits) bytes; the
// padding codes of the last group of 8 are zero.
void pack_codes(const uint16_t* codes, uint64_t n, int bits, uint8_t* out);

// Reads n codes of `bits` bits from packed_bytes(n, bits) bytes.
void unpack_codes(const uint8_t* packed, uint64_t n, int bits, uint16_t* codes);

// One code, random access.
uint16_t code_at(const uint8_t* packed, uint64_t index, int bits);

}  // namespace nibble::codec
