// The storage layout by hand-computed bytes (2- and 4-bit packing order,
// two's complement fields, zeroed padding), SET vs ADD, NaN / inf /
// saturation and ties on known values, storage sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "nibble/quant.h"

namespace {

std::vector<uint8_t> quantize_f32(const std::vector<float>& x, nibble_qtype type, float scale, int64_t zero_point) {
  size_t bytes = 0;
  EXPECT_EQ(nibble_quant_storage_bytes(type, x.size(), &bytes, nullptr), NIBBLE_OK);
  std::vector<uint8_t> out(bytes, 0xFF);  // padding must come out as 0
  nibble_error error{};
  EXPECT_EQ(nibble_quantize_f32(nullptr, x.data(), x.size(), out.data(), type, scale, zero_point, NIBBLE_ROUND_NEAREST,
                                0, &error),
            NIBBLE_OK)
      << error.message;
  return out;
}

TEST(Layout, U4IsLowNibbleFirst) {
  // Elements 1, 2, 3: byte 0 = 2 << 4 | 1, byte 1 = 3 (high nibble padding 0).
  EXPECT_EQ(quantize_f32({1, 2, 3}, NIBBLE_QTYPE_U4, 1.0f, 0), (std::vector<uint8_t>{0x21, 0x03}));
  EXPECT_EQ(quantize_f32({15, 0, 7, 8}, NIBBLE_QTYPE_U4, 1.0f, 0), (std::vector<uint8_t>{0x0F, 0x87}));
}

TEST(Layout, I4IsTwosComplementInTheNibble) {
  // -1 -> 0xF, 2 -> 0x2, -8 -> 0x8, 7 -> 0x7.
  EXPECT_EQ(quantize_f32({-1, 2, -8, 7}, NIBBLE_QTYPE_I4, 1.0f, 0), (std::vector<uint8_t>{0x2F, 0x78}));
  EXPECT_EQ(quantize_f32({-8}, NIBBLE_QTYPE_I4, 1.0f, 0), (std::vector<uint8_t>{0x08}));
}

TEST(Layout, U2PacksFourPerByteFromBitZero) {
  // 0, 1, 2, 3 -> 0b11'10'01'00 = 0xE4; then 1 alone -> 0x01.
  EXPECT_EQ(quantize_f32({0, 1, 2, 3, 1}, NIBBLE_QTYPE_U2, 1.0f, 0), (std::vector<uint8_t>{0xE4, 0x01}));
}

TEST(Layout, I2IsTwosComplementInTheField) {
  // -2 -> 0b10, -1 -> 0b11, 0 -> 0b00, 1 -> 0b01: 0b01'00'11'10 = 0x4E.
  EXPECT_EQ(quantize_f32({-2, -1, 0, 1, -1, -2}, NIBBLE_QTYPE_I2, 1.0f, 0), (std::vector<uint8_t>{0x4E, 0x0B}));
}

TEST(Layout, WideTypesAreNativeIntegers) {
  const std::vector<float> x = {-3, 40000, 5};
  std::vector<int16_t> i16(3);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), 3, i16.data(), NIBBLE_QTYPE_I16, 1.0f, 0, NIBBLE_ROUND_NEAREST, 0,
                                nullptr),
            NIBBLE_OK);
  EXPECT_EQ(i16, (std::vector<int16_t>{-3, 32767, 5}));
  std::vector<uint64_t> u64(3);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), 3, u64.data(), NIBBLE_QTYPE_U64, 0.5f, 10, NIBBLE_ROUND_NEAREST, 0,
                                nullptr),
            NIBBLE_OK);
  EXPECT_EQ(u64, (std::vector<uint64_t>{4, 80010, 20}));
}

TEST(Layout, StorageBytes) {
  const struct {
    nibble_qtype type;
    size_t n, bytes;
  } cases[] = {{NIBBLE_QTYPE_U2, 0, 0},   {NIBBLE_QTYPE_U2, 1, 1},
               {NIBBLE_QTYPE_I2, 5, 2},   {NIBBLE_QTYPE_U4, 3, 2},
               {NIBBLE_QTYPE_I4, 4, 2},   {NIBBLE_QTYPE_U8, 7, 7},
               {NIBBLE_QTYPE_I16, 3, 6},  {NIBBLE_QTYPE_U32, 3, 12},
               {NIBBLE_QTYPE_I64, 3, 24}, {NIBBLE_QTYPE_U4, SIZE_MAX, SIZE_MAX / 2 + 1}};
  for (const auto& c : cases) {
    size_t bytes = 0;
    ASSERT_EQ(nibble_quant_storage_bytes(c.type, c.n, &bytes, nullptr), NIBBLE_OK);
    EXPECT_EQ(bytes, c.bytes) << c.type << " x " << c.n;
  }
}

TEST(Layout, TiesRoundToEven) {
  // x / scale = k + 0.5 exactly: ties go to the even integer.
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, 3.5f, -0.5f, -1.5f, -2.5f};
  const std::vector<uint8_t> q = quantize_f32(x, NIBBLE_QTYPE_I8, 1.0f, 0);
  EXPECT_EQ(q, (std::vector<uint8_t>{0, 2, 2, 4, 0, static_cast<uint8_t>(-2), static_cast<uint8_t>(-2)}));
}

