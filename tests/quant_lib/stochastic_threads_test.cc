// Stochastic rounding is unbiased and reproducible; every result is
// identical for 1, 2, 3 and 4 threads; contexts report their threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "codec/rounding.h"
#include "nibble/quant.h"
#include "reference.h"
#include "test_data.h"

namespace quant_test {
namespace {

TEST(Stochastic, IsUnbiased) {
  // 200000 draws per value: the standard error of the mean is at most
  // 0.5 / sqrt(2e5) = 0.0011, so a tolerance of 0.01 is about 9 sigma.
  const size_t n = 200000;
  for (float value : {0.3f, 2.75f, -1.2f, 7.5f}) {
    const std::vector<float> x(n, value);
    std::vector<int8_t> q(n);
    ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, q.data(), NIBBLE_QTYPE_I8, 1.0f, 0, NIBBLE_ROUND_STOCHASTIC,
                                  2024, nullptr),
              NIBBLE_OK);
    double sum = 0;
    for (int8_t code : q) {
      ASSERT_TRUE(code == std::floor(value) || code == std::floor(value) + 1) << value << " -> " << int(code);
      sum += code;
    }
    EXPECT_NEAR(sum / n, value, 0.01) << value;
  }
  // f64 too, with a scale: E[dequantize(quantize(x))] = x.
  const std::vector<double> x(n, 0.123);
  std::vector<uint16_t> q(n);
  ASSERT_EQ(nibble_quantize_f64(nullptr, x.data(), n, q.data(), NIBBLE_QTYPE_U16, 0.01, 100, NIBBLE_ROUND_STOCHASTIC, 9,
                                nullptr),
            NIBBLE_OK);
  double sum = 0;
  for (uint16_t code : q) sum += (code - 100) * 0.01;
  EXPECT_NEAR(sum / n, 0.123, 0.0001);
}

TEST(Stochastic, SeedReproducesAndDiffers) {
  const size_t n = 5000;
  const std::vector<float> x(n, 0.5f);
  std::vector<uint8_t> a(n), b(n), c(n);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, a.data(), NIBBLE_QTYPE_U8, 1.0f, 0, NIBBLE_ROUND_STOCHASTIC, 77,
                                nullptr),
            NIBBLE_OK);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, b.data(), NIBBLE_QTYPE_U8, 1.0f, 0, NIBBLE_ROUND_STOCHASTIC, 77,
                                nullptr),
            NIBBLE_OK);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, c.data(), NIBBLE_QTYPE_U8, 1.0f, 0, NIBBLE_ROUND_STOCHASTIC, 78,
                                nullptr),
            NIBBLE_OK);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Stochastic, IsTheCodecRoundersStream) {
  // Element i draws the i-th number of codec::Rounder's splitmix64 stream
  // with the same seed: quantizing x with scale 1 rounds like
  // Rounder::round(x) called for each element in order.
  const size_t n = 3000;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 50) * 0.37f - 9.0f;
  std::vector<int16_t> q(n);
  ASSERT_EQ(nibble_quantize_f32(nullptr, x.data(), n, q.data(), NIBBLE_QTYPE_I16, 1.0f, 0, NIBBLE_ROUND_STOCHASTIC, 555,
                                nullptr),
            NIBBLE_OK);
  nibble::codec::Rounder rounder(nibble::codec::RoundingMode::kStochastic, 555);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(q[i], static_cast<int16_t>(rounder.round(x[i]))) << i;
}

// Everything computed with `threads` threads.
struct Results {
  std::vector<uint8_t> u4_stochastic, i8_nearest, u2_per_channel;
  std::vector<float> dequantized_add;
  float scale = 0;
  int64_t zero_point = 0;
  std::vector<double> channel_scales;
  std::vector<int64_t> channel_zero_points;
};

