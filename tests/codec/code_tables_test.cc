// The non-uniform codes (codec/code_tables.h): tables and encoders of
// pqnt, lsq and log2 against hand-computed values and the seed formulas,
// and nearest-entry encoding (linear definition vs the sorted index).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "codec/code_tables.h"

namespace nibble::codec {
namespace {

std::vector<float> table_of(int bits) { return std::vector<float>(size_t{1} << bits, -999.0f); }

// ---------------------------------------------------------------- lsq

TEST(Lsq, TableByHand) {
  // bits = C = 8: B = 7, code = n << 7 | m, value (-1)^n log2(m) / 7.
  std::vector<float> t = table_of(8);
  ASSERT_TRUE(build_lsq_table(8, t.data()));
  EXPECT_FLOAT_EQ(t[11], static_cast<float>(std::log2(11.0) / 7));
  EXPECT_FLOAT_EQ(t[128 | 11], -static_cast<float>(std::log2(11.0) / 7));
  EXPECT_FLOAT_EQ(t[127], static_cast<float>(std::log2(127.0) / 7));
  EXPECT_EQ(t[2], 1.0f / 7.0f);
  // m = 0 (never produced) and m = 1 are zero, +0 even with the sign bit.
  for (int code : {0, 1, 128, 129}) {
    EXPECT_EQ(t[code], 0.0f) << code;
    EXPECT_FALSE(std::signbit(t[code])) << code;
  }
}

TEST(Lsq, EncodeBySeedFormulaByHand) {
  // B = 7, v = 0.5: m = round(2^3.5) = round(11.31) = 11.
  EXPECT_EQ(encode_lsq(0.5f, 8, nullptr), 11);
  EXPECT_EQ(encode_lsq(-0.5f, 8, nullptr), 128 | 11);
  // v = 1: m = 2^7 = 128, clamped to 127; |v| > 1 is clamped to 1 first.
  EXPECT_EQ(encode_lsq(1.0f, 8, nullptr), 127);
  EXPECT_EQ(encode_lsq(5.0f, 8, nullptr), 127);
  EXPECT_EQ(encode_lsq(-5.0f, 8, nullptr), 128 | 127);
  // v = 0: m = 1 (the clamp keeps m >= 1); a tiny negative keeps its sign bit
  // but decodes to zero all the same.
  EXPECT_EQ(encode_lsq(0.0f, 8, nullptr), 1);
  EXPECT_EQ(encode_lsq(-1e-9f, 8, nullptr), 128 | 1);
  // B = 2 (bits 3), v = 0.25: 2^0.5 = 1.41 -> m = 1; v = 0.75: 2^1.5 = 2.83 -> 3.
  EXPECT_EQ(encode_lsq(0.25f, 3, nullptr), 1);
  EXPECT_EQ(encode_lsq(0.75f, 3, nullptr), 3);
}

TEST(Lsq, DecodeMatchesSeedFormula) {
  // The seed: v = x / absmax in [-1, 1], m = clamp(round(2^(B|v|)), 1,
  // 2^B - 1), x^ = sign(v) log2(m) / B, here computed in double.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (int bits = 2; bits <= 9; ++bits) {
    const int b = bits - 1;
    std::vector<float> t = table_of(bits);
    ASSERT_TRUE(build_lsq_table(bits, t.data()));
    for (int i = 0; i < 2000; ++i) {
      const float v = static_cast<float>(uniform(rng));
      double m = std::nearbyint(std::exp2(b * std::fabs(static_cast<double>(v))));
      m = std::fmin(std::fmax(m, 1.0), (1 << b) - 1.0);
      const double expected = (v < 0 ? -1.0 : 1.0) * std::log2(m) / b;
      EXPECT_NEAR(t[encode_lsq(v, bits, nullptr)], expected, 1e-6) << "bits " << bits << " v " << v;
    }
  }
}

// --------------------------------------------------------------- pqnt

TEST(Pqnt, TableByHand) {
  // bits 4, p = 0.5: Q = 7, code = q + 8, value sign(q)|q|^2.
  std::vector<float> t = table_of(4);
  ASSERT_TRUE(build_pqnt_table(4, 0.5f, t.data()));
  EXPECT_EQ(t[8], 0.0f);
  EXPECT_EQ(t[9], 1.0f);
  EXPECT_EQ(t[10], 4.0f);
  EXPECT_EQ(t[15], 49.0f);
  EXPECT_EQ(t[1], -49.0f);
  EXPECT_EQ(t[0], -64.0f);  // q = -8, never produced
  EXPECT_FLOAT_EQ(pqnt_max_level(4, 0.5f), 49.0f);
  EXPECT_FLOAT_EQ(pqnt_max_level(8, 2.0f), std::sqrt(127.0f));
}

TEST(Pqnt, EncodeByHand) {
  // q = round(sign(v)|v|^0.5), ties to even, clamped to [-7, 7].
  EXPECT_EQ(encode_pqnt(4.0f, 4, 0.5f, nullptr), 10);    // 2
  EXPECT_EQ(encode_pqnt(2.25f, 4, 0.5f, nullptr), 10);   // 1.5 -> 2
  EXPECT_EQ(encode_pqnt(6.25f, 4, 0.5f, nullptr), 10);   // 2.5 -> 2
  EXPECT_EQ(encode_pqnt(12.25f, 4, 0.5f, nullptr), 12);  // 3.5 -> 4
  EXPECT_EQ(encode_pqnt(-6.25f, 4, 0.5f, nullptr), 6);   // -2.5 -> -2
  EXPECT_EQ(encode_pqnt(-100.0f, 4, 0.5f, nullptr), 1);  // -10 -> -7
  EXPECT_EQ(encode_pqnt(0.0f, 4, 0.5f, nullptr), 8);
  EXPECT_EQ(encode_pqnt(NAN, 4, 0.5f, nullptr), 8);
}

TEST(Pqnt, DecodeMatchesSeedFormula) {
  // The seed on a weight vector x: t = sign(x)|x|^p, s = max|t| / Q,
  // q = round(t / s), x^ = sign(q s)|q s|^(1/p), in double. nibble stores
  // S = s^(1/p) as the scale and decodes S * table[code].
  for (float p : {0.5f, 0.75f, 2.0f}) {
    for (int bits : {3, 4, 6, 8}) {
      SCOPED_TRACE(testing::Message() << "p " << p << " bits " << bits);
      std::mt19937 rng(11);
      std::normal_distribution<double> normal(0.0, 0.05);
      std::vector<double> x(1000);
      for (double& v : x) v = normal(rng);
      const double q_max = (1 << (bits - 1)) - 1;
      double t_max = 0;
      for (double v : x) t_max = std::fmax(t_max, std::pow(std::fabs(v), p));
      const double s = t_max / q_max;
      const float scale = static_cast<float>(std::pow(s, 1.0 / p));

      std::vector<float> table = table_of(bits);
      ASSERT_TRUE(build_pqnt_table(bits, p, table.data()));
      int compared = 0;
      for (double v : x) {
        const double t = std::copysign(std::pow(std::fabs(v), p), v) / s;
        // A t within 1e-4 of a rounding boundary may round either way in
        // float; those few are not the formula's business.
        if (std::fabs(std::fabs(t - std::floor(t)) - 0.5) < 1e-4) continue;
        const double q = std::nearbyint(t);
        const double expected = std::copysign(std::pow(std::fabs(q * s), 1.0 / p), q);
        const float decoded = scale * table[encode_pqnt(static_cast<float>(v) / scale, bits, p, nullptr)];
        EXPECT_NEAR(decoded, expected, 1e-6 * std::fmax(std::fabs(expected), 1e-30)) << "x " << v;
        ++compared;
      }
      EXPECT_GT(compared, 990);
    }
  }
}

TEST(Pqnt, StochasticRoundingIsUnbiasedInThePowerDomain) {
  // v = 2.3^2 with p = 0.5: t = 2.3, so q is 2 or 3 and averages 2.3.
  // Standard error 0.46 / sqrt(1e5) = 0.0015; 0.01 is > 6 sigma.
  Rounder rounder(RoundingMode::kStochastic, 99);
  double sum = 0;
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) {
    const int q = encode_pqnt(2.3f * 2.3f, 4, 0.5f, &rounder) - 8;
    ASSERT_TRUE(q == 2 || q == 3);
    sum += q;
  }
  EXPECT_NEAR(sum / draws, 2.3, 0.01);
}

