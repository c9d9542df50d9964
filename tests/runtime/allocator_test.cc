// The allocator hook (nibble::Allocator, nibble_allocator) and the
// ArenaAllocator helper: a model and session served entirely from a fixed
// buffer (the C heap is interposed and must stay untouched), every
// allocation given back in reverse order, and running out of memory at any
// allocation reported as kOutOfMemory, never a crash or a leak.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nibble/arena_allocator.h"
#include "nibble/nibble.h"
#include "support/heap_counter.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

// The C heap is counted while armed (support/heap_counter.h).
using nibble::testing::g_heap_armed;
using nibble::testing::g_heap_calls;

namespace nibble {
namespace {

using testing::aligned_copy;
using testing::AlignedImage;
using testing::build_model;

// malloc-backed, counts calls, checks the contract (alignment honoured,
// frees in reverse order of allocations), and can refuse the n-th request.
struct CountingAllocator {
  long allocations = 0;
  long deallocations = 0;
  long fail_at = -1;  // index of the request to refuse; -1: none
  bool contract_ok = true;
  std::vector<void*> live;  // allocation order

  Allocator hook() { return Allocator{&allocate, &deallocate, this}; }

  static void* allocate(void* context, size_t bytes, size_t alignment) {
    auto* self = static_cast<CountingAllocator*>(context);
    const long index = self->allocations++;
    if (bytes == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 64) {
      self->contract_ok = false;
    }
    if (index == self->fail_at) return nullptr;
    void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
    if (p != nullptr) self->live.push_back(p);
    return p;
  }
  static void deallocate(void* context, void* p) {
    auto* self = static_cast<CountingAllocator*>(context);
    ++self->deallocations;
    if (p == nullptr || self->live.empty() || self->live.back() != p) self->contract_ok = false;  // not LIFO
    if (!self->live.empty() && self->live.back() == p) self->live.pop_back();
    std::free(p);
  }
};

constexpr float kInput[4] = {1, 2, 3, 4};

// Model + session from `model_alloc` / `session_alloc`, one run, checked
// against the hand-computed output of test_model_builder's model. Returns
// the first failing status (or ok).
Status load_and_run(const AlignedImage& image, const Allocator* model_alloc, const Allocator* session_alloc,
                    Backend backend = Backend::kReference) {
  Result<Model> model = Model::from_buffer(image.data(), image.size, model_alloc);
  if (!model.is_ok()) return model.status();
  SessionOptions options;
  options.backend = backend;
  options.allocator = session_alloc;
  Result<Session> session = Session::create(model.value(), options);
  if (!session.is_ok()) return session.status();
  NIBBLE_RETURN_IF_ERROR(session->set_input(0, kInput, 4));
  NIBBLE_RETURN_IF_ERROR(session->run());
  const float* z = session->output_data(0);
  EXPECT_FLOAT_EQ(z[0], 6.0f);
  EXPECT_FLOAT_EQ(z[1], 0.0f);
  EXPECT_FLOAT_EQ(z[2], 6.0f);
  return Status::ok();
}

TEST(Allocator, ModelAndSessionRunFromAFixedBufferWithoutTheHeap) {
  AlignedImage image = aligned_copy(build_model());
  alignas(64) static uint8_t buffer[64 * 1024];
  ArenaAllocator arena(buffer, sizeof(buffer));
  g_heap_calls = 0;
  g_heap_armed = true;
  const Status status = load_and_run(image, arena.allocator(), arena.allocator());
  g_heap_armed = false;
  ASSERT_TRUE(status.is_ok()) << status.message();
  if (NIBBLE_TEST_HOOKS_MALLOC) {
    EXPECT_EQ(g_heap_calls.load(), 0) << "nibble used the C heap";
  }
  EXPECT_GT(arena.peak(), 192u);  // at least the 192-byte activation arena
  EXPECT_LE(arena.peak(), sizeof(buffer));
  // Everything came back, in an order the bump allocator could reclaim.
  EXPECT_EQ(arena.used(), 0u);
  EXPECT_EQ(arena.live_blocks(), 0u);
  EXPECT_EQ(arena.failed_requests(), 0u);
}

TEST(Allocator, TooSmallArenaGivesOutOfMemoryAtEverySize) {
  AlignedImage image = aligned_copy(build_model());
  alignas(64) static uint8_t buffer[64 * 1024];
  size_t peak = 0;
  {
    ArenaAllocator arena(buffer, sizeof(buffer));
    ASSERT_TRUE(load_and_run(image, arena.allocator(), arena.allocator()).is_ok());
    peak = arena.peak();
  }
  // Every capacity short of the peak fails cleanly, wherever it runs out.
  for (size_t capacity = 0; capacity < peak; capacity += 8) {
    ArenaAllocator arena(buffer, capacity);
    const Status status = load_and_run(image, arena.allocator(), arena.allocator());
    ASSERT_EQ(status.code(), StatusCode::kOutOfMemory) << "capacity " << capacity << ": " << status.message();
    EXPECT_GT(arena.failed_requests(), 0u);
    EXPECT_EQ(arena.live_blocks(), 0u) << "capacity " << capacity << ": a block leaked";
    EXPECT_EQ(arena.used(), 0u);
  }
  ArenaAllocator exact(buffer, peak);
  EXPECT_TRUE(load_and_run(image, exact.allocator(), exact.allocator()).is_ok());
}

TEST(Allocator, EveryAllocationIsReleasedInReverseOrder) {
  AlignedImage image = aligned_copy(build_model());
  for (Backend backend : {Backend::kReference, Backend::kDefault}) {
    CountingAllocator counter;
    const Allocator hook = counter.hook();
    long after_create = 0;
    {
      Result<Model> model = Model::from_buffer(image.data(), image.size, &hook);
      ASSERT_TRUE(model.is_ok()) << model.status().message();
      SessionOptions options;
      options.backend = backend;
      options.allocator = &hook;
      Result<Session> session = Session::create(model.value(), options);
      ASSERT_TRUE(session.is_ok()) << session.status().message();
      after_create = counter.allocations;
      ASSERT_TRUE(session->set_input(0, kInput, 4).is_ok());
      ASSERT_TRUE(session->run().is_ok());
      EXPECT_EQ(counter.allocations, after_create) << "run() allocated";
    }
    EXPECT_GE(counter.allocations, 6);  // model: impl + 4 tables (+ scratch); session: impl + 3
    EXPECT_EQ(counter.deallocations, counter.allocations);
    EXPECT_TRUE(counter.live.empty());
    EXPECT_TRUE(counter.contract_ok) << "bad request or a free out of reverse order";
  }
}

TEST(Allocator, FailingAnyOneAllocationIsCleanOutOfMemory) {
  AlignedImage image = aligned_copy(build_model());
  CountingAllocator probe;
  const Allocator probe_hook = probe.hook();
  ASSERT_TRUE(load_and_run(image, &probe_hook, &probe_hook).is_ok());
  const long total = probe.allocations;
  for (long k = 0; k < total; ++k) {
    CountingAllocator counter;
    counter.fail_at = k;
    const Allocator hook = counter.hook();
    const Status status = load_and_run(image, &hook, &hook);
    EXPECT_EQ(status.code(), StatusCode::kOutOfMemory) << "allocation " << k << ": " << status.message();
    EXPECT_EQ(counter.deallocations, counter.allocations - 1) << "allocation " << k << ": leak or double free";
    EXPECT_TRUE(counter.contract_ok) << "allocation " << k;
  }
}

TEST(Allocator, ModelAndSessionMayUseDifferentAllocators) {
  AlignedImage image = aligned_copy(build_model());
  alignas(64) static uint8_t buffer[32 * 1024];
  ArenaAllocator arena(buffer, sizeof(buffer));
  // Model tables from the arena, session from malloc (nullptr).
  ASSERT_TRUE(load_and_run(image, arena.allocator(), nullptr).is_ok());
  EXPECT_EQ(arena.used(), 0u);
}

TEST(Allocator, AllocatorWithoutAllocateIsRejected) {
  AlignedImage image = aligned_copy(build_model());
  const Allocator broken = {nullptr, nullptr, nullptr};
  Result<Model> model = Model::from_buffer(image.data(), image.size, &broken);
  ASSERT_FALSE(model.is_ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  Result<Model> good = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(good.is_ok());
  SessionOptions options;
  options.allocator = &broken;
  Result<Session> session = Session::create(good.value(), options);
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidArgument);
}

TEST(ArenaAllocator, AlignsReclaimsTheNewestBlockAndEmpties) {
  alignas(64) static uint8_t buffer[1024];
  ArenaAllocator arena(buffer + 1, sizeof(buffer) - 1);  // a misaligned buffer is fine
  const Allocator& a = *arena.allocator();
  void* p = a.allocate(a.context, 10, 64);
  void* q = a.allocate(a.context, 100, 16);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % 16, 0u);
  const size_t with_q = arena.used();
  a.deallocate(a.context, q);  // newest: its bytes come back
  EXPECT_LT(arena.used(), with_q);
  void* r = a.allocate(a.context, 100, 16);
  EXPECT_EQ(r, q);
  a.deallocate(a.context, p);  // out of order: kept until the arena empties
  EXPECT_EQ(arena.live_blocks(), 1u);
  a.deallocate(a.context, r);
  EXPECT_EQ(arena.used(), 0u);
  EXPECT_EQ(a.allocate(a.context, 2000, 8), nullptr);  // larger than the arena
  EXPECT_EQ(arena.failed_requests(), 1u);
  EXPECT_EQ(arena.largest_failed_request(), 2000u);
  EXPECT_EQ(a.allocate(a.context, 8, 3), nullptr);  // not a power of two
  ArenaAllocator empty(nullptr, 100);
  EXPECT_EQ(empty.allocator()->allocate(empty.allocator()->context, 1, 1), nullptr);
}

TEST(Allocator, CApiServesHandlesModelAndSessionFromTheAllocator) {
  AlignedImage image = aligned_copy(build_model());
  CountingAllocator counter;
  const nibble_allocator hook = {&CountingAllocator::allocate, &CountingAllocator::deallocate, &counter};
  nibble_error error;
  nibble_model* model = nullptr;
  ASSERT_EQ(nibble_model_load_buffer_with_allocator(image.data(), image.size, &hook, &model, &error), NIBBLE_OK)
      << error.message;
  const long model_allocations = counter.allocations;
  nibble_session_options options;
  nibble_session_options_init(&options);
  EXPECT_EQ(options.allocator, nullptr);
  options.allocator = &hook;
  nibble_session* session = nullptr;
  ASSERT_EQ(nibble_session_create(model, &options, &session, &error), NIBBLE_OK) << error.message;
  EXPECT_GT(counter.allocations, model_allocations);
  std::memcpy(nibble_session_input(session, 0), kInput, sizeof(kInput));
  ASSERT_EQ(nibble_session_run(session, &error), NIBBLE_OK) << error.message;
  EXPECT_FLOAT_EQ(nibble_session_output(session, 0)[0], 6.0f);
  nibble_session_free(session);
  nibble_model_free(model);
  EXPECT_EQ(counter.deallocations, counter.allocations);
  EXPECT_TRUE(counter.contract_ok);

  // Out of memory for the handle itself, and for a table: reported, no leak.
  for (long k : {0L, 2L}) {
    CountingAllocator failing;
    failing.fail_at = k;
    const nibble_allocator h = {&CountingAllocator::allocate, &CountingAllocator::deallocate, &failing};
    nibble_model* m = nullptr;
    EXPECT_EQ(nibble_model_load_buffer_with_allocator(image.data(), image.size, &h, &m, &error), NIBBLE_OUT_OF_MEMORY);
    EXPECT_EQ(error.status, NIBBLE_OUT_OF_MEMORY);
    EXPECT_EQ(m, nullptr);
    EXPECT_EQ(failing.deallocations, failing.allocations - 1);
  }
  const nibble_allocator broken = {nullptr, nullptr, nullptr};
  EXPECT_EQ(nibble_model_load_buffer_with_allocator(image.data(), image.size, &broken, &model, &error),
            NIBBLE_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace nibble
