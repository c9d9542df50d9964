// The int8-activation GEMV (gemv_q8.h): the activation quantization is
// ggml's q8_0 rule, and every level's result equals the f32 GEMV of the
// dequantized activations (d[b] * q[k]) up to float rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "codec/decode_range.h"
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

// Integer layouts beyond kFormats' that the SIMD int8-activation kernels
// take (groups of 64 and 128, e8 and f32 scales, per tensor), over a
// chunk-sized K.
const FormatCase kMoreQ8Layouts[] = {
    {"int4_g64_e8", Format::kInt, 4, Granularity::kGroup, 64, ScaleType::kE8, true, true},
    {"int4_tensor_f32", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kF32, true, true},
    {"int8_g128_f32", Format::kInt, 8, Granularity::kGroup, 128, ScaleType::kF32, true, false},
    {"int8_g64_e8", Format::kInt, 8, Granularity::kGroup, 64, ScaleType::kE8, true, false},
};

// Every level against the reference on the same q (the reference is the
// definition: decode, float sums per block, blocks in order).
void expect_levels_match_reference(const FormatCase& f, int64_t rows, int64_t cols, uint32_t seed) {
  const Encoded e = encode_case(f, rows, cols, seed);
  const codec::PackedWeights w = e.packed();
  const std::vector<float> x = random_vector(cols, seed + 1);
  const std::vector<float> bias = random_vector(rows, seed + 2);
  AlignedBuffer buffer(q8_activation_bytes(cols));
  const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
  std::vector<float> expected(rows);
  gemv_q8_reference(w, q, bias.data(), expected.data(), 0, rows);
  std::vector<float> decoded(static_cast<size_t>(cols));
  for (Isa isa : available_levels()) {
    std::vector<float> y(rows, -1.0f);
    ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), y.data(), 0, rows));
    for (int64_t r = 0; r < rows; ++r) {
      codec::decode_row(w, r, decoded.data());
      float magnitude = std::fabs(bias[r]);
      for (int64_t k = 0; k < cols; ++k) magnitude += std::fabs(decoded[k] * q.d[k / kQ8Block] * q.q[k]);
      const float tolerance = 4.0f * (cols + 8) * 1.2e-7f * magnitude;
      ASSERT_NEAR(y[r], expected[r], tolerance) << f.name << " on " << isa_name(isa) << ", K = " << cols;
    }
  }
}

TEST(GemvQ8, MoreIntegerLayoutsMatchTheReference) {
  for (const FormatCase& f : kMoreQ8Layouts) {
    for (int64_t cols : {64, 200, 4500}) expect_levels_match_reference(f, 5, cols, 17);
  }
}

// x = e_c: y[r] is w[r, c] * 127 * d (d = 1/127) up to the rounding of
// two products, on every level: each weight of every lane and tail is in
// its place (a wrong column would be off by a whole weight).
TEST(GemvQ8, OneHotInputsGiveEachWeight) {
  for (const FormatCase& f : kFormats) {
    for (int64_t cols : {int64_t{37}, int64_t{200}}) {
      const int64_t rows = 3;
      const Encoded e = encode_case(f, rows, cols, static_cast<uint32_t>(cols + 1));
      const codec::PackedWeights w = e.packed();
      std::vector<float> x(static_cast<size_t>(cols), 0.0f);
      AlignedBuffer buffer(q8_activation_bytes(cols));
      for (int64_t c = 0; c < cols; ++c) {
        x[c] = 1.0f;
        const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
        std::vector<float> expected(rows);
        gemv_q8_reference(w, q, nullptr, expected.data(), 0, rows);
        for (Isa isa : available_levels()) {
          std::vector<float> y(rows);
          ASSERT_TRUE(gemv_q8_on(isa, w, q, nullptr, y.data(), 0, rows));
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_NEAR(y[r], expected[r], 4.0f * 1.2e-7f * std::fabs(expected[r]))
                << f.name << " on " << isa_name(isa) << ": w[" << r << ", " << c << "] of " << rows << " x " << cols;
          }
        }
        x[c] = 0.0f;
      }
    }
  }
}

// A row's result is the same bits whatever row range computes it.
TEST(GemvQ8, ResultsDoNotDependOnTheRowRange) {
  const int64_t rows = 13, cols = 300;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 31);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 32);
    const std::vector<float> bias = random_vector(rows, 33);
    AlignedBuffer buffer(q8_activation_bytes(cols));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
    for (Isa isa : available_levels()) {
      std::vector<float> whole(rows);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), whole.data(), 0, rows));
      for (int64_t step : {int64_t{1}, int64_t{3}, int64_t{5}}) {
        std::vector<float> parts(rows, -1.0f);
        for (int64_t r = 0; r < rows; r += step) {
          ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), parts.data(), r, r + step < rows ? r + step : rows));
        }
        ASSERT_EQ(std::memcmp(whole.data(), parts.data(), sizeof(float) * rows), 0)
            << f.name << " on " << isa_name(isa) << ", steps of " << step;
      }
      std::vector<float> untouched(rows, 7.0f);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), untouched.data(), 4, 4));
      for (float v : untouched) ASSERT_EQ(v, 7.0f);
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