// --------------------------------------------------------------- log2

TEST(Log2, TableByHand) {
  // bits 4, r = 2: code = sign << 3 | mag; mag = 1 + k, |v| = 2^(-k/2),
  // k = 0..6.
  std::vector<float> t = table_of(4);
  ASSERT_TRUE(build_log2_table(4, 2.0f, t.data()));
  EXPECT_EQ(t[0], 0.0f);
  EXPECT_EQ(t[1], 1.0f);
  EXPECT_FLOAT_EQ(t[2], static_cast<float>(std::sqrt(0.5)));
  EXPECT_EQ(t[3], 0.5f);
  EXPECT_EQ(t[7], 0.125f);
  EXPECT_EQ(t[8], 0.0f);  // the sign-bit zero is +0
  EXPECT_FALSE(std::signbit(t[8]));
  EXPECT_EQ(t[9], -1.0f);
  EXPECT_EQ(t[15], -0.125f);
}

TEST(Log2, EncodeByHand) {
  // bits 4, r = 2: k = round(-2 log2|v|) in 0..6; |v| < 0.125 / 2 is zero.
  EXPECT_EQ(encode_log2(0.5f, 4, 2.0f, nullptr), 3);        // k = 2
  EXPECT_EQ(encode_log2(-0.25f, 4, 2.0f, nullptr), 8 | 5);  // k = 4
  EXPECT_EQ(encode_log2(0.6f, 4, 2.0f, nullptr), 2);        // -2 log2 0.6 = 1.47: k = 1
  EXPECT_EQ(encode_log2(0.0625f, 4, 2.0f, nullptr), 7);     // at the threshold: k = 8 -> 6
  EXPECT_EQ(encode_log2(0.06f, 4, 2.0f, nullptr), 0);       // below it: zero
  EXPECT_EQ(encode_log2(3.0f, 4, 2.0f, nullptr), 1);        // k = -3.2 -> 0
  EXPECT_EQ(encode_log2(0.0f, 4, 2.0f, nullptr), 0);
  EXPECT_EQ(encode_log2(-0.0f, 4, 2.0f, nullptr), 0);
  EXPECT_EQ(encode_log2(NAN, 4, 2.0f, nullptr), 0);
  // bits 2: ternary {0, 1, -1}; k_max = 0, zero below 0.5.
  EXPECT_EQ(encode_log2(0.7f, 2, 1.0f, nullptr), 1);
  EXPECT_EQ(encode_log2(-0.7f, 2, 1.0f, nullptr), 3);
  EXPECT_EQ(encode_log2(0.4f, 2, 1.0f, nullptr), 0);
}