TEST(Layout, NanIsTheZeroPointAndInfinitiesSaturate) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, inf, -inf, 1e30f, -1e30f, 1000.0f, -1000.0f};
  EXPECT_EQ(quantize_f32(x, NIBBLE_QTYPE_U8, 0.5f, 100), (std::vector<uint8_t>{100, 255, 0, 255, 0, 255, 0}));
  const std::vector<double> xd = {std::nan(""), INFINITY, -INFINITY, 1e300, -1e300};
  std::vector<int64_t> q(xd.size());
  ASSERT_EQ(nibble_quantize_f64(nullptr, xd.data(), xd.size(), q.data(), NIBBLE_QTYPE_I64, 1.0, -7,
                                NIBBLE_ROUND_NEAREST, 0, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(q, (std::vector<int64_t>{-7, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN}));
}

TEST(Layout, SixtyFourBitClampIsExact) {
  // 2^63 + 2^11 is a double; with zero point -2^62 it lands below
  // INT64_MAX, which a clamp in double (where INT64_MAX is 2^63) would miss.
  const double x = 9223372036854777856.0;  // 2^63 + 2048
  int64_t q = 0;
  ASSERT_EQ(nibble_quantize_f64(nullptr, &x, 1, &q, NIBBLE_QTYPE_I64, 1.0, -(int64_t(1) << 62), NIBBLE_ROUND_NEAREST, 0,
                                nullptr),
            NIBBLE_OK);
  EXPECT_EQ(q, (int64_t(1) << 62) + 2048);
  // u64: 2^64 - 2^12 fits, 2^64 saturates.
  const double big[] = {18446744073709547520.0, 18446744073709551616.0};
  uint64_t u[2] = {};
  ASSERT_EQ(nibble_quantize_f64(nullptr, big, 2, u, NIBBLE_QTYPE_U64, 1.0, 0, NIBBLE_ROUND_NEAREST, 0, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(u[0], 18446744073709547520ull);
  EXPECT_EQ(u[1], UINT64_MAX);
  // And back: (2^64 - 1 - 0) as a double is 2^64.
  double back = 0;
  ASSERT_EQ(nibble_dequantize_f64(nullptr, &u[1], 1, NIBBLE_QTYPE_U64, 1.0, 0, &back, NIBBLE_STORE_SET, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(back, 18446744073709551616.0);
  // i64 q - zp needs 65 bits: INT64_MAX - INT64_MIN = 2^64 - 1.
  const int64_t top = INT64_MAX;
  ASSERT_EQ(nibble_dequantize_f64(nullptr, &top, 1, NIBBLE_QTYPE_I64, 0.5, INT64_MIN, &back, NIBBLE_STORE_SET, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(back, 9223372036854775808.0);
}

TEST(Layout, SetOverwritesAndAddAccumulates) {
  const uint8_t q[] = {0, 10, 20, 255};
  std::vector<float> out = {100, 100, 100, 100};
  ASSERT_EQ(nibble_dequantize_f32(nullptr, q, 4, NIBBLE_QTYPE_U8, 0.5f, 10, out.data(), NIBBLE_STORE_ADD, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(out, (std::vector<float>{95, 100, 105, 222.5f}));
  ASSERT_EQ(nibble_dequantize_f32(nullptr, q, 4, NIBBLE_QTYPE_U8, 0.5f, 10, out.data(), NIBBLE_STORE_SET, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(out, (std::vector<float>{-5, 0, 5, 122.5f}));
  // Twice ADD = twice the value (a ring reduction of two equal parts).
  std::vector<double> acc(4, 0.0);
  const uint8_t packed[] = {0x2F, 0x78};  // i4: -1, 2, -8, 7
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(
        nibble_dequantize_f64(nullptr, packed, 4, NIBBLE_QTYPE_I4, 0.25, 0, acc.data(), NIBBLE_STORE_ADD, nullptr),
        NIBBLE_OK);
  }
  EXPECT_EQ(acc, (std::vector<double>{-0.5, 1.0, -4.0, 3.5}));
}

TEST(Layout, PerChannelUsesEachChannelsParameters) {
  // [2 channels, 3]: channel 0 scale 1 zp 0, channel 1 scale 2 zp 5; u4.
  const float x[] = {1, 2, 3, 2, 4, 6};
  const float scales[] = {1.0f, 2.0f};
  const int64_t zps[] = {0, 5};
  uint8_t q[3] = {};
  ASSERT_EQ(nibble_quantize_per_channel_f32(nullptr, x, 2, 3, q, NIBBLE_QTYPE_U4, scales, zps, NIBBLE_ROUND_NEAREST, 0,
                                            nullptr),
            NIBBLE_OK);
  // codes 1, 2, 3, 6, 7, 8 -> 0x21, 0x63, 0x87: the channel starts mid-byte.
  EXPECT_EQ(q[0], 0x21);
  EXPECT_EQ(q[1], 0x63);
  EXPECT_EQ(q[2], 0x87);
  float back[6] = {};
  ASSERT_EQ(nibble_dequantize_per_channel_f32(nullptr, q, 2, 3, NIBBLE_QTYPE_U4, scales, zps, back, NIBBLE_STORE_SET,
                                              nullptr),
            NIBBLE_OK);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(back[i], x[i]) << i;
}

}  // namespace
