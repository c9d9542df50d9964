// Session::run() must not touch the heap. Every allocation entry point of
// the C library is interposed by this test binary (support/heap_counter.h;
// it also catches allocations inside XNNPACK and pthreadpool) and counted
// while armed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/cifar_reader.h"
#include "converted_model.h"
#include "support/heap_counter.h"
#include "nibble/nibble.hpp"

using nibble::testing::g_heap_armed;
using nibble::testing::g_heap_calls;

namespace nibble {
namespace {

TEST(ZeroAllocation, HookCountsAllocations) {
  if (!NIBBLE_TEST_HOOKS_MALLOC) GTEST_SKIP() << "malloc is owned by the sanitizer in this build";
  g_heap_calls = 0;
  g_heap_armed = true;
  void* volatile p = std::malloc(16);
  int* volatile q = new int(3);
  g_heap_armed = false;
  std::free(p);
  delete q;
  EXPECT_EQ(g_heap_calls.load(), 2);  // the hook itself works
}

struct Case {
  Backend backend;
  int threads;
  const char* codec;  // "" for f32 weights; else quantized, on the fused kernels
  ActivationPrecision activations;
};

class ZeroAllocationRun : public ::testing::TestWithParam<Case> {};

TEST_P(ZeroAllocationRun, RunAllocatesNothing) {
  if (!NIBBLE_TEST_HOOKS_MALLOC) GTEST_SKIP() << "malloc is owned by the sanitizer in this build";
  const std::string& path = testing::converted_fixture("resnet20_cifar10.onnx", GetParam().codec);
  Result<Model> model = Model::load_file(path.c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  SessionOptions options;
  options.backend = GetParam().backend;
  options.num_threads = GetParam().threads;
  options.activation_precision = GetParam().activations;
  Result<Session> session = Session::create(model.value(), options);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  if (GetParam().codec[0] != '\0' && GetParam().backend != Backend::kReference) {
    EXPECT_GT(session->num_fused_ops(), 0u);
  }
  const examples::CifarFile cifar = examples::read_cifar(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin");
  examples::normalize_chw(cifar.image(0).planes, examples::kCifarPixels, session->input_data(0));

  g_heap_calls = 0;
  g_heap_armed = true;
  Status first = session->run();  // the very first run counts too
  Status second = session->run();
  g_heap_armed = false;
  ASSERT_TRUE(first.is_ok()) << first.message();
  ASSERT_TRUE(second.is_ok()) << second.message();
  EXPECT_EQ(g_heap_calls.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ZeroAllocationRun,
                         ::testing::Values(Case{Backend::kReference, 1, "", ActivationPrecision::kF32},
                                           Case{Backend::kXnnpack, 1, "", ActivationPrecision::kF32},
                                           Case{Backend::kXnnpack, 2, "", ActivationPrecision::kF32},
                                           Case{Backend::kDefault, 2, "q4_0", ActivationPrecision::kF32},
                                           Case{Backend::kDefault, 2, "q4_0", ActivationPrecision::kInt8},
                                           Case{Backend::kDefault, 1, "lut:4", ActivationPrecision::kInt8}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string codec = info.param.codec;
                           for (char& c : codec) {
                             if (c == ':') c = '_';
                           }
                           return std::string(backend_name(info.param.backend)) + "_" +
                                  std::to_string(info.param.threads) + "threads" +
                                  (codec.empty() ? "" : "_" + codec) +
                                  (info.param.activations == ActivationPrecision::kInt8 ? "_int8" : "");
                         });

}  // namespace
}  // namespace nibble
