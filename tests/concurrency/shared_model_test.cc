// One loaded Model shared by N Sessions on N std::threads computes exactly
// (memcmp) what a single session computes, and a session's results do not
// depend on its thread count (1..4): ResNet-20 (f32 and q4_0 weights) and
// GPT-2 (f32 and q4_0, a few decode steps), on every backend, with f32 and
// int8 activations.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "converted_model.h"
#include "model_runs.h"
#include "nibble/nibble.hpp"

namespace nibble {
namespace {

struct Case {
  const char* model;  // "resnet20" or "gpt2"
  const char* codec;  // "" for f32 weights
  Backend backend;
  ActivationPrecision activations;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return std::string(c.model) + "_" + (c.codec[0] != '\0' ? c.codec : "f32") + "_" + backend_name(c.backend) +
         (c.activations == ActivationPrecision::kInt8 ? "_int8" : "");
}

// The GPT-2 conversion with 8 rows per run: the prompt in one run, a
// small arena.
constexpr int64_t kGpt2Rows = 8;

class SharedModel : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    const std::string& path = std::string(c.model) == "gpt2"
                                  ? testing::converted_gpt2(c.codec, kGpt2Rows)
                                  : testing::converted_fixture("resnet20_cifar10.onnx", c.codec);
    Result<Model> loaded = Model::load_file(path.c_str());
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
    model_.emplace(std::move(loaded.value()));
  }

  SessionOptions options(int32_t threads) const {
    SessionOptions o;
    o.backend = GetParam().backend;
    o.activation_precision = GetParam().activations;
    o.num_threads = threads;
    return o;
  }

  std::vector<float> outputs(const SessionOptions& o) const {
    return std::string(GetParam().model) == "gpt2" ? testing::gpt2_logits(*model_, o)
                                                   : testing::resnet_logits(*model_, o);
  }

  std::optional<Model> model_;  // Model has no default constructor
};

void expect_same_bytes(const std::vector<float>& expected, const std::vector<float>& got, const std::string& what) {
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(got.size(), expected.size()) << what;
  EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0) << what << " differs";
}

TEST_P(SharedModel, NSessionsOnNThreadsMatchOneSession) {
  const std::vector<float> single = outputs(options(1));
  for (int sessions : {2, 4}) {
    // Each thread creates its own session (so Session::create also runs
    // concurrently on the shared model) and runs it; per-session pools of
    // 2 threads put pthreadpool workers of several sessions side by side.
    std::vector<std::vector<float>> results(static_cast<size_t>(sessions));
    std::vector<std::thread> threads;
    for (int i = 0; i < sessions; ++i) {
      threads.emplace_back([this, i, &results] { results[static_cast<size_t>(i)] = outputs(options(1 + i % 2)); });
    }
    for (std::thread& t : threads) t.join();
    for (int i = 0; i < sessions; ++i) {
      expect_same_bytes(single, results[static_cast<size_t>(i)],
                        "session " + std::to_string(i) + " of " + std::to_string(sessions));
    }
  }
}

TEST_P(SharedModel, ThreadCountsOneToFourGiveIdenticalResults) {
  const std::vector<float> one = outputs(options(1));
  for (int32_t threads = 2; threads <= 4; ++threads) {
    expect_same_bytes(one, outputs(options(threads)), std::to_string(threads) + " threads");
  }
}

// kDefault with f32 weights runs XNNPACK; with q4_0 weights the encoded
// CONV2D/LINEAR run on the fused kernels (the rest on XNNPACK); int8
// activations only change the fused kernels.
INSTANTIATE_TEST_SUITE_P(
    Resnet20, SharedModel,
    ::testing::Values(Case{"resnet20", "", Backend::kDefault, ActivationPrecision::kF32},
                      Case{"resnet20", "", Backend::kReference, ActivationPrecision::kF32},
                      Case{"resnet20", "q4_0", Backend::kDefault, ActivationPrecision::kF32},
                      Case{"resnet20", "q4_0", Backend::kDefault, ActivationPrecision::kInt8},
                      Case{"resnet20", "q4_0", Backend::kReference, ActivationPrecision::kF32}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Gpt2, SharedModel,
    ::testing::Values(Case{"gpt2", "", Backend::kDefault, ActivationPrecision::kF32},
                      Case{"gpt2", "", Backend::kReference, ActivationPrecision::kF32},
                      Case{"gpt2", "q4_0", Backend::kDefault, ActivationPrecision::kF32},
                      Case{"gpt2", "q4_0", Backend::kDefault, ActivationPrecision::kInt8},
                      Case{"gpt2", "q4_0", Backend::kReference, ActivationPrecision::kF32}),
    case_name);

}  // namespace
}  // namespace nibble
