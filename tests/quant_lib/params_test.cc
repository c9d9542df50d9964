// Quantization parameters from data: known values, the widened range,
// degenerate ranges, 64-bit zero-point limits, per channel, and the
// round-trip error bound they promise.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "nibble/quant.h"

namespace {

struct Params32 {
  float scale;
  int64_t zero_point;
};

Params32 params_f32(const std::vector<float>& x, nibble_qtype type) {
  Params32 p{0, -1};
  nibble_error error{};
  EXPECT_EQ(nibble_quant_params_f32(nullptr, x.data(), x.size(), type, &p.scale, &p.zero_point, &error), NIBBLE_OK)
      << error.message;
  return p;
}

TEST(Params, KnownValues) {
  // [-1, 1] to u8: scale = float(2 / 255); zero point = 0 - round(-1 /
  // scale) = round(127.49999...) = 127 (the float scale is a little above
  // 2 / 255; torch's choose_qparams gives the same).
  Params32 p = params_f32({-1.0f, 0.25f, 1.0f}, NIBBLE_QTYPE_U8);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 255.0));
  EXPECT_EQ(p.zero_point, 127);
  // [-0.5, 1] to u4: scale 0.1f, zero point round(4.9999999) = 5.
  p = params_f32({1.0f, -0.5f}, NIBBLE_QTYPE_U4);
  EXPECT_EQ(p.scale, static_cast<float>(1.5 / 15.0));
  EXPECT_EQ(p.zero_point, 5);
  // i8 [-1, 1]: zero point -128 + 127 = -1.
  p = params_f32({-1.0f, 1.0f}, NIBBLE_QTYPE_I8);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 255.0));
  EXPECT_EQ(p.zero_point, -1);
}

TEST(Params, RangeIsWidenedToIncludeZero) {
  // All positive: [0, 2]; zero point qmin.
  Params32 p = params_f32({0.5f, 2.0f}, NIBBLE_QTYPE_U8);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 255.0));
  EXPECT_EQ(p.zero_point, 0);
  // All negative: [-3, 0]; zero point at the top: -128 + 255 = 127.
  p = params_f32({-3.0f, -1.0f}, NIBBLE_QTYPE_I8);
  EXPECT_EQ(p.scale, static_cast<float>(3.0 / 255.0));
  EXPECT_EQ(p.zero_point, 127);
}

TEST(Params, DegenerateRanges) {
  // All zeros and no data: scale 1, zero point qmin.
  Params32 p = params_f32({0.0f, -0.0f, 0.0f}, NIBBLE_QTYPE_I8);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, -128);
  p = params_f32({}, NIBBLE_QTYPE_U4);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
  // A range whose scale would be subnormal: the smallest normal float.
  p = params_f32({0.0f, 1e-44f}, NIBBLE_QTYPE_U8);
  EXPECT_EQ(p.scale, FLT_MIN);
  EXPECT_EQ(p.zero_point, 0);
}

TEST(Params, SixtyFourBitTypes) {
  double scale = 0;
  int64_t zp = 0;
  // i64 [-1, 1]: (qmax - qmin) is 2^64 in double, scale 2^-63, zero point 0.
  const double symmetric[] = {-1.0, 1.0};
  ASSERT_EQ(nibble_quant_params_f64(nullptr, symmetric, 2, NIBBLE_QTYPE_I64, &scale, &zp, nullptr), NIBBLE_OK);
  EXPECT_EQ(scale, std::ldexp(1.0, -63));
  EXPECT_EQ(zp, 0);
  // u64 with negative data wants a zero point of 2^64 - 1: it stops at
  // INT64_MAX (zero points are int64_t).
  const double negative[] = {-5.0, -1.0};
  ASSERT_EQ(nibble_quant_params_f64(nullptr, negative, 2, NIBBLE_QTYPE_U64, &scale, &zp, nullptr), NIBBLE_OK);
  EXPECT_EQ(zp, INT64_MAX);
  // f64 data spanning nearly all doubles: (hi - lo) overflows, the scale
  // is still finite.
  const double huge[] = {-DBL_MAX, DBL_MAX};
  ASSERT_EQ(nibble_quant_params_f64(nullptr, huge, 2, NIBBLE_QTYPE_U8, &scale, &zp, nullptr), NIBBLE_OK);
  EXPECT_TRUE(std::isfinite(scale));
  EXPECT_GT(scale, 0);
}

