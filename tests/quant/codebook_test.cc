#include "converter/quant/codebook.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "codec/half.h"
#include "converter/convert.h"
#include "converter/quant/error_stats.h"
#include "gtest/gtest.h"
#include "random_data.h"

namespace nibble::convert::quant {
namespace {

using testing::gaussian_vector;

constexpr int64_t kRows = 256, kCols = 1024;

float f16_round(float s) { return codec::f16_to_f32(codec::f32_to_f16(s)); }

// Uniform baselines with the same groups and fp16 scales, `bits` bits:
//   plain absmax: d = absmax / (2^(bits-1) - 1), codes -(2^(bits-1)-1) ..
//     2^(bits-1) - 1 (a symmetric integer quantizer);
//   ggml q4_0's rule (generalised): d = (the signed largest-magnitude
//     weight) / -2^(bits-1), codes -2^(bits-1) .. 2^(bits-1) - 1: the sign
//     of d puts the extreme on the extra negative level, a trick a positive
//     per-group scale cannot play.
std::vector<float> uniform_roundtrip(const std::vector<float>& w, int64_t group, int bits, bool ggml_signed_scale) {
  const int half = 1 << (bits - 1);
  const float lowest = ggml_signed_scale ? -static_cast<float>(half) : -static_cast<float>(half - 1);
  std::vector<float> out(w.size());
  for (size_t start = 0; start < w.size(); start += static_cast<size_t>(group)) {
    float extreme = 0;
    for (size_t i = start; i < start + group; ++i) {
      if (std::fabs(w[i]) > std::fabs(extreme)) extreme = w[i];
    }
    const float d = f16_round(ggml_signed_scale ? extreme / -half : std::fabs(extreme) / (half - 1));
    for (size_t i = start; i < start + group; ++i) {
      const float q = d == 0 ? 0 : std::min(std::max(std::nearbyint(w[i] / d), lowest), static_cast<float>(half - 1));
      out[i] = q * d;
    }
  }
  return out;
}

double snr_db(const std::vector<float>& w, const std::vector<float>& approx) {
  return measure_error(w.data(), approx.data(), w.size()).snr_db();
}

std::vector<float> roundtrip(const std::vector<float>& w, int64_t rows, int64_t cols, const Codebook& cb,
                             int64_t group_size) {
  std::vector<float> out(w.size());
  dequantize_with_codebook(w.data(), rows, cols, cb, group_size, out.data());
  return out;
}

void expect_valid(const Codebook& cb, int bits, size_t num_scales, bool f16) {
  ASSERT_EQ(cb.table.size(), size_t{1} << bits);
  EXPECT_TRUE(std::is_sorted(cb.table.begin(), cb.table.end()));
  ASSERT_EQ(cb.scales.size(), num_scales);
  for (float s : cb.scales) {
    ASSERT_TRUE(s > 0 && std::isfinite(s)) << s;
    if (f16) {
      ASSERT_EQ(f16_round(s), s) << "scale not fp16-exact";
    }
  }
}

TEST(Codebook, BeatsUniformAbsmaxAt4Bits) {
  const std::vector<float> w = gaussian_vector(kRows * kCols, 21);
  CodebookOptions options;  // 4 bits, group 32, fp16 scales
  const Codebook cb = learn_codebook(w.data(), kRows, kCols, options);
  expect_valid(cb, 4, kRows * kCols / 32, true);
  // Measured: learned 22.3 dB, plain absmax 20.3 dB, q4_0's rule 21.3 dB.
  const double learned = snr_db(w, roundtrip(w, kRows, kCols, cb, 32));
  const double uniform = snr_db(w, uniform_roundtrip(w, 32, 4, false));
  const double q4_0 = snr_db(w, uniform_roundtrip(w, 32, 4, true));
  EXPECT_GE(learned, uniform + 1.0) << "learned " << learned << " dB, uniform " << uniform << " dB";
  EXPECT_GE(learned, q4_0 + 0.5) << "learned " << learned << " dB, q4_0 " << q4_0 << " dB";
  // The reported MSE is the one of the stored codebook.
  const ErrorStats e = measure_error(w.data(), roundtrip(w, kRows, kCols, cb, 32).data(), w.size());
  EXPECT_NEAR(cb.weighted_mse, e.sum_sq_error / static_cast<double>(e.count), 1e-9);
  EXPECT_NEAR(cb.weighted_mse, codebook_weighted_mse(w.data(), kRows, kCols, cb, 32, nullptr), 1e-12);
}

TEST(Codebook, BeatsUniformAbsmaxAt3Bits) {
  const std::vector<float> w = gaussian_vector(kRows * kCols, 22);
  CodebookOptions options;
  options.bits = 3;
  const Codebook cb = learn_codebook(w.data(), kRows, kCols, options);
  expect_valid(cb, 3, kRows * kCols / 32, true);
  // Measured: learned 16.0 dB, plain absmax 12.9 dB, q4_0's rule 15.2 dB.
  const double learned = snr_db(w, roundtrip(w, kRows, kCols, cb, 32));
  const double uniform = snr_db(w, uniform_roundtrip(w, 32, 3, false));
  const double q3_0 = snr_db(w, uniform_roundtrip(w, 32, 3, true));
  EXPECT_GE(learned, uniform + 1.0) << "learned " << learned << " dB, uniform " << uniform << " dB";
  EXPECT_GE(learned, q3_0 + 0.5) << "learned " << learned << " dB, q4_0's rule at 3 bits " << q3_0 << " dB";
}

TEST(Codebook, IterationsAndScaleSearchHelp) {
  const std::vector<float> w = gaussian_vector(64 * 512, 23);
  CodebookOptions options;
  options.iterations = 0;
  const double initial = learn_codebook(w.data(), 64, 512, options).weighted_mse;
  options.iterations = 12;
  options.search_scales = false;
  const double lloyd = learn_codebook(w.data(), 64, 512, options).weighted_mse;
  options.search_scales = true;
  const double full = learn_codebook(w.data(), 64, 512, options).weighted_mse;
  EXPECT_LT(lloyd, initial);
  EXPECT_LT(full, lloyd);
}

TEST(Codebook, ImportanceWeightingLowersTheWeightedError) {
  constexpr int64_t rows = 128, cols = 512;
  const std::vector<float> w = gaussian_vector(rows * cols, 24);
  // A few input channels matter far more (as E[x^2] does with outlier
  // activations): 1 in 8 columns weighs 1000, the rest 1.
  std::vector<float> importance(cols);
  for (int64_t k = 0; k < cols; ++k) importance[k] = k % 8 == 3 ? 1000.0f : 1.0f;
  CodebookOptions options;
  options.bits = 3;
  const Codebook plain = learn_codebook(w.data(), rows, cols, options);
  options.column_importance = importance.data();
  const Codebook weighted = learn_codebook(w.data(), rows, cols, options);
  expect_valid(weighted, 3, rows * cols / 32, true);
  const double plain_weighted_error = codebook_weighted_mse(w.data(), rows, cols, plain, 32, importance.data());
  EXPECT_NEAR(weighted.weighted_mse, codebook_weighted_mse(w.data(), rows, cols, weighted, 32, importance.data()),
              1e-12);
  EXPECT_LT(weighted.weighted_mse, 0.8 * plain_weighted_error)
      << "weighted " << weighted.weighted_mse << ", unweighted " << plain_weighted_error;
  // All-zero importance means uniform.
  std::vector<float> zeros(cols, 0.0f);
  options.column_importance = zeros.data();
  EXPECT_EQ(learn_codebook(w.data(), rows, cols, options).weighted_mse, plain.weighted_mse);
}

TEST(Codebook, PerRowScalesAndPartialGroups) {
  constexpr int64_t rows = 16, cols = 100;  // 100 = 3 groups of 32 and one of 4
  const std::vector<float> w = gaussian_vector(rows * cols, 25, 0.05);
  CodebookOptions options;
  const Codebook grouped = learn_codebook(w.data(), rows, cols, options);
  expect_valid(grouped, 4, rows * 4, true);
  EXPECT_EQ(codebook_groups_per_row(cols, 32), 4);
  EXPECT_GT(snr_db(w, roundtrip(w, rows, cols, grouped, 32)), 18.0);
  options.group_size = 0;
  const Codebook per_row = learn_codebook(w.data(), rows, cols, options);
  expect_valid(per_row, 4, rows, true);
  EXPECT_GT(snr_db(w, roundtrip(w, rows, cols, per_row, 0)), 15.0);
  options.scale_type = codec::ScaleType::kF32;
  options.bits = 2;
  expect_valid(learn_codebook(w.data(), rows, cols, options), 2, rows, false);
}

TEST(Codebook, HighBitsAndOneBit) {
  const std::vector<float> w = gaussian_vector(32 * 256, 26);
  CodebookOptions options;
  options.bits = 8;
  const Codebook eight = learn_codebook(w.data(), 32, 256, options);
  expect_valid(eight, 8, 32 * 8, true);
  EXPECT_GT(snr_db(w, roundtrip(w, 32, 256, eight, 32)), 40.0);
  options.bits = 1;
  const Codebook one = learn_codebook(w.data(), 32, 256, options);
  expect_valid(one, 1, 32 * 8, true);
  EXPECT_LT(one.table[0], 0.0f);
  EXPECT_GT(one.table[1], 0.0f);
  EXPECT_GT(snr_db(w, roundtrip(w, 32, 256, one, 32)), 3.0);  // sign * mean |w| reaches ~4.4 dB
}

TEST(Codebook, ZeroGroupsAndConstantData) {
  std::vector<float> w = gaussian_vector(8 * 64, 27);
  std::fill(w.begin(), w.begin() + 64, 0.0f);  // row 0: two all-zero groups
  const Codebook cb = learn_codebook(w.data(), 8, 64, CodebookOptions{});
  expect_valid(cb, 4, 16, true);
  const std::vector<float> out = roundtrip(w, 8, 64, cb, 32);
  for (int i = 0; i < 64; ++i) ASSERT_LT(std::fabs(out[i]), 1e-6f);
  const std::vector<float> zeros(4 * 32, 0.0f);
  const Codebook z = learn_codebook(zeros.data(), 4, 32, CodebookOptions{});
  expect_valid(z, 4, 4, true);
  EXPECT_LT(z.weighted_mse, 1e-12);
}

TEST(Codebook, SameSeedSameResult) {
  const std::vector<float> w = gaussian_vector(300 * 300, 28);  // > the 65536-weight init sample
  const Codebook a = learn_codebook(w.data(), 300, 300, CodebookOptions{});
  const Codebook b = learn_codebook(w.data(), 300, 300, CodebookOptions{});
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.scales, b.scales);
}

TEST(Codebook, NearestEntryTiesGoLow) {
  const std::vector<float> table = {-1.0f, 0.0f, 0.5f, 2.0f};
  EXPECT_EQ(nearest_table_entry(table, -5.0f), 0);
  EXPECT_EQ(nearest_table_entry(table, 0.25f), 1);  // tie between 0 and 0.5
  EXPECT_EQ(nearest_table_entry(table, 0.26f), 2);
  EXPECT_EQ(nearest_table_entry(table, 1.25f), 2);  // tie between 0.5 and 2
  EXPECT_EQ(nearest_table_entry(table, 9.0f), 3);
}

TEST(Codebook, RejectsBadInput) {
  const std::vector<float> w = gaussian_vector(4 * 32, 29);
  CodebookOptions options;
  for (int bits : {0, 10}) {
    options.bits = bits;
    EXPECT_THROW(learn_codebook(w.data(), 4, 32, options), Error) << bits;
  }
  options = CodebookOptions{};
  options.group_size = -1;
  EXPECT_THROW(learn_codebook(w.data(), 4, 32, options), Error);
  options = CodebookOptions{};
  options.iterations = -1;
  EXPECT_THROW(learn_codebook(w.data(), 4, 32, options), Error);
  EXPECT_THROW(learn_codebook(w.data(), 0, 32, CodebookOptions{}), Error);
  EXPECT_THROW(learn_codebook(nullptr, 4, 32, CodebookOptions{}), Error);
  std::vector<float> bad = w;
  bad[17] = NAN;
  EXPECT_THROW(learn_codebook(bad.data(), 4, 32, CodebookOptions{}), Error);
  std::vector<float> importance(32, 1.0f);
  importance[3] = -1;
  options = CodebookOptions{};
  options.column_importance = importance.data();
  EXPECT_THROW(learn_codebook(w.data(), 4, 32, options), Error);
  bad = w;
  bad[5] = 1e6f;  // its scale overflows fp16
  EXPECT_THROW(learn_codebook(bad.data(), 4, 32, CodebookOptions{}), Error);
  options = CodebookOptions{};
  options.scale_type = codec::ScaleType::kF32;
  EXPECT_NO_THROW(learn_codebook(bad.data(), 4, 32, options));
}

}  // namespace
}  // namespace nibble::convert::quant
