// The int8-activation GEMM: each row is gemv_q8's definition on that row's
// quantization, then clamped; any split of N gives the same bits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "gemm/gemm.h"
#include "gemm_test_support.h"
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
  const int64_t m = 6, n = 21, k = 100;
  for (const FormatCase& f : kFormats) {
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
      std::vector<float> got(static_cast<size_t>(m * n));
      ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, got.data(), n, 0, 10));
      ASSERT_TRUE(gemm_q8_on(isa, w, ws, m, e, got.data(), n, 10, n));
      std::free(ws);
      void* xb = std::aligned_alloc(64, (gemv::q8_activation_bytes(k) + 63) / 64 * 64);
      for (int64_t i = 0; i < m; ++i) {
        const gemv::Q8Activations x = gemv::quantize_activations(Isa::kScalar, a.data() + i * k, k, xb);
        std::vector<float> y(static_cast<size_t>(n));
        gemv::gemv_q8_reference(w, x, bias.data(), y.data(), 0, n);
        for (int64_t j = 0; j < n; ++j) {
          const float want = y[j] < -2.0f ? -2.0f : (y[j] > 2.0f ? 2.0f : y[j]);
          ASSERT_EQ(got[i * n + j], want) << f.name;
        }
      }
      std::free(xb);
      EXPECT_FALSE(has_gemm_q8_kernel(isa, w));
    }
  }
}

}  // namespace
}  // namespace nibble::gemm
