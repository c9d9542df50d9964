// Session::run() must not touch the heap. Every allocation entry point of
// the C library is interposed by this test binary (which also catches
// allocations inside XNNPACK and pthreadpool, shared libraries that
// resolve malloc to these definitions) and counted while armed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/cifar_reader.h"
#include "converted_model.h"
#include "nibble/nibble.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define NIBBLE_TEST_HOOKS_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define NIBBLE_TEST_HOOKS_MALLOC 0
#endif
#endif
#ifndef NIBBLE_TEST_HOOKS_MALLOC
#define NIBBLE_TEST_HOOKS_MALLOC 1
#endif

namespace {
std::atomic<bool> g_armed{false};
std::atomic<long> g_allocations{0};
inline void count() {
  if (g_armed.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if NIBBLE_TEST_HOOKS_MALLOC
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* aligned_alloc(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* memalign(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
  count();
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif

namespace nibble {
namespace {

TEST(ZeroAllocation, HookCountsAllocations) {
  if (!NIBBLE_TEST_HOOKS_MALLOC) GTEST_SKIP() << "malloc is owned by the sanitizer in this build";
  g_allocations = 0;
  g_armed = true;
  void* volatile p = std::malloc(16);
  int* volatile q = new int(3);
  g_armed = false;
  std::free(p);
  delete q;
  EXPECT_EQ(g_allocations.load(), 2);  // the hook itself works
}

struct Case {
  Backend backend;
  int threads;
};

class ZeroAllocationRun : public ::testing::TestWithParam<Case> {};

TEST_P(ZeroAllocationRun, RunAllocatesNothing) {
  if (!NIBBLE_TEST_HOOKS_MALLOC) GTEST_SKIP() << "malloc is owned by the sanitizer in this build";
  const std::string& path = testing::converted_fixture("resnet20_cifar10.onnx");
  Result<Model> model = Model::load_file(path.c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  SessionOptions options;
  options.backend = GetParam().backend;
  options.num_threads = GetParam().threads;
  Result<Session> session = Session::create(model.value(), options);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const examples::CifarFile cifar = examples::read_cifar(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin");
  examples::normalize_chw(cifar.image(0).planes, examples::kCifarPixels, session->input_data(0));

  g_allocations = 0;
  g_armed = true;
  Status first = session->run();  // the very first run counts too
  Status second = session->run();
  g_armed = false;
  ASSERT_TRUE(first.is_ok()) << first.message();
  ASSERT_TRUE(second.is_ok()) << second.message();
  EXPECT_EQ(g_allocations.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ZeroAllocationRun,
                         ::testing::Values(Case{Backend::kReference, 1}, Case{Backend::kXnnpack, 1},
                                           Case{Backend::kXnnpack, 2}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(backend_name(info.param.backend)) + "_" +
                                  std::to_string(info.param.threads) + "threads";
                         });

}  // namespace
}  // namespace nibble
