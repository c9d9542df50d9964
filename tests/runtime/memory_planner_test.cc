#include "planner/memory_planner.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace nibble
