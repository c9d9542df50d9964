// run() must not allocate: this test binary interposes the C allocator
// (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign; the
// executable's definitions take precedence over libc's for libXNNPACK,
// libpthreadpool and libstdc++ too) and counts calls from every thread
// while run() executes, for each supported op family, without a pool and
// with a 2-thread pool. Its own binary so the interposition touches
// nothing else.
#include <dlfcn.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <random>

#include "xnnpack_test_util.h"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

// dlsym itself may allocate before the real functions are known: serve
// that from a static, zeroed, never-freed buffer.
alignas(64) char g_bootstrap[1 << 16];
std::atomic<size_t> g_bootstrap_used{0};
std::atomic<bool> g_resolving{false};

bool in_bootstrap(const void* p) {
  return p >= static_cast<const void*>(g_bootstrap) &&
         p < static_cast<const void*>(g_bootstrap + sizeof(g_bootstrap));
}

void* bootstrap_alloc(size_t size, size_t alignment = 64) {
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  size_t offset = g_bootstrap_used.fetch_add(rounded + alignment);
  offset = (offset + alignment - 1) / alignment * alignment;
  if (offset + size > sizeof(g_bootstrap)) return nullptr;
  return g_bootstrap + offset;
}

using MallocFn = void* (*)(size_t);
using CallocFn = void* (*)(size_t, size_t);
using ReallocFn = void* (*)(void*, size_t);
using FreeFn = void (*)(void*);
using PosixMemalignFn = int (*)(void**, size_t, size_t);
using AlignedAllocFn = void* (*)(size_t, size_t);

MallocFn real_malloc;
CallocFn real_calloc;
ReallocFn real_realloc;
FreeFn real_free;
PosixMemalignFn real_posix_memalign;
AlignedAllocFn real_aligned_alloc;
AlignedAllocFn real_memalign;

bool resolve() {
  if (real_free != nullptr) return true;
  if (g_resolving.exchange(true)) return false;  // re-entered from dlsym
  real_malloc = reinterpret_cast<MallocFn>(dlsym(RTLD_NEXT, "malloc"));
  real_calloc = reinterpret_cast<CallocFn>(dlsym(RTLD_NEXT, "calloc"));
  real_realloc = reinterpret_cast<ReallocFn>(dlsym(RTLD_NEXT, "realloc"));
  real_posix_memalign = reinterpret_cast<PosixMemalignFn>(dlsym(RTLD_NEXT, "posix_memalign"));
  real_aligned_alloc = reinterpret_cast<AlignedAllocFn>(dlsym(RTLD_NEXT, "aligned_alloc"));
  real_memalign = reinterpret_cast<AlignedAllocFn>(dlsym(RTLD_NEXT, "memalign"));
  real_free = reinterpret_cast<FreeFn>(dlsym(RTLD_NEXT, "free"));
  g_resolving.store(false);
  return real_free != nullptr;
}

void note() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}

}  // namespace

