#include "planner/memory_planner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nibble {
namespace {

TEST(MemoryPlanner, ReusesMemoryOfDeadTensors) {
  // A chain a -> b -> c -> d: each tensor dies when the next is made, so
  // a and c can share bytes, as can b and d.
  std::vector<TensorLifetime> t = {{1000, -1, 0}, {1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}};
  std::vector<uint64_t> offsets(t.size());
  std::vector<uint32_t> scratch(2 * t.size());
  uint64_t arena = 0;
  ASSERT_TRUE(plan_memory(t.data(), t.size(), offsets.data(), &arena, scratch.data(),
                          scratch.size() * sizeof(uint32_t))
                  .is_ok());
  EXPECT_EQ(arena, 2048u);  // two 1000-byte tensors, each rounded to 1024
  EXPECT_TRUE(check_memory_plan(t.data(), t.size(), offsets.data(), arena).is_ok());
}

TEST(MemoryPlanner, FillsGapsBeforeGrowing) {
  // big1 (ops 0..1) and big2 (1..3) are alive together; small (2..3)
  // comes after big1 has died, so it takes big1's bytes at offset 0.
  std::vector<TensorLifetime> t = {{4096, 0, 1}, {4096, 1, 3}, {64, 2, 3}};
  std::vector<uint64_t> offsets(t.size());
  std::vector<uint32_t> scratch(2 * t.size());
  uint64_t arena = 0;
  ASSERT_TRUE(plan_memory(t.data(), t.size(), offsets.data(), &arena, scratch.data(),
                          scratch.size() * sizeof(uint32_t))
                  .is_ok());
  EXPECT_EQ(arena, 8192u);
  EXPECT_EQ(offsets[2], 0u);
  EXPECT_TRUE(check_memory_plan(t.data(), t.size(), offsets.data(), arena).is_ok());
}

TEST(MemoryPlanner, CheckRejectsOverlapAndOutOfArena) {
  std::vector<TensorLifetime> t = {{128, 0, 2}, {128, 1, 3}};
  std::vector<uint64_t> overlapping = {0, 64};
  EXPECT_EQ(check_memory_plan(t.data(), t.size(), overlapping.data(), 512).code(), StatusCode::kMalformed);
  std::vector<uint64_t> outside = {0, 448};
  EXPECT_EQ(check_memory_plan(t.data(), t.size(), outside.data(), 512).code(), StatusCode::kOutOfRange);
  std::vector<uint64_t> misaligned = {0, 130};
  EXPECT_EQ(check_memory_plan(t.data(), t.size(), misaligned.data(), 512).code(), StatusCode::kMisaligned);
}

TEST(MemoryPlanner, CheckRejectsAPlanSpanningMoreThanItsTensorsSideBySide) {
  // Two 128-byte tensors never alive together: any plan within 256 bytes
  // is sane; one placed at 1 TiB would make the session allocate 1 TiB.
  std::vector<TensorLifetime> t = {{128, 0, 1}, {128, 2, 3}};
  std::vector<uint64_t> side_by_side = {0, 128};
  EXPECT_TRUE(check_memory_plan(t.data(), t.size(), side_by_side.data(), 256).is_ok());
  std::vector<uint64_t> far = {0, uint64_t{1} << 40};
  const Status status = check_memory_plan(t.data(), t.size(), far.data(), uint64_t{1} << 41);
  EXPECT_EQ(status.code(), StatusCode::kMalformed);
  EXPECT_NE(std::string(status.message()).find("tensor 1 at offset 1099511627776 ends past all 2 tensors side by side "
                                               "(256 bytes)"),
            std::string::npos)
      << status.message();
}

TEST(MemoryPlanner, PlansOfRandomGraphsPassTheCheck) {
  // The check's side-by-side bound must never refuse the planner's own
  // plans: random sizes (including 0 and unaligned) and lifetimes.
  uint32_t state = 12345;
  auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + next() % 40;
    std::vector<TensorLifetime> t(n);
    for (auto& x : t) {
      x.size_bytes = next() % 5 == 0 ? 0 : next() % 100000;
      x.first_op = static_cast<int32_t>(next() % 30) - 1;
      x.last_op = x.first_op + static_cast<int32_t>(next() % 10);
    }
    std::vector<uint64_t> offsets(n);
    std::vector<uint32_t> scratch(2 * n);
    uint64_t arena = 0;
    ASSERT_TRUE(plan_memory(t.data(), n, offsets.data(), &arena, scratch.data(), scratch.size() * sizeof(uint32_t))
                    .is_ok());
    const Status status = check_memory_plan(t.data(), n, offsets.data(), arena);
    ASSERT_TRUE(status.is_ok()) << "trial " << trial << ": " << status.message();
  }
}

}  // namespace
}  // namespace nibble