TEST(Params, RoundTripErrorIsAtMostHalfAStep) {
  // The pi-quant example: params, quantize, dequantize; every value within
  // scale / 2 (plus float rounding) of the original.
  const size_t n = 1000;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = std::sin(static_cast<float>(i)) * 3.0f + 0.5f;
  for (nibble_qtype type : {NIBBLE_QTYPE_U4, NIBBLE_QTYPE_I4, NIBBLE_QTYPE_U8, NIBBLE_QTYPE_I8, NIBBLE_QTYPE_I16}) {
    const Params32 p = params_f32(x, type);
    std::vector<uint8_t> q(n * 2);
    std::vector<float> back(n);
    ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, q.data(), type, p.scale, p.zero_point, NIBBLE_ROUND_NEAREST, 0,
                                  nullptr),
              NIBBLE_OK);
    ASSERT_EQ(nibble_dequantize_f32(nullptr, q.data(), n, type, p.scale, p.zero_point, back.data(), NIBBLE_STORE_SET,
                                    nullptr),
              NIBBLE_OK);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LE(std::fabs(back[i] - x[i]), p.scale * 0.5f + 1e-5f) << "type " << type << " i " << i;
    }
  }
}

TEST(Params, PerChannelMatchesPerTensorOfEachChannel) {
  // [3, 5]: each channel's parameters are those of its own data.
  const std::vector<float> x = {-1, 0,  1,  0.5f,  0.25f,  // [-1, 1]
                                0,  1,  2,  0.5f,  1.5f,   // [0, 2]
                                -3, -2, -1, -1.5f, -2.5f};
  float scales[3];
  int64_t zps[3];
  ASSERT_EQ(nibble_quant_params_per_channel_f32(nullptr, x.data(), 3, 5, NIBBLE_QTYPE_U8, scales, zps, nullptr),
            NIBBLE_OK);
  for (int c = 0; c < 3; ++c) {
    const Params32 p = params_f32(std::vector<float>(x.begin() + 5 * c, x.begin() + 5 * c + 5), NIBBLE_QTYPE_U8);
    EXPECT_EQ(scales[c], p.scale) << c;
    EXPECT_EQ(zps[c], p.zero_point) << c;
  }
  EXPECT_EQ(zps[0], 127);
  EXPECT_EQ(zps[1], 0);
  EXPECT_EQ(zps[2], 255);
  // f64, one channel (spread over threads) and many.
  std::vector<double> xd(4 * 50000);
  for (size_t i = 0; i < xd.size(); ++i) xd[i] = std::cos(static_cast<double>(i) * 0.01) * (1.0 + i / 50000);
  nibble_quant_context* ctx = nullptr;
  ASSERT_EQ(nibble_quant_context_create(2, &ctx, nullptr), NIBBLE_OK);
  double sd[4];
  int64_t zd[4];
  ASSERT_EQ(nibble_quant_params_per_channel_f64(ctx, xd.data(), 4, 50000, NIBBLE_QTYPE_I8, sd, zd, nullptr), NIBBLE_OK);
  for (int c = 0; c < 4; ++c) {
    double s1 = 0;
    int64_t z1 = 0;
    ASSERT_EQ(
        nibble_quant_params_per_channel_f64(ctx, xd.data() + 50000 * c, 1, 50000, NIBBLE_QTYPE_I8, &s1, &z1, nullptr),
        NIBBLE_OK);
    EXPECT_EQ(sd[c], s1) << c;
    EXPECT_EQ(zd[c], z1) << c;
  }
  nibble_quant_context_destroy(ctx);
}

TEST(Params, NonFiniteDataIsAnError) {
  float scale = 0;
  int64_t zp = 0;
  nibble_error error{};
  const float with_nan[] = {1, NAN, 2};
  EXPECT_EQ(nibble_quant_params_f32(nullptr, with_nan, 3, NIBBLE_QTYPE_U8, &scale, &zp, &error),
            NIBBLE_INVALID_ARGUMENT);
  EXPECT_EQ(error.status, NIBBLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("NaN"), std::string::npos) << error.message;
  const float with_inf[] = {1, -INFINITY};
  EXPECT_EQ(nibble_quant_params_f32(nullptr, with_inf, 2, NIBBLE_QTYPE_U8, &scale, &zp, &error),
            NIBBLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("infinity"), std::string::npos) << error.message;
  // Per channel: the message names the first bad channel.
  const float channels[] = {1, 2, 3, 4, INFINITY, 6, NAN, 8, 9};
  float scales[3];
  int64_t zps[3];
  EXPECT_EQ(nibble_quant_params_per_channel_f32(nullptr, channels, 3, 3, NIBBLE_QTYPE_U8, scales, zps, &error),
            NIBBLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.message).find("channel 1 contains infinity"), std::string::npos) << error.message;
}

}  // namespace
