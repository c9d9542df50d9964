// binary16 and bfloat16 conversions (codec/half.h): exact encodings,
// rounding ties to even, overflow, subnormals, NaN, and every bit pattern.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "codec/half.h"

namespace nibble::codec {
namespace {

float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

bool is_f16_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0; }

TEST(Half, ExactValues) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(0.5f), 0x3800);
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);               // largest finite half
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
}

TEST(Half, Subnormals) {
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f32_to_f16(1023.0f * std::ldexp(1.0f, -24)), 0x03ff);  // largest subnormal
  EXPECT_EQ(f32_to_f16(-3.0f * std::ldexp(1.0f, -24)), 0x8003);
  // 2^-25 is half the smallest subnormal: a tie, to even (zero).
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);
  // 1.5 * 2^-24 ties between 1 and 2 units: to even (2).
  EXPECT_EQ(f32_to_f16(1.5f * std::ldexp(1.0f, -24)), 0x0002);
  // Just above the half: rounds up to the smallest subnormal.
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25) * 1.0001f), 0x0001);
}

TEST(Half, TiesToEven) {
  // Halfway between 1 (0x3c00) and 1 + 2^-10 (0x3c01): to the even 0x3c00.
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // Halfway between 0x3c01 and 0x3c02: to the even 0x3c02.
  EXPECT_EQ(f32_to_f16(1.0f + 3.0f * std::ldexp(1.0f, -11)), 0x3c02);
  // Off the tie by one f32 ulp either way.
  EXPECT_EQ(f32_to_f16(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3c01);
  EXPECT_EQ(f32_to_f16(std::nextafter(1.0f + 3.0f * std::ldexp(1.0f, -11), 0.0f)), 0x3c01);
}

TEST(Half, OverflowGivesInfinity) {
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);  // below the halfway point 65520
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // the tie rounds to even: infinity
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);
  EXPECT_EQ(f32_to_f16(-1e6f), 0xfc00);
  EXPECT_EQ(f32_to_f16(INFINITY), 0x7c00);
  EXPECT_EQ(f32_to_f16(-INFINITY), 0xfc00);
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7c00)));
}

TEST(Half, NanStaysNan) {
  EXPECT_TRUE(is_f16_nan(f32_to_f16(NAN)));
  EXPECT_TRUE(is_f16_nan(f32_to_f16(from_bits(0x7f800001u))));  // payload only in low bits
  EXPECT_TRUE(is_f16_nan(f32_to_f16(from_bits(0xff800001u))));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7c01)));
}

TEST(Half, EveryBitPatternRoundTripsThroughF32) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const uint16_t half = static_cast<uint16_t>(h);
    const float x = f16_to_f32(half);
    // Independent decoding from the IEEE fields.
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (exponent == 31) {
      if (mantissa == 0) {
        EXPECT_EQ(x, sign * INFINITY) << h;
      } else {
        EXPECT_TRUE(std::isnan(x)) << h;
        EXPECT_TRUE(is_f16_nan(f32_to_f16(x))) << h;
      }
      continue;
    }
    const float expected = exponent == 0 ? sign * std::ldexp(static_cast<float>(mantissa), -24)
                                         : sign * std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
    ASSERT_EQ(x, expected) << h;
    ASSERT_EQ(std::signbit(x), (h & 0x8000) != 0) << h;
    ASSERT_EQ(f32_to_f16(x), half) << h;
  }
}

TEST(Bfloat16, ExactValuesAndTies) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  // 0x3f808000 is halfway between 0x3f80 and 0x3f81: to the even 0x3f80.
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f808000u)), 0x3f80);
  // 0x3f818000: halfway between 0x3f81 and 0x3f82: to the even 0x3f82.
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f818000u)), 0x3f82);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f807fffu)), 0x3f80);
  // The largest float rounds up past the largest bfloat16: infinity.
  EXPECT_EQ(f32_to_bf16(from_bits(0x7f7fffffu)), 0x7f80);
  EXPECT_EQ(f32_to_bf16(INFINITY), 0x7f80);
}

TEST(Bfloat16, NanStaysNan) {
  // A NaN whose payload lies only in the dropped bits must not turn into
  // infinity.
  const uint16_t h = f32_to_bf16(from_bits(0x7f800001u));
  EXPECT_TRUE(std::isnan(bf16_to_f32(h)));
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

TEST(Bfloat16, EveryBitPatternRoundTripsThroughF32) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float x = bf16_to_f32(static_cast<uint16_t>(h));
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    ASSERT_EQ(u, h << 16) << h;
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(x)))) << h;
    } else {
      ASSERT_EQ(f32_to_bf16(x), h) << h;
    }
  }
}

}  // namespace
}  // namespace nibble::codec