// ------------------------------------------------------------ nearest

TEST(Nearest, TiesGoToTheLowerIndex) {
  // Unsorted, with duplicates: 0.5 at 0 and 2, -1 at 1 and 4.
  const float t[8] = {0.5f, -1.0f, 0.5f, 2.0f, -1.0f, 0.0f, 1.0f, 3.0f};
  NearestIndex index;
  ASSERT_TRUE(build_nearest_index(t, 3, &index));
  const struct {
    float v;
    uint16_t code;
  } cases[] = {
      {0.5f, 0},   // duplicate entries: the lower index
      {-1.0f, 1},  //
      {0.25f, 0},  // 0.5 (index 0) and 0.0 (index 5) are equally near
      {0.75f, 0},  // 0.5 (0) and 1.0 (6)
      {1.5f, 3},   // 1.0 (6) and 2.0 (3)
      {-0.5f, 1},  // -1 (1, 4) and 0 (5)
      {10.0f, 7},  //
      {-5.0f, 1},  //
      {0.1f, 5},   //
  };
  for (const auto& c : cases) {
    EXPECT_EQ(encode_nearest(c.v, t, 3), c.code) << c.v;
    EXPECT_EQ(encode_nearest(c.v, index), c.code) << c.v;
  }
}

TEST(Nearest, SortedIndexAgreesWithLinearScan) {
  std::mt19937 rng(5);
  for (int bits = 1; bits <= 9; ++bits) {
    for (int variant = 0; variant < 3; ++variant) {
      const int n = 1 << bits;
      std::vector<float> t(n);
      // 0: distinct reals; 1: a coarse grid (many duplicates, exact ties);
      // 2: sorted descending.
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      std::uniform_int_distribution<int> grid(-4, 4);
      for (int i = 0; i < n; ++i) {
        t[i] = variant == 1 ? 0.25f * static_cast<float>(grid(rng)) : (variant == 2 ? 1.0f - 0.01f * i : uniform(rng));
      }
      NearestIndex index;
      ASSERT_TRUE(build_nearest_index(t.data(), bits, &index));
      std::vector<float> probes = {INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f, -0.0f};
      for (int i = 0; i < n; ++i) {
        probes.push_back(t[i]);
        probes.push_back(t[i] + 0.125f);  // midpoints of the grid
        probes.push_back(std::nextafter(t[i], 2.0f));
      }
      for (int i = 0; i < 2000; ++i) probes.push_back(1.5f * uniform(rng));
      for (float v : probes) {
        ASSERT_EQ(encode_nearest(v, index), encode_nearest(v, t.data(), bits))
            << "bits " << bits << " variant " << variant << " v " << v;
      }
    }
  }
}

// -------------------------------------------------------- parameters

TEST(CodeTables, RejectInvalidParameters) {
  std::vector<float> t = table_of(9);
  for (int bits : {0, 1, 10}) {
    EXPECT_FALSE(build_pqnt_table(bits, 0.5f, t.data())) << bits;
    EXPECT_FALSE(build_lsq_table(bits, t.data())) << bits;
    EXPECT_FALSE(build_log2_table(bits, 2.0f, t.data())) << bits;
  }
  for (float bad : {0.0f, -1.0f, NAN, INFINITY}) {
    EXPECT_FALSE(build_pqnt_table(4, bad, t.data())) << bad;
    EXPECT_FALSE(build_log2_table(4, bad, t.data())) << bad;
    EXPECT_FALSE(valid_table_params(TableKind::kPqnt, 4, bad)) << bad;
  }
  EXPECT_TRUE(valid_table_params(TableKind::kLut, 1, 0.0f));
  EXPECT_FALSE(valid_table_params(TableKind::kLut, 10, 0.0f));
  EXPECT_TRUE(valid_table_params(TableKind::kLsq, 9, 0.0f));
  EXPECT_FALSE(valid_table_params(static_cast<TableKind>(7), 4, 1.0f));
  NearestIndex index;
  const float with_nan[2] = {0.0f, NAN};
  EXPECT_FALSE(build_nearest_index(with_nan, 1, &index));
  EXPECT_FALSE(build_nearest_index(t.data(), 10, &index));
  EXPECT_EQ(pqnt_max_level(1, 0.5f), 0.0f);
}

}  // namespace
}  // namespace nibble::codec
