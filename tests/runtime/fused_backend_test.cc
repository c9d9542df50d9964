// Encoded LINEAR ops on the fused backend (runtime/backend/fused): the
// default backend sends them there, the results match the reference
// backend on every kernel level and both activation precisions, do not
// depend on the thread count, and the session options are checked.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "encoded_cases.h"
#include "encoded_model_builder.h"
#include "gemm/gemm.h"
#include "gemv/gemv_q8.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

namespace nibble {
namespace {

using testing::Built;
using testing::Case;

constexpr int64_t kM = 3, kN = 70, kK = 300;

struct Loaded {
  testing::AlignedImage image;
  Model model;
};

std::vector<float> input(int64_t m, int64_t k) {
  std::vector<float> x(static_cast<size_t>(m * k));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) + 0.05f;
  return x;
}

std::vector<float> run(const Model& model, const SessionOptions& options, const std::vector<float>& x,
                       Session* keep = nullptr) {
  Result<Session> session = Session::create(model, options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  EXPECT_TRUE(session->set_input(0, x.data(), x.size()).is_ok());
  EXPECT_TRUE(session->run().is_ok());
  const size_t n = static_cast<size_t>(model.output(0).numel);
  std::vector<float> y(session->output_data(0), session->output_data(0) + n);
  if (keep != nullptr) *keep = std::move(session.value());
  return y;
}

// |y - reference| allowed: a few ulps per term of the sum of |w x|.
double magnitude(const Built& b, const std::vector<float>& x, int64_t i, int64_t r) {
  const codec::PackedWeights w = testing::packed_view(b);
  std::vector<float> row(static_cast<size_t>(kK));
  codec::decode_row(w, r, row.data());
  double sum = 0;
  for (int64_t k = 0; k < kK; ++k) sum += std::fabs(double(row[k]) * x[i * kK + k]);
  return sum;
}

TEST(FusedBackend, EveryCodecAndLevelMatchesTheReferenceBackend) {
  const std::vector<float> x = input(kM, kK);
  for (const Case& c : testing::kCases) {
    SCOPED_TRACE(c.name);
    Built b = testing::build(c, kN, kK);
    b.spec.m = kM;
    testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
    Result<Model> model = Model::from_buffer(image.data(), image.size);
    ASSERT_TRUE(model.is_ok()) << model.status().message();
    SessionOptions reference_options;
    reference_options.backend = Backend::kReference;
    const std::vector<float> expected = run(model.value(), reference_options, x);
    for (const char* isa : {"scalar", "avx2", "avx512", "avx512vnni", "neon", "neondot"}) {
      Isa level;
      ASSERT_TRUE(parse_isa(isa, &level));
      if (!isa_available(level)) continue;
      for (ActivationPrecision precision : {ActivationPrecision::kF32, ActivationPrecision::kInt8}) {
        SessionOptions options;
        options.kernel_isa = isa;
        options.activation_precision = precision;
        Session session = std::move(Session::create(model.value()).value());
        const std::vector<float> y = run(model.value(), options, x, &session);
        EXPECT_STREQ(session.op_backend(0), "fused");
        EXPECT_STREQ(session.kernel_isa(), isa);
        const bool int8 = session.op_int8_activations(0);
        // kM >= 2: the GEMM's int8 kernel, else the GEMV's, where one exists.
        const codec::PackedWeights w = testing::packed_view(b);
        EXPECT_EQ(int8, precision == ActivationPrecision::kInt8 &&
                            (gemm::has_gemm_q8_kernel(level, w) || gemv::has_q8_kernel(level, w)));
        // int8: the path's definition (gemv_q8.h: activations, and tables
        // of <= 4 bits, rounded to int8) on the same weights.
        std::vector<float> definition(expected);
        if (int8) {
          std::vector<uint8_t> buffer(gemv::q8_activation_bytes(kK) + 64);
          void* aligned = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
          for (int64_t i = 0; i < kM; ++i) {
            const gemv::Q8Activations q = gemv::quantize_activations(Isa::kScalar, &x[i * kK], kK, aligned);
            gemv::gemv_q8_reference(w, q, nullptr, &definition[i * kN], 0, kN);
          }
        }
        for (int64_t i = 0; i < kM; ++i) {
          for (int64_t r = 0; r < kN; ++r) {
            // A different summation order (and, for int8, the factoring of
            // the scales): a few ulps per term of the sum of |w x|.
            const double tolerance = 4 * (kK + 8) * 1.2e-7 * magnitude(b, x, i, r) + 1e-6;
            ASSERT_NEAR(y[i * kN + r], definition[i * kN + r], tolerance)
                << isa << (int8 ? " int8" : " f32") << ", x row " << i << ", output " << r;
          }
        }
      }
    }
  }
}

TEST(FusedBackend, ResultsDoNotDependOnTheThreadCount) {
  const std::vector<float> x = input(kM, kK);
  for (const char* name : {"q4_0", "int8", "pqnt4", "affine4_g16"}) {
    SCOPED_TRACE(name);
    const Case* c = nullptr;
    for (const Case& candidate : testing::kCases) {
      if (std::strcmp(candidate.name, name) == 0) c = &candidate;
    }
    ASSERT_NE(c, nullptr);
    Built b = testing::build(*c, 1000, kK);  // many row tasks
    b.spec.m = kM;
    testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
    Model model = std::move(Model::from_buffer(image.data(), image.size).value());
    for (ActivationPrecision precision : {ActivationPrecision::kF32, ActivationPrecision::kInt8}) {
      SessionOptions options;
      options.activation_precision = precision;
      options.num_threads = 1;
      const std::vector<float> one = run(model, options, x);
      for (int threads : {2, 3, 4}) {
        options.num_threads = threads;
        const std::vector<float> many = run(model, options, x);
        ASSERT_EQ(one.size(), many.size());
        EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0) << threads << " threads";
      }
    }
  }
}

TEST(FusedBackend, TheOutputClampIsApplied) {
  Built b = testing::build(testing::kCases[3], kN, kK);  // q4_0
  b.spec.m = kM;
  b.spec.output_min = -0.5f;
  b.spec.output_max = 0.25f;
  testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
  Model model = std::move(Model::from_buffer(image.data(), image.size).value());
  const std::vector<float> x = input(kM, kK);
  SessionOptions reference_options;
  reference_options.backend = Backend::kReference;
  const std::vector<float> expected = run(model, reference_options, x);
  const std::vector<float> y = run(model, SessionOptions{}, x);
  int clamped = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_GE(y[i], -0.5f);
    ASSERT_LE(y[i], 0.25f);
    clamped += expected[i] == -0.5f || expected[i] == 0.25f;
    EXPECT_NEAR(y[i], expected[i], 1e-3);
  }
  EXPECT_GT(clamped, 10);  // the clamp did something
}

