// Every level x every format against the scalar reference (codec::
// decode_range, the definition), on random data with K not a multiple of
// 32, 16 or 8 where the format allows, and across the kernels' 4096-column
// chunks.
//
// Tolerance: the reference sums bias + w_k x_k in column order, one
// rounding per operation; a SIMD kernel sums the same terms in another
// order (per lane, with FMA, a group's products before its scale). Each
// result is within gamma_{K+3} * S of the exact sum, S = |bias| +
// sum_k |w_k x_k| (Higham, Accuracy and Stability, 3.1: a K-term sum in any
// order, plus the rounding of the product and of the scale applied to a
// group's partial sum), gamma_n ~ n u with u = FLT_EPSILON / 2. Two such
// results differ by at most 2 (K + 3) u S = (K + 3) FLT_EPSILON S; the
// test allows (K + 8) FLT_EPSILON S. That bound grows with K, so a single
// wrong weight out of thousands could hide under it: the one-hot test
// below checks every weight exactly.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "codec/decode_range.h"
#include "gemv_cases.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

// 600: not a multiple of the 256- and 512-code blocks of 2- and 1-bit codes.
const int64_t kCols[] = {16, 48, 80, 144, 200, 600, 768, 4500};  // 4500: two chunks, the second one short
const int64_t kRowCounts[] = {1, 2, 3, 17, 64};  // 1..3: fewer than a row block

// S of every row: |bias| + sum |w x|, in double from the decoded weights.
std::vector<double> magnitudes(const codec::PackedWeights& w, const std::vector<float>& x,
                               const std::vector<float>& bias) {
  std::vector<double> s(static_cast<size_t>(w.layout.rows));
  std::vector<float> row(static_cast<size_t>(w.layout.cols));
  for (int64_t r = 0; r < w.layout.rows; ++r) {
    codec::decode_range(w, r, 0, w.layout.cols, row.data());
    double sum = std::fabs(bias[r]);
    for (int64_t c = 0; c < w.layout.cols; ++c) sum += std::fabs(static_cast<double>(row[c]) * x[c]);
    s[r] = sum;
  }
  return s;
}

TEST(GemvAccuracy, EveryLevelAndFormatMatchesTheReference) {
  const std::vector<Isa> levels = available_levels();
  int checked = 0;
  for (const FormatCase& f : kFormats) {
    for (int64_t cols : kCols) {
      for (int64_t rows : kRowCounts) {
        if (cols == 4500 && rows > 3) continue;  // the long rows need few of them
        const uint32_t seed = static_cast<uint32_t>(cols * 131 + rows);
        const Encoded e = encode_case(f, rows, cols, seed);
        const codec::PackedWeights w = e.packed();
        const std::vector<float> x = random_vector(cols, seed + 7);
        const std::vector<float> bias = random_vector(rows, seed + 9);
        std::vector<float> expected(static_cast<size_t>(rows));
        ASSERT_TRUE(gemv_on(Isa::kScalar, w, x.data(), bias.data(), expected.data(), 0, rows));
        const std::vector<double> s = magnitudes(w, x, bias);
        for (Isa isa : levels) {
          std::vector<float> y(static_cast<size_t>(rows), NAN);
          ASSERT_TRUE(gemv_on(isa, w, x.data(), bias.data(), y.data(), 0, rows));
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_GT(s[r], 0.0);
            const double tolerance = static_cast<double>(cols + 8) * FLT_EPSILON * s[r];
            ASSERT_NEAR(y[r], expected[r], tolerance)
                << f.name << " on " << isa_name(isa) << ", K = " << cols << ", N = " << rows << ", row " << r;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0);
}

// Without bias too (null), and the reference LINEAR's order: the scalar
// level starts from 0.
TEST(GemvAccuracy, NullBiasMeansZero) {
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, 5, 200, 3);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(200, 4);
    const std::vector<float> zeros(5, 0.0f);
    for (Isa isa : available_levels()) {
      std::vector<float> with_zeros(5), with_null(5);
      ASSERT_TRUE(gemv_on(isa, w, x.data(), zeros.data(), with_zeros.data(), 0, 5));
      ASSERT_TRUE(gemv_on(isa, w, x.data(), nullptr, with_null.data(), 0, 5));
      for (int r = 0; r < 5; ++r) ASSERT_EQ(with_zeros[r], with_null[r]) << f.name << " " << isa_name(isa);
    }
  }
}

// x = e_c (one-hot) makes y[r] = w[r, c] with a single rounding on every
// level (the value times the scale; zeros elsewhere), so each weight,
// every lane permutation, tail and chunk boundary is checked exactly.
TEST(GemvAccuracy, OneHotInputsGiveEachWeightExactly) {
  for (const FormatCase& f : kFormats) {
    if (!f.simd) continue;
    for (int64_t cols : {int64_t{37}, int64_t{200}, int64_t{4500}}) {
      const int64_t rows = 5;
      const Encoded e = encode_case(f, rows, cols, static_cast<uint32_t>(cols));
      const codec::PackedWeights w = e.packed();
      std::vector<float> decoded(static_cast<size_t>(rows * cols));
      for (int64_t r = 0; r < rows; ++r) codec::decode_range(w, r, 0, cols, decoded.data() + r * cols);
      std::vector<float> x(static_cast<size_t>(cols), 0.0f);
      for (Isa isa : available_levels()) {
        if (isa == Isa::kScalar) continue;  // the definition itself
        for (int64_t c = 0; c < cols; ++c) {
          x[c] = 1.0f;
          std::vector<float> y(static_cast<size_t>(rows));
          ASSERT_TRUE(gemv_on(isa, w, x.data(), nullptr, y.data(), 0, rows));
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_EQ(y[r], decoded[r * cols + c]) << f.name << " on " << isa_name(isa) << ": w[" << r << ", " << c
                                                   << "] of " << rows << " x " << cols;
          }
          x[c] = 0.0f;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
