// ResNet-20 with quantized weights on the fused kernels (CONV2D, LINEAR):
// the same logits as the reference backend up to float rounding (f32
// activations), the same classes on nearly every image (int8 activations),
// and bit-identical results for any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/cifar_reader.h"
#include "converted_model.h"
#include "nibble/nibble.hpp"

namespace nibble {
namespace {

// Under qemu (aarch64 CI) every inference is ~100x slower: fewer images.
#if defined(__aarch64__)
constexpr int kImages = 6;
#else
constexpr int kImages = 20;
#endif

std::vector<float> logits(const Model& model, const SessionOptions& options) {
  Result<Session> session = Session::create(model, options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  if (options.backend != Backend::kReference) {
    EXPECT_GT(session->num_fused_ops(), 0u);
  }
  const examples::CifarFile cifar = examples::read_cifar(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin");
  std::vector<float> out;
  for (int i = 0; i < kImages; ++i) {
    examples::normalize_chw(cifar.image(i).planes, examples::kCifarPixels, session->input_data(0));
    EXPECT_TRUE(session->run().is_ok());
    out.insert(out.end(), session->output_data(0), session->output_data(0) + 10);
  }
  return out;
}

int argmax10(const float* v) { return static_cast<int>(std::max_element(v, v + 10) - v); }

class FusedResnet : public ::testing::TestWithParam<const char*> {};

TEST_P(FusedResnet, MatchesTheReferenceBackendAndAnyThreadCount) {
  const std::string& path = testing::converted_fixture("resnet20_cifar10.onnx", GetParam());
  Result<Model> model = Model::load_file(path.c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  SessionOptions reference;
  reference.backend = Backend::kReference;
  const std::vector<float> expected = logits(model.value(), reference);

  SessionOptions fused;
  const std::vector<float> f32 = logits(model.value(), fused);
  ASSERT_EQ(f32.size(), expected.size());
  for (size_t i = 0; i < f32.size(); ++i) {
    // 20 layers of sums in another order: a relative 1e-4 of the logits'
    // scale is ~100x the rounding seen, and far below any quantization effect.
    ASSERT_NEAR(f32[i], expected[i], 1e-4f * (1.0f + std::fabs(expected[i]))) << "logit " << i;
  }

  fused.activation_precision = ActivationPrecision::kInt8;
  const std::vector<float> int8 = logits(model.value(), fused);
  int same = 0;
  for (int i = 0; i < kImages; ++i) same += argmax10(&int8[i * 10]) == argmax10(&expected[i * 10]);
  EXPECT_GE(same, kImages - 1) << "int8 activations changed the class of " << kImages - same << " images";

  for (ActivationPrecision precision : {ActivationPrecision::kF32, ActivationPrecision::kInt8}) {
    fused.activation_precision = precision;
    fused.num_threads = 1;
    const std::vector<float> one = logits(model.value(), fused);
    fused.num_threads = 2;
    const std::vector<float> two = logits(model.value(), fused);
    ASSERT_EQ(one.size(), two.size());
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0)
        << (precision == ActivationPrecision::kInt8 ? "int8" : "f32") << ": 1 and 2 threads differ";
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, FusedResnet, ::testing::Values("q4_0", "lut:4", "q8_0", "int:3"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == ':') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace nibble