Results run_with_threads(int threads) {
  nibble_quant_context* ctx = nullptr;
  EXPECT_EQ(nibble_quant_context_create(threads, &ctx, nullptr), NIBBLE_OK);
  int reported = 0;
  EXPECT_EQ(nibble_quant_context_threads(ctx, &reported, nullptr), NIBBLE_OK);
  EXPECT_EQ(reported, threads);
  const TypeSpec& u8 = spec_of(NIBBLE_QTYPE_U8);
  const size_t n = 300001;
  const std::vector<float> x = make_data<float>(n, u8, 0.05f, 128, 5);
  std::vector<float> finite = x;
  for (float& v : finite) v = std::isfinite(v) ? v : 1.0f;
  Results r;
  r.u4_stochastic.resize((n + 1) / 2);
  EXPECT_EQ(nibble_quantize_f32(ctx, x.data(), n, r.u4_stochastic.data(), NIBBLE_QTYPE_U4, 0.7f, 3,
                                NIBBLE_ROUND_STOCHASTIC, 42, nullptr),
            NIBBLE_OK);
  r.i8_nearest.resize(n);
  EXPECT_EQ(nibble_quantize_f32(ctx, x.data(), n, r.i8_nearest.data(), NIBBLE_QTYPE_I8, 0.05f, -3, NIBBLE_ROUND_NEAREST,
                                0, nullptr),
            NIBBLE_OK);
  // [7 channels, 42857]: odd inner, channel starts mid-byte.
  const size_t channels = 7, inner = 42857;
  std::vector<double> xd(channels * inner);
  for (size_t i = 0; i < xd.size(); ++i) xd[i] = std::sin(static_cast<double>(i) * 0.001) * (1 + i % 7);
  r.channel_scales.resize(channels);
  r.channel_zero_points.resize(channels);
  EXPECT_EQ(nibble_quant_params_per_channel_f64(ctx, xd.data(), channels, inner, NIBBLE_QTYPE_U2,
                                                r.channel_scales.data(), r.channel_zero_points.data(), nullptr),
            NIBBLE_OK);
  r.u2_per_channel.resize((channels * inner + 3) / 4);
  EXPECT_EQ(nibble_quantize_per_channel_f64(ctx, xd.data(), channels, inner, r.u2_per_channel.data(), NIBBLE_QTYPE_U2,
                                            r.channel_scales.data(), r.channel_zero_points.data(),
                                            NIBBLE_ROUND_STOCHASTIC, 7, nullptr),
            NIBBLE_OK);
  r.dequantized_add.assign(n, 0.25f);
  EXPECT_EQ(nibble_dequantize_f32(ctx, r.i8_nearest.data(), n, NIBBLE_QTYPE_I8, 0.05f, -3, r.dequantized_add.data(),
                                  NIBBLE_STORE_ADD, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(nibble_quant_params_f32(ctx, finite.data(), n, NIBBLE_QTYPE_I4, &r.scale, &r.zero_point, nullptr),
            NIBBLE_OK);
  nibble_quant_context_destroy(ctx);
  return r;
}

TEST(Threads, ResultsAreIdenticalForOneToFourThreads) {
  const Results one = run_with_threads(1);
  for (int threads = 2; threads <= 4; ++threads) {
    SCOPED_TRACE(threads);
    const Results r = run_with_threads(threads);
    EXPECT_EQ(r.u4_stochastic, one.u4_stochastic);
    EXPECT_EQ(r.i8_nearest, one.i8_nearest);
    EXPECT_EQ(r.u2_per_channel, one.u2_per_channel);
    EXPECT_EQ(0, std::memcmp(r.dequantized_add.data(), one.dequantized_add.data(), one.dequantized_add.size() * 4));
    EXPECT_EQ(r.scale, one.scale);
    EXPECT_EQ(r.zero_point, one.zero_point);
    EXPECT_EQ(r.channel_scales, one.channel_scales);
    EXPECT_EQ(r.channel_zero_points, one.channel_zero_points);
  }
}

TEST(Threads, NullContextIsOneThreadAndZeroMeansOnePerCore) {
  int threads = 0;
  ASSERT_EQ(nibble_quant_context_threads(nullptr, &threads, nullptr), NIBBLE_OK);
  EXPECT_EQ(threads, 1);
  nibble_quant_context* ctx = nullptr;
  ASSERT_EQ(nibble_quant_context_create(0, &ctx, nullptr), NIBBLE_OK);
  ASSERT_EQ(nibble_quant_context_threads(ctx, &threads, nullptr), NIBBLE_OK);
  EXPECT_GE(threads, 1);
  nibble_quant_context_destroy(ctx);
  nibble_quant_context_destroy(nullptr);  // a no-op
}

}  // namespace
}  // namespace quant_test
