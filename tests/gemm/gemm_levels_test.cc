// Every level x every format of the GEMM against the scalar reference, on
// M = 1..17 and 64, K not a multiple of the panel depth (256) or of 16,
// N smaller than a panel and not a multiple of it; bias and clamp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "codec/decode_range.h"
#include "gemm/gemm.h"
#include "gemm_test_support.h"

namespace nibble::gemm {
namespace {

using gemv::testing_support::available_levels;
using gemv::testing_support::encode_case;
using gemv::testing_support::Encoded;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;
using gemv::testing_support::random_vector;
using testing_support::within;

struct Shape {
  int64_t n, k;
};
const Shape kShapes[] = {{13, 48}, {45, 300}, {70, 600}};

// S per output: |bias[n]| + sum_k |a[i,k] w[n,k]|, in double.
std::vector<double> magnitudes(const codec::PackedWeights& w, const std::vector<float>& a, int64_t m,
                               const std::vector<float>& bias) {
  const int64_t n = w.layout.rows, k = w.layout.cols;
  std::vector<double> s(static_cast<size_t>(m * n));
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t j = 0; j < n; ++j) {
    codec::decode_range(w, j, 0, k, row.data());
    for (int64_t i = 0; i < m; ++i) {
      double sum = std::fabs(bias[j]);
      for (int64_t c = 0; c < k; ++c) sum += std::fabs(static_cast<double>(row[c]) * a[i * k + c]);
      s[i * n + j] = sum;
    }
  }
  return s;
}

TEST(GemmLevels, EveryLevelAndFormatMatchesTheReference) {
  std::vector<int64_t> ms;
  for (int64_t m = 1; m <= 17; ++m) ms.push_back(m);
  ms.push_back(64);
  int checked = 0;
  for (const FormatCase& f : testing_support::all_formats()) {
    for (const Shape& s : kShapes) {
      const uint32_t seed = static_cast<uint32_t>(s.n * 31 + s.k);
      const Encoded enc = encode_case(f, s.n, s.k, seed);
      const codec::PackedWeights w = enc.packed();
      const std::vector<float> a = random_vector(64 * s.k, seed + 1);
      const std::vector<float> bias = random_vector(s.n, seed + 2);
      const std::vector<double> mag = magnitudes(w, a, 64, bias);
      for (int64_t m : ms) {
        Epilogue e;
        e.bias = bias.data();
        std::vector<float> want(static_cast<size_t>(m * s.n));
        gemm_reference(w, a.data(), s.k, m, e, want.data(), s.n, 0, s.n);
        for (Isa isa : available_levels()) {
          std::vector<float> got(want.size(), -1.0f);
          ASSERT_TRUE(gemm_on(isa, w, a.data(), s.k, m, e, got.data(), s.n, 0, s.n));
          for (int64_t i = 0; i < m * s.n; ++i) {
            ASSERT_TRUE(within(got[i], want[i], mag[i], s.k))
                << f.name << " " << isa_name(isa) << " m=" << m << " n=" << s.n << " k=" << s.k << " at " << i
                << ": " << got[i] << " vs " << want[i];
          }
          if (isa == Isa::kScalar) {
            EXPECT_TRUE(testing_support::same_bits(got, want));
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

// lda/ldc larger than the row, no bias, a clamp that bites on both sides.
TEST(GemmLevels, StridesClampAndNoBias) {
  const int64_t m = 11, n = 37, k = 130, lda = 141, ldc = 50;
  for (const FormatCase& f : testing_support::all_formats()) {
    const Encoded enc = encode_case(f, n, k, 5);
    const codec::PackedWeights w = enc.packed();
    const std::vector<float> a = random_vector(m * lda, 6);
    Epilogue e;
    e.min = -0.5f;
    e.max = 0.75f;
    std::vector<float> want(static_cast<size_t>(m * ldc), 7.0f);
    gemm_reference(w, a.data(), lda, m, e, want.data(), ldc, 0, n);
    for (Isa isa : available_levels()) {
      std::vector<float> got(want.size(), 7.0f);
      ASSERT_TRUE(gemm_on(isa, w, a.data(), lda, m, e, got.data(), ldc, 0, n));
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < ldc; ++j) {
          const float g = got[i * ldc + j], r = want[i * ldc + j];
          if (j >= n) {
            ASSERT_EQ(g, 7.0f) << "wrote outside [0, n)";
            continue;
          }
          ASSERT_GE(g, -0.5f);
          ASSERT_LE(g, 0.75f);
          ASSERT_NEAR(g, r, 1e-4f) << f.name << " " << isa_name(isa);
        }
      }
    }
  }
}

// The reference is the plain loop: bias + sum a*w in k order, then clamp.
TEST(GemmReference, EqualsThePlainLoop) {
  const int64_t m = 5, n = 9, k = 700;
  for (const FormatCase& f : testing_support::all_formats()) {
    const Encoded enc = encode_case(f, n, k, 8);
    const codec::PackedWeights w = enc.packed();
    const std::vector<float> a = random_vector(m * k, 9);
    const std::vector<float> bias = random_vector(n, 10);
    Epilogue e;
    e.bias = bias.data();
    e.max = 1.5f;
    std::vector<float> got(static_cast<size_t>(m * n));
    gemm_reference(w, a.data(), k, m, e, got.data(), n, 0, n);
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t j = 0; j < n; ++j) {
      codec::decode_row(w, j, row.data());
      for (int64_t i = 0; i < m; ++i) {
        float acc = bias[j];
        for (int64_t c = 0; c < k; ++c) acc = acc + a[i * k + c] * row[c];
        acc = std::min(acc, 1.5f);
        ASSERT_EQ(got[i * n + j], acc) << f.name;
      }
    }
  }
}

TEST(GemmLevels, UnavailableLevelIsRefused) {
  const FormatCase& f = kFormats[0];
  const Encoded enc = encode_case(f, 4, 32, 1);
  const std::vector<float> a(32, 1.0f);
  std::vector<float> c(4, 3.0f);
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    if (isa_available(isa)) continue;
    EXPECT_FALSE(gemm_on(isa, enc.packed(), a.data(), 32, 1, Epilogue{}, c.data(), 4, 0, 4));
    EXPECT_EQ(c[0], 3.0f);
  }
  EXPECT_EQ(gemm_n_step() % 16, 0);
}

}  // namespace
}  // namespace nibble::gemm
