// The int8-activation GEMM: each row is gemv_q8's definition on that row's
// quantization, then clamped (bit for bit where no SIMD kernel applies;
// within the rounding of another summation order for the VNNI kernel:
// (K + 4) FLT_EPSILON (|bias| + sum_k |w_k d_b q_k|)); any split of N or
// of the rows gives the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "gemm/gemm.h"
#include "gemm_test_support.h"
#include "codec/decode_range.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemm {
namespace {

using gemv::testing_support::available_levels;
using gemv::testing_support::encode_case;
using gemv::testing_support::Encoded;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;
using gemv::testing_support::random_vector;

TEST(GemmQ8, RowsAreTheGemvQ8DefinitionClamped) {
  const int64_t m = 11, n = 21, k = 300;
  int simd = 0;
  for (const FormatCase& f : testing_support::all_formats()) {
    const Encoded enc = encode_case(f, n, k, 31);
    const codec::PackedWeights w = enc.packed();
    const std::vector<float> a = random_vector(m * k, 32);
    const std::vector<float> bias = random_vector(n, 33);
    Epilogue e;
    e.bias = bias.data();
    e.min = -2.0f;
    e.max = 2.0f;
    for (Isa isa : available_levels()) {
      void* ws = std::aligned_alloc(64, (gemm_q8_workspace_bytes(m, k) + 63) / 64 * 64);
      gemm_q8_prepare(isa, a.data(), k, m, k, ws);
      {
        // Prepared in row ranges (as threads would): the same results.
        void* ws2 = std::aligned_alloc(64, (gemm_q8_workspace_bytes(m, k) + 63) / 64 * 64);
        gemm_q8_prepare_rows(isa, a.data(), k, m, k, 4, m, ws2);
        gemm_q8_prepare_rows(isa, a.data(), k, m, k, 0, 4, ws2);
        std::vector<float> c1(static_cast<size_t>(m * n)), c2(c1.size());
        ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, c1.data(), n, 0, n));
        ASSERT_TRUE(gemm_q8_on(isa, w, ws2, m, e, c2.data(), n, 0, n));
        ASSERT_TRUE(testing_support::same_bits(c1, c2)) << f.name;
        std::free(ws2);
      }
      std::vector<float> got(static_cast<size_t>(m * n));
      ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, got.data(), n, 0, 10));
      ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, got.data(), n, 10, n));
      std::vector<float> whole(got.size());
      ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, whole.data(), n, 0, n));
      ASSERT_TRUE(testing_support::same_bits(got, whole)) << f.name << " " << isa_name(isa);
      // Rows 2..10 alone: the workspace starts with one view per row, so
      // skipping two views is a workspace of the later rows.
      std::vector<float> tail(static_cast<size_t>(9 * n));
      ASSERT_TRUE(gemm_q8_on(isa, w, static_cast<const gemv::Q8Activations*>(ws) + 2, 9, e, tail.data(), n, 0, n));
      ASSERT_TRUE(std::equal(tail.begin(), tail.end(), whole.begin() + 2 * n)) << f.name;
      std::free(ws);
      const bool exact = !has_gemm_q8_kernel(isa, w);
      simd += exact ? 0 : 1;
      std::vector<float> decoded(static_cast<size_t>(k));
      void* xb = std::aligned_alloc(64, (gemv::q8_activation_bytes(k) + 63) / 64 * 64);
      for (int64_t i = 0; i < m; ++i) {
        const gemv::Q8Activations x = gemv::quantize_activations(Isa::kScalar, a.data() + i * k, k, xb);
        std::vector<float> y(static_cast<size_t>(n));
        gemv::gemv_q8_reference(w, x, bias.data(), y.data(), 0, n);
        for (int64_t j = 0; j < n; ++j) {
          const float want = y[j] < -2.0f ? -2.0f : (y[j] > 2.0f ? 2.0f : y[j]);
          if (exact) {
            ASSERT_EQ(got[i * n + j], want) << f.name;
            continue;
          }
          codec::decode_range(w, j, 0, k, decoded.data());
          double s = std::fabs(bias[j]);
          for (int64_t c = 0; c < k; ++c) s += std::fabs(static_cast<double>(decoded[c]) * x.q[c] * x.d[c / 32]);
          ASSERT_TRUE(testing_support::within(got[i * n + j], want, s, k))
              << f.name << " " << isa_name(isa) << " row " << i << " col " << j << ": " << got[i * n + j] << " vs "
              << want;
        }
      }
      std::free(xb);
    }
  }
  if (isa_available(Isa::kAvx512Vnni)) {
    EXPECT_GE(simd, 3);  // q8_0, q4_0, int8 at least
  }
}

}  // namespace
}  // namespace nibble::gemm
