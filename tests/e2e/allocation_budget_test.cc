// Out of memory at every step: an Allocator that grants only its first
// `budget` allocations, with the budget growing from 0. For each budget,
// Model::from_buffer then Session::create (both on that allocator) either
// succeed or return kOutOfMemory with a message (never a crash, never
// another code), and every block they took is given back; once both
// succeed, one run() gives exactly the output of an unlimited run. Under
// the asan preset LeakSanitizer checks the C heap as well.
//
// What is covered is nibble's own memory: the Model's tables, the arena,
// op states and fused-kernel workspaces. XNNPACK operators (Backend::
// kDefault on f32 ops) take theirs from XNNPACK's own malloc, and
// pthreadpool_create from the C heap; neither goes through the Allocator.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "converted_model.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

namespace nibble {
namespace {

// Grants the first `budget` requests (malloc-backed), refuses the rest;
// counts what it granted and got back.
struct BudgetAllocator {
  long budget = 0;
  long granted = 0;
  long returned = 0;

  Allocator hook() { return Allocator{&allocate, &deallocate, this}; }

  static void* allocate(void* context, size_t bytes, size_t alignment) {
    auto* self = static_cast<BudgetAllocator*>(context);
    if (self->granted >= self->budget) return nullptr;
    void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
    if (p != nullptr) ++self->granted;
    return p;
  }
  static void deallocate(void* context, void* p) {
    ++static_cast<BudgetAllocator*>(context)->returned;
    std::free(p);
  }
};

testing::AlignedImage read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return testing::aligned_copy(bytes);
}

// Deterministic inputs for any model: f32 tensors a ramp, token ids small
// (a sequence input gets 4 rows).
Status fill_inputs(const Model& model, Session& session) {
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const TensorInfo info = model.input(i);
    const uint64_t rows = info.sequence ? 4 : static_cast<uint64_t>(info.dims[0]);
    const uint64_t count = info.sequence ? info.numel / static_cast<uint64_t>(info.dims[0]) * rows : info.numel;
    if (info.type == ElementType::kI32) {
      std::vector<int32_t> ids(count);
      for (uint64_t k = 0; k < count; ++k) ids[k] = static_cast<int32_t>(1 + k * 7 % 50);
      NIBBLE_RETURN_IF_ERROR(session.set_input_ids(i, ids.data(), ids.size()));
    } else {
      std::vector<float> x(count);
      for (uint64_t k = 0; k < count; ++k) x[k] = static_cast<float>(k % 17) * 0.125f - 1.0f;
      NIBBLE_RETURN_IF_ERROR(session.set_input(i, x.data(), x.size()));
    }
  }
  return Status::ok();
}

std::vector<float> run_once(const Model& model, Session& session) {
  const Status in = fill_inputs(model, session);
  EXPECT_TRUE(in.is_ok()) << in.message();
  const Status s = session.run();
  EXPECT_TRUE(s.is_ok()) << s.message();
  if (!in.is_ok() || !s.is_ok()) return {};
  const TensorInfo out = model.output(0);
  const uint64_t n =
      out.sequence ? out.numel / static_cast<uint64_t>(out.dims[0]) * static_cast<uint64_t>(session.sequence_length())
                   : out.numel;
  return std::vector<float>(session.output_data(0), session.output_data(0) + n);
}

enum class Step { kModelFailed, kSessionFailed, kDone };

// Each step's failure must be kOutOfMemory with a message; on success (both
// objects created) `out` is its run's output.
Step try_budget(const testing::AlignedImage& image, Backend backend, BudgetAllocator* a, std::vector<float>* out) {
  const Allocator hook = a->hook();
  Result<Model> model = Model::from_buffer(image.data(), image.size, &hook);
  if (!model.is_ok()) {
    EXPECT_EQ(model.status().code(), StatusCode::kOutOfMemory) << model.status().message();
    EXPECT_STRNE(model.status().message(), "");
    return Step::kModelFailed;
  }
  SessionOptions options;
  options.backend = backend;
  options.allocator = &hook;
  Result<Session> session = Session::create(model.value(), options);
  if (!session.is_ok()) {
    EXPECT_EQ(session.status().code(), StatusCode::kOutOfMemory) << session.status().message();
    EXPECT_STRNE(session.status().message(), "");
    return Step::kSessionFailed;
  }
  *out = run_once(model.value(), session.value());
  return Step::kDone;
}

struct Needed {
  long model = -1;  // allocations of Model::from_buffer
  long total = -1;  // and of Session::create
};

// Steps the budget from 0 until model and session are created.
Needed allocations_needed(const testing::AlignedImage& image, Backend backend) {
  Needed needed;
  std::vector<float> expected;
  {
    Result<Model> model = Model::from_buffer(image.data(), image.size);
    EXPECT_TRUE(model.is_ok()) << model.status().message();
    if (!model.is_ok()) return needed;
    SessionOptions options;
    options.backend = backend;
    Result<Session> session = Session::create(model.value(), options);
    EXPECT_TRUE(session.is_ok()) << session.status().message();
    if (!session.is_ok()) return needed;
    expected = run_once(model.value(), session.value());
  }
  // Far above any model here; a bound so a broken allocator path cannot loop.
  constexpr long kMaxBudget = 100000;
  for (long budget = 0; budget <= kMaxBudget; ++budget) {
    BudgetAllocator a;
    a.budget = budget;
    std::vector<float> got;
    const Step step = try_budget(image, backend, &a, &got);
    EXPECT_EQ(a.granted, a.returned) << "budget " << budget << ": blocks not given back";
    if (::testing::Test::HasFailure()) return needed;
    if (step != Step::kModelFailed && needed.model < 0) needed.model = budget;
    if (step == Step::kDone) {
      EXPECT_EQ(got.size(), expected.size());
      EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
          << "output differs from the unlimited run";
      needed.total = budget;
      return needed;
    }
  }
  ADD_FAILURE() << "still out of memory with " << kMaxBudget << " allocations";
  return needed;
}

struct Case {
  const char* name;
  Backend backend;
};

class AllocationBudget : public ::testing::TestWithParam<Case> {
 protected:
  void check(const std::string& model, const testing::AlignedImage& image) {
    const Needed needed = allocations_needed(image, GetParam().backend);
    // Both calls ran out of memory at some budget (the Model at 0).
    ASSERT_GT(needed.model, 0);
    ASSERT_GT(needed.total, needed.model);
    std::printf("%s on %s: %ld allocations (model %ld, session %ld)\n", model.c_str(), GetParam().name,
                needed.total, needed.model, needed.total - needed.model);
    RecordProperty("allocations", static_cast<int>(needed.total));
  }
};

TEST_P(AllocationBudget, BuilderModel) { check("builder model", testing::aligned_copy(testing::build_model())); }

TEST_P(AllocationBudget, Resnet20Q4_0) {
  check("ResNet-20 q4_0", read_image(testing::converted_fixture("resnet20_cifar10.onnx", "q4_0")));
}

TEST_P(AllocationBudget, Gpt2Q4_0) { check("GPT-2 q4_0", read_image(testing::converted_gpt2("q4_0", 8))); }

// kDefault: the encoded ops of the q4_0 models run on the fused backend.
INSTANTIATE_TEST_SUITE_P(Backends, AllocationBudget,
                         ::testing::Values(Case{"reference", Backend::kReference}, Case{"default", Backend::kDefault}),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nibble
