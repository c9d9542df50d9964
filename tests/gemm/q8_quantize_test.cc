// The int8 paths' activation quantization is gemv::quantize_activations'
// rule bit for bit on every level, including zeros, NaN, infinities, ties
// (x/d exactly k + 0.5) and a short last block.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm/q8_quantize.h"
#include "gemm_test_support.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemm {
namespace {

TEST(Q8Quantize, SameBitsAsTheGemvRule) {
  for (int64_t cols : {1, 31, 32, 33, 100, 1100}) {
    std::vector<float> x = gemv::testing_support::random_vector(cols, static_cast<uint32_t>(cols));
    if (cols >= 100) {
      for (int i = 0; i < 32; ++i) x[static_cast<size_t>(i)] = 0.0f;  // an all-zero block
      x[40] = std::numeric_limits<float>::quiet_NaN();
      x[70] = std::numeric_limits<float>::infinity();
      x[80] = 127.0f;  // block of 80: d = 1, ties below
      x[81] = 2.5f;
      x[82] = -3.5f;
      x[83] = -0.0f;
    }
    const int64_t blocks = (cols + 31) / 32;
    void* buffer = std::aligned_alloc(64, (gemv::q8_activation_bytes(cols) + 63) / 64 * 64);
    const gemv::Q8Activations want = gemv::quantize_activations(Isa::kScalar, x.data(), cols, buffer);
    for (Isa isa : gemv::testing_support::available_levels()) {
      std::vector<int8_t> q(static_cast<size_t>(blocks * 32), 99);
      std::vector<float> d(static_cast<size_t>(blocks));
      std::vector<int32_t> sums(static_cast<size_t>(blocks));
      quantize_q8_blocks(isa, x.data(), cols, q.data(), d.data(), sums.data());
      EXPECT_EQ(std::memcmp(q.data(), want.q, q.size()), 0) << cols << " " << isa_name(isa);
      EXPECT_EQ(std::memcmp(d.data(), want.d, d.size() * 4), 0) << cols << " " << isa_name(isa);
      EXPECT_EQ(std::memcmp(sums.data(), want.sums, sums.size() * 4), 0) << cols << " " << isa_name(isa);
    }
    std::free(buffer);
  }
}

}  // namespace
}  // namespace nibble::gemm