extern "C" {

void* malloc(size_t size) {
  if (!resolve()) return bootstrap_alloc(size);
  note();
  return real_malloc(size);
}

void* calloc(size_t count, size_t size) {
  if (!resolve()) return bootstrap_alloc(count * size);  // the buffer is zeroed
  note();
  return real_calloc(count, size);
}

void* realloc(void* p, size_t size) {
  if (!resolve()) return nullptr;
  note();
  if (in_bootstrap(p)) {
    void* q = real_malloc(size);
    const size_t available = static_cast<size_t>(g_bootstrap + sizeof(g_bootstrap) -
                                                 static_cast<char*>(p));
    if (q != nullptr) std::memcpy(q, p, size < available ? size : available);
    return q;
  }
  return real_realloc(p, size);
}

void free(void* p) {
  if (p == nullptr || in_bootstrap(p)) return;
  if (resolve()) real_free(p);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  if (!resolve()) {
    *out = bootstrap_alloc(size, alignment);
    return *out != nullptr ? 0 : ENOMEM;
  }
  note();
  return real_posix_memalign(out, alignment, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  if (!resolve()) return bootstrap_alloc(size, alignment);
  note();
  return real_aligned_alloc(alignment, size);
}

void* memalign(size_t alignment, size_t size) {
  if (!resolve()) return bootstrap_alloc(size, alignment);
  note();
  return real_memalign(alignment, size);
}

}  // extern "C"

namespace nibble::xnnpack::testing {
namespace {

// Allocations (any thread) while `fn` runs.
template <typename Fn>
long count_allocations(Fn fn) {
  g_allocations.store(0);
  g_counting.store(true);
  fn();
  g_counting.store(false);
  return g_allocations.load();
}

TEST(NoAllocation, HookSeesAllocations) {
  void* (*volatile alloc)(size_t) = &malloc;
  void (*volatile release)(void*) = &free;
  void* p = nullptr;
  const long n = count_allocations([&] { p = alloc(32); });
  release(p);
  EXPECT_EQ(n, 1);
}

// The interposition reaches libXNNPACK: creating an operator allocates.
TEST(NoAllocation, HookSeesXnnpackAllocations) {
  ASSERT_TRUE(initialize().is_ok());
  xnn_operator_t op = nullptr;
  const long n = count_allocations([&] {
    (void)xnn_create_clamp_nc_f32(8, 8, 8, 0.0f, 6.0f, 0, &op);
  });
  ASSERT_NE(op, nullptr);
  xnn_delete_operator(op);
  EXPECT_GT(n, 0);
}

OpCase window_op(OpCode code, TensorView x, TensorView y, Window2d w) {
  std::mt19937 rng(5);
  OpCase c;
  c.op.name = op_code_name(code);
  c.op.params.code = code;
  c.op.params.pool2d.window = w;
  c.op.params.pool2d.count_include_pad = false;
  c.op.params.pool2d.activation = relu();
  add_input(c, x, rng);
  c.op.outputs[0] = y;
  return c;
}

std::vector<OpCase> all_families() {
  std::mt19937 rng(6);
  std::vector<OpCase> cases;
  {
    OpCase c;
    c.op.name = "conv";
    c.op.params.code = OpCode::kConv2d;
    c.op.params.conv2d.window = {3, 3, 2, 2, 1, 1, 1, 1, 1, 1};
    c.op.params.conv2d.groups = 1;
    c.op.params.conv2d.activation = relu6();
    add_input(c, shape({1, 16, 16, 8}), rng);
    add_input(c, shape({16, 3, 3, 8}), rng);
    add_input(c, shape({16}), rng);
    c.op.outputs[0] = shape({1, 8, 8, 16});
    cases.push_back(c);
    c.op.name = "depthwise_conv";
    c.op.params.conv2d.groups = 8;
    c.op.inputs[1] = shape({8, 3, 3, 1});
    c.inputs[1] = random_data(rng, 72);
    c.op.inputs[2] = shape({8});
    c.inputs[2] = random_data(rng, 8);
    c.op.outputs[0] = shape({1, 8, 8, 8});
    cases.push_back(c);
  }
  {
    OpCase c;
    c.op.name = "linear";
    c.op.params.code = OpCode::kLinear;
    c.op.params.linear.activation = no_activation();
    add_input(c, shape({5, 37}), rng);
    add_input(c, shape({16, 37}), rng);
    c.op.outputs[0] = shape({5, 16});
    cases.push_back(c);
  }
  {
    OpCase c;
    c.op.name = "binary";
    c.op.params.code = OpCode::kBinary;
    c.op.params.binary.kind = BinaryKind::kMul;
    c.op.params.binary.activation = no_activation();
    add_input(c, shape({2, 3, 40, 5}), rng);
    add_input(c, shape({3, 1, 5}), rng);
    c.op.outputs[0] = shape({2, 3, 40, 5});
    cases.push_back(c);
  }
  {
    OpCase c;
    c.op.name = "clamp";
    c.op.params.code = OpCode::kClamp;
    c.op.params.clamp.activation = relu6();
    add_input(c, shape({20000}), rng);
    c.op.outputs[0] = shape({20000});
    cases.push_back(c);
  }
  cases.push_back(window_op(OpCode::kMaxPool2d, shape({1, 9, 9, 4}), shape({1, 5, 5, 4}),
                            {3, 3, 2, 2, 1, 1, 1, 1, 1, 1}));
  cases.push_back(window_op(OpCode::kAveragePool2d, shape({1, 9, 9, 4}), shape({1, 5, 5, 4}),
                            {3, 3, 2, 2, 1, 1, 1, 1, 1, 1}));
  {
    OpCase c;
    c.op.name = "global_average_pool";
    c.op.params.code = OpCode::kGlobalAveragePool;
    c.op.params.global_pool.activation = no_activation();
    add_input(c, shape({2, 7, 7, 16}), rng);
    c.op.outputs[0] = shape({2, 1, 1, 16});
    cases.push_back(c);
  }
  {
    OpCase c;
    c.op.name = "softmax";
    c.op.params.code = OpCode::kSoftmax;
    c.op.params.softmax.axis = 1;
    add_input(c, shape({4, 1000}), rng);
    c.op.outputs[0] = shape({4, 1000});
    cases.push_back(c);
  }
  {
    OpCase c;
    c.op.name = "constant_pad";
    c.op.params.code = OpCode::kPad;
    PadParams& p = c.op.params.pad;
    p.mode = PadMode::kConstant;
    p.value = 1.0f;
    for (int d = 0; d < 4; ++d) p.before[d] = p.after[d] = (d == 1 || d == 2) ? 2 : 0;
    add_input(c, shape({1, 8, 8, 3}), rng);
    c.op.outputs[0] = shape({1, 12, 12, 3});
    cases.push_back(c);
  }
  return cases;
}

TEST(NoAllocation, RunDoesNotAllocate) {
  ASSERT_TRUE(initialize().is_ok());
  for (int threads : {0, 2}) {
    pthreadpool_t pool = threads == 0 ? nullptr : pthreadpool_create(threads);
    for (const OpCase& c : all_families()) {
      SCOPED_TRACE(::testing::Message() << c.op.name << ", threads " << threads);
      std::vector<std::vector<float>> storage;
      std::vector<float> out;
      const BoundOp op = bind_op(c, storage, out);
      ASSERT_TRUE(supports(op));
      XnnOp* xop = nullptr;
      ASSERT_TRUE(create(op, pool, &xop).is_ok());
      bool ok = true;
      const long n = count_allocations([&] {
        for (int i = 0; i < 3; ++i) ok = run(xop, pool).is_ok() && ok;
      });
      EXPECT_TRUE(ok);
      EXPECT_EQ(n, 0) << "allocations during run()";
      destroy(xop);
    }
    if (pool != nullptr) pthreadpool_destroy(pool);
  }
}

}  // namespace
}  // namespace nibble::xnnpack::testing