TEST(FusedBackend, KernelIsaOptionIsChecked) {
  Built b = testing::build(testing::kCases[3], kN, kK);
  testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
  Model model = std::move(Model::from_buffer(image.data(), image.size).value());
  SessionOptions options;
  options.kernel_isa = "avx1024";
  Result<Session> bad = Session::create(model, options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::strstr(bad.status().message(), "avx1024"), nullptr) << bad.status().message();
#if defined(__x86_64__)
  options.kernel_isa = "neon";
#else
  options.kernel_isa = "avx2";
#endif
  Result<Session> foreign = Session::create(model, options);
  ASSERT_FALSE(foreign.is_ok());
  EXPECT_NE(std::strstr(foreign.status().message(), "architecture"), nullptr) << foreign.status().message();
  // The best level, or lower: never above what the CPU has.
  options.kernel_isa = nullptr;
  EXPECT_STREQ(Session::create(model, options)->kernel_isa(), isa_name(default_isa()));
  options.kernel_isa = "scalar";
  EXPECT_STREQ(Session::create(model, options)->kernel_isa(), "scalar");
  options.activation_precision = static_cast<ActivationPrecision>(7);
  EXPECT_EQ(Session::create(model, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(FusedBackend, ReferenceBackendKeepsEncodedOpsOnTheReference) {
  Built b = testing::build(testing::kCases[3], kN, kK);
  testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
  Model model = std::move(Model::from_buffer(image.data(), image.size).value());
  SessionOptions options;
  options.backend = Backend::kReference;
  Session session = std::move(Session::create(model, options).value());
  EXPECT_STREQ(session.op_backend(0), "reference");
  EXPECT_EQ(session.num_fused_ops(), 0u);
  EXPECT_EQ(Session::create(model)->num_fused_ops(), 1u);
}

}  // namespace
}  // namespace nibble
