// Shared by the GEMM and Conv2d tests: the tolerance between a SIMD level
// and the reference, and random data.
//
// The reference sums bias + a_k w_k in k order, one rounding per
// operation; the SIMD kernels sum the same terms in the same order with
// FMA (one rounding fewer per term). Each result is within gamma_{K+1} * S
// of the exact sum, S = |bias| + sum_k |a_k w_k| (Higham 3.1), so two
// differ by at most 2 (K + 1) u S = (K + 1) FLT_EPSILON S; allow
// (K + 4) FLT_EPSILON S.
#pragma once

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <vector>

#include "gemv_cases.h"  // tests/gemv: kFormats, encode_case, available_levels

namespace nibble::gemm::testing_support {

inline bool within(float got, float want, double magnitude, int64_t k) {
  if (std::isnan(want)) return std::isnan(got);
  return std::fabs(static_cast<double>(got) - want) <= (k + 4) * FLT_EPSILON * magnitude + 1e-30;
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace nibble::gemm::testing_support
