#include "converter/quant/error_stats.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace nibble::convert::quant {
namespace {

// reference 1 2 3 4, approx 1.5 2 2 4: errors 0.5 0 -1 0.
TEST(ErrorStats, HandComputedVector) {
  const std::vector<float> ref = {1, 2, 3, 4}, approx = {1.5f, 2, 2, 4};
  const ErrorStats s = measure_error(ref.data(), approx.data(), ref.size());
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum_sq_signal, 30.0);
  EXPECT_DOUBLE_EQ(s.sum_sq_error, 1.25);
  EXPECT_DOUBLE_EQ(s.sum_abs_error, 1.5);
  EXPECT_DOUBLE_EQ(s.max_abs_error, 1.0);
  EXPECT_DOUBLE_EQ(s.rmse(), std::sqrt(1.25 / 4));
  EXPECT_DOUBLE_EQ(s.mean_abs(), 0.375);
  EXPECT_NEAR(s.snr_db(), 13.8021124171161, 1e-9);  // 10 log10(30 / 1.25) = 10 log10(24)
}

// x = 10 * (+-1), noise +-1 alternating: signal 100 per value, error 1
// per value, so SNR = 20 dB exactly.
TEST(ErrorStats, SnrOfSignalPlusNoise) {
  std::vector<float> x(1000), noisy(1000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = (i % 3 == 0) ? -10.0f : 10.0f;
    noisy[i] = x[i] + ((i % 2) ? 1.0f : -1.0f);
  }
  const ErrorStats s = measure_error(x.data(), noisy.data(), x.size());
  EXPECT_NEAR(s.snr_db(), 20.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.rmse(), 1.0);
  EXPECT_DOUBLE_EQ(s.max_abs_error, 1.0);
}

TEST(ErrorStats, LosslessAndEmpty) {
  const std::vector<float> x = {0.5f, -2, 3};
  const ErrorStats same = measure_error(x.data(), x.data(), x.size());
  EXPECT_EQ(same.rmse(), 0.0);
  EXPECT_TRUE(std::isinf(same.snr_db()) && same.snr_db() > 0);
  const ErrorStats empty = measure_error(nullptr, nullptr, 0);
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.rmse(), 0.0);
  EXPECT_EQ(empty.mean_abs(), 0.0);
  EXPECT_TRUE(std::isinf(empty.snr_db()));
  // A zero signal with an error has no SNR worth the name: -inf.
  const std::vector<float> zero = {0, 0}, off = {1, 0};
  EXPECT_TRUE(std::isinf(measure_error(zero.data(), off.data(), 2).snr_db()));
  EXPECT_LT(measure_error(zero.data(), off.data(), 2).snr_db(), 0);
}

TEST(ErrorStats, MergeEqualsMeasuringEverything) {
  std::vector<float> ref(101), approx(101);
  for (size_t i = 0; i < ref.size(); ++i) {
    ref[i] = std::sin(0.1f * i) * 3;
    approx[i] = ref[i] + 0.01f * std::cos(0.7f * i) * (i == 77 ? 50 : 1);
  }
  const ErrorStats whole = measure_error(ref.data(), approx.data(), ref.size());
  ErrorStats merged = measure_error(ref.data(), approx.data(), 40);
  merged.merge(measure_error(ref.data() + 40, approx.data() + 40, 61));
  EXPECT_EQ(merged.count, whole.count);
  EXPECT_NEAR(merged.sum_sq_signal, whole.sum_sq_signal, 1e-9);
  EXPECT_NEAR(merged.sum_sq_error, whole.sum_sq_error, 1e-12);
  EXPECT_NEAR(merged.sum_abs_error, whole.sum_abs_error, 1e-12);
  EXPECT_EQ(merged.max_abs_error, whole.max_abs_error);
  EXPECT_NEAR(merged.snr_db(), whole.snr_db(), 1e-9);
  ErrorStats into_empty;
  into_empty.merge(whole);
  EXPECT_EQ(into_empty.max_abs_error, whole.max_abs_error);
  EXPECT_EQ(into_empty.sum_sq_error, whole.sum_sq_error);
}

TEST(ErrorStats, NanIsNotHidden) {
  const std::vector<float> ref = {1, 2, 3}, approx = {1, NAN, 3.5f};
  const ErrorStats s = measure_error(ref.data(), approx.data(), ref.size());
  EXPECT_TRUE(std::isnan(s.rmse()));
  EXPECT_TRUE(std::isnan(s.max_abs_error));
  ErrorStats merged;
  merged.merge(s);
  merged.merge(measure_error(ref.data(), ref.data(), ref.size()));
  EXPECT_TRUE(std::isnan(merged.max_abs_error));
}

}  // namespace
}  // namespace nibble::convert::quant
