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

using gemv::testing_support::FormatCase;

// gemv_cases.h's formats, plus the ones only the GEMM's general code
// decoder handles in SIMD (other bit widths, tables read by gather,
// asymmetric ints per group) and bf16.
inline std::vector<FormatCase> all_formats() {
  using codec::Format;
  using codec::Granularity;
  using codec::ScaleType;
  std::vector<FormatCase> f(std::begin(gemv::testing_support::kFormats), std::end(gemv::testing_support::kFormats));
  const FormatCase extra[] = {
      {"lut6_g32_f16", Format::kTable, 6, Granularity::kGroup, 32, ScaleType::kF16, true, true},
      {"lut5_channel_f32", Format::kTable, 5, Granularity::kChannel, 0, ScaleType::kF32, true, true},
      {"lut8_tensor_e8", Format::kTable, 8, Granularity::kTensor, 0, ScaleType::kE8, true, true},
      {"lut2_g16_e8", Format::kTable, 2, Granularity::kGroup, 16, ScaleType::kE8, true, true},
      {"int3_tensor_f32", Format::kInt, 3, Granularity::kTensor, 0, ScaleType::kF32, true, true},
      {"int5_asym_g16_f16", Format::kInt, 5, Granularity::kGroup, 16, ScaleType::kF16, false, true},
      {"int1_channel_f32", Format::kInt, 1, Granularity::kChannel, 0, ScaleType::kF32, false, true},
      {"lut9_channel_f32", Format::kTable, 9, Granularity::kChannel, 0, ScaleType::kF32, true, false},
      {"bf16", Format::kBF16, 16, Granularity::kChannel, 0, ScaleType::kF32, true, true},
      {"f32", Format::kF32, 32, Granularity::kChannel, 0, ScaleType::kF32, true, true},
      {"q5_1", Format::kQ5_1, 5, Granularity::kChannel, 0, ScaleType::kF32, true, false},
  };
  f.insert(f.end(), std::begin(extra), std::end(extra));
  return f;
}

inline bool within(float got, float want, double magnitude, int64_t k) {
  if (std::isnan(want)) return std::isnan(got);
  return std::fabs(static_cast<double>(got) - want) <= (k + 4) * FLT_EPSILON * magnitude + 1e-30;
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace nibble::gemm::testing_support
