// The int8-activation GEMV (gemv_q8.h): the activation quantization is
// ggml's q8_0 rule, and every level's result equals the f32 GEMV of the
// dequantized activations (d[b] * q[k]) up to float rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "gemv/gemv_q8.h"
#include "gemv_cases.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes) : p(std::aligned_alloc(64, (bytes + 63) / 64 * 64)) {}
  ~AlignedBuffer() { std::free(p); }
  void* p;
};

TEST(GemvQ8, ActivationsFollowTheQ8Rule) {
  for (int64_t cols : {1, 31, 32, 33, 255, 256, 300, 1000}) {
    std::vector<float> x = random_vector(cols, 7);
    if (cols > 40) {
      for (int i = 32; i < 64 && i < cols; ++i) x[i] = 0.0f;  // an all-zero block
    }
    AlignedBuffer buffer(q8_activation_bytes(cols));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
    ASSERT_EQ(q.cols, cols);
    ASSERT_EQ(q.padded_cols % kQ8Padding, 0);
    ASSERT_GE(q.padded_cols, cols);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(q.q) % 64, 0u);
    for (int64_t b = 0; b < q.padded_cols / kQ8Block; ++b) {
      float amax = 0.0f;
      int32_t sum = 0;
      // Two loops, not one: aarch64 GCC 12 -O3 crashes vectorizing the
      // fused fmax + int8-sum reduction (internal compiler error in
      // vect_transform_reduction).
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block && k < cols; ++k) {
        amax = std::fmax(amax, std::fabs(x[k]));
      }
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block; ++k) sum += q.q[k];
      ASSERT_EQ(q.d[b], amax / 127.0f) << "block " << b;
      ASSERT_EQ(q.sums[b], sum) << "block " << b;
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block; ++k) {
        if (k >= cols || amax == 0.0f) {
          ASSERT_EQ(q.q[k], 0) << "column " << k;
          continue;
        }
        // Nearest: within half a step of x (plus the rounding of 1/d).
        ASSERT_LE(std::fabs(q.q[k] * q.d[b] - x[k]), 0.5f * q.d[b] * (1 + 1e-5f)) << "column " << k;
        ASSERT_LE(std::abs(static_cast<int>(q.q[k])), 127);
      }
    }
  }
}

TEST(GemvQ8, EveryLevelIsTheF32GemvOfTheDequantizedActivations) {
  for (const FormatCase& f : kFormats) {
    for (int64_t cols : {32, 200, 777}) {
      const int64_t rows = 11;
      const Encoded e = encode_case(f, rows, cols, 3);
      const codec::PackedWeights w = e.packed();
      const std::vector<float> x = random_vector(cols, 5);
      const std::vector<float> bias = random_vector(rows, 6);
      AlignedBuffer buffer(q8_activation_bytes(cols));
      const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
      std::vector<float> xq(static_cast<size_t>(cols));
      for (int64_t k = 0; k < cols; ++k) xq[k] = q.d[k / kQ8Block] * q.q[k];
      std::vector<float> expected(rows), magnitude(rows);
      ASSERT_TRUE(gemv_on(Isa::kScalar, w, xq.data(), bias.data(), expected.data(), 0, rows));
      std::vector<float> decoded(static_cast<size_t>(cols));
      for (int64_t r = 0; r < rows; ++r) {
        codec::decode_row(w, r, decoded.data());
        magnitude[r] = std::fabs(bias[r]);
        for (int64_t k = 0; k < cols; ++k) magnitude[r] += std::fabs(decoded[k] * xq[k]);
      }
      for (Isa isa : available_levels()) {
        std::vector<float> y(rows, -1.0f);
        ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), y.data(), 0, rows));
        for (int64_t r = 0; r < rows; ++r) {
          // Both sums see the same products; only the order (and the
          // factoring of d) differs: a few ulps of the magnitude per term.
          const float tolerance = 4.0f * (cols + 8) * 1.2e-7f * magnitude[r];
          ASSERT_NEAR(y[r], expected[r], tolerance)
              << f.name << " on " << isa_name(isa) << ", K = " << cols << ", row " << r;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
