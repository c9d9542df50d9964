// Dense LSB-first packing of 1..9-bit codes (codec/bitpack.h): exact bytes
// for hand-worked examples, and bit-exact round trips for every width.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "codec/bitpack.h"

namespace nibble::codec {
namespace {

std::vector<uint8_t> pack(const std::vector<uint16_t>& codes, int bits) {
  std::vector<uint8_t> out(packed_bytes(codes.size(), bits), 0xEE);
  pack_codes(codes.data(), codes.size(), bits, out.data());
  return out;
}

TEST(Bitpack, PackedBytesIsEightCodesPerBitsBytes) {
  EXPECT_EQ(packed_bytes(0, 3), 0u);
  EXPECT_EQ(packed_bytes(1, 3), 3u);
  EXPECT_EQ(packed_bytes(8, 3), 3u);
  EXPECT_EQ(packed_bytes(9, 3), 6u);
  EXPECT_EQ(packed_bytes(1000, 9), 1125u);
  EXPECT_EQ(packed_bytes(33, 4), 20u);
}

TEST(Bitpack, ThreeBitCodesByHand) {
  // Code i sits at bits [3i, 3i + 3), bit 0 = LSB of byte 0:
  //   byte 0 = c2[1:0] c1 c0       = 11 010 001 = 0xD1
  //   byte 1 = c5[0] c4 c3 c2[2]   = 0 101 100 0 = 0x58
  //   byte 2 = c7 c6 c5[2:1]       = 000 111 11 = 0x1F
  EXPECT_EQ(pack({1, 2, 3, 4, 5, 6, 7, 0}, 3), (std::vector<uint8_t>{0xD1, 0x58, 0x1F}));
  // Three codes take a whole group of 8: 7 | 0 << 3 | 5 << 6, then zeros.
  EXPECT_EQ(pack({7, 0, 5}, 3), (std::vector<uint8_t>{0x47, 0x01, 0x00}));
}

TEST(Bitpack, FourBitCodesByHand) {
  // Two codes per byte, the first in the low nibble (unlike ggml's Q4
  // blocks, which pair element j with element j + 16).
  EXPECT_EQ(pack({0x3, 0xC, 0x5}, 4), (std::vector<uint8_t>{0xC3, 0x05, 0x00, 0x00}));
  EXPECT_EQ(pack({0x1, 0x2, 0xA, 0xF, 0x0, 0x0, 0x7, 0x8}, 4), (std::vector<uint8_t>{0x21, 0xFA, 0x00, 0x87}));
}

TEST(Bitpack, NineBitCodesByHand) {
  // 0x1FF fills bits 0..8, code 1 sets bit 9: bytes 0xFF, 0x03, then zeros.
  const std::vector<uint8_t> bytes = pack({0x1FF, 0x001}, 9);
  ASSERT_EQ(bytes.size(), 9u);
  EXPECT_EQ(bytes[0], 0xFF);
  EXPECT_EQ(bytes[1], 0x03);
  for (size_t i = 2; i < bytes.size(); ++i) EXPECT_EQ(bytes[i], 0x00) << i;
}

TEST(Bitpack, RoundTripEveryWidthAndOddLengths) {
  std::mt19937 rng(1234);
  for (int bits = 1; bits <= 9; ++bits) {
    for (uint64_t n : {1u, 7u, 8u, 9u, 31u, 33u, 1000u}) {
      SCOPED_TRACE(testing::Message() << "bits " << bits << " n " << n);
      std::uniform_int_distribution<int> code(0, (1 << bits) - 1);
      std::vector<uint16_t> codes(n);
      for (auto& c : codes) c = static_cast<uint16_t>(code(rng));

      const uint64_t bytes = (n + 7) / 8 * static_cast<uint64_t>(bits);
      ASSERT_EQ(packed_bytes(n, bits), bytes);
      // A guard byte after the buffer: packing writes exactly `bytes`.
      std::vector<uint8_t> packed(bytes + 1, 0xEE);
      pack_codes(codes.data(), n, bits, packed.data());
      EXPECT_EQ(packed[bytes], 0xEE);

      std::vector<uint16_t> unpacked(n, 0xFFFF);
      unpack_codes(packed.data(), n, bits, unpacked.data());
      EXPECT_EQ(unpacked, codes);
      for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(code_at(packed.data(), i, bits), codes[i]) << i;

      // The padding codes up to the next multiple of 8 read as zero, and
      // no bit beyond the last padding code exists (bytes * 8 bits exactly).
      const uint64_t padded = (n + 7) / 8 * 8;
      ASSERT_EQ(padded * static_cast<uint64_t>(bits), bytes * 8);
      for (uint64_t i = n; i < padded; ++i) EXPECT_EQ(code_at(packed.data(), i, bits), 0) << i;
    }
  }
}

TEST(Bitpack, AllOnesAndAllZerosFillExactly) {
  for (int bits = 1; bits <= 9; ++bits) {
    const std::vector<uint16_t> ones(16, static_cast<uint16_t>((1 << bits) - 1));
    for (uint8_t byte : pack(ones, bits)) EXPECT_EQ(byte, 0xFF) << bits;
    const std::vector<uint16_t> zeros(16, 0);
    for (uint8_t byte : pack(zeros, bits)) EXPECT_EQ(byte, 0x00) << bits;
  }
}

}  // namespace
}  // namespace nibble::codec
