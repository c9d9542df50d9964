// Activation memory planning: one arena, tensors whose lifetimes overlap
// never share bytes. Greedy by size (largest first), each tensor at the
// lowest 64-aligned offset that clears every already-placed tensor it is
// alive with (the TFLite Micro greedy planner's rule). Used by the
// converter to write the plan and by the runtime to check or make one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nibble/status.h"

namespace nibble {

// A tensor is alive from the op that writes it (first_op) to the last op
// that reads it (last_op), inclusive. Graph inputs use first_op = -1,
// graph outputs last_op = number of ops.
struct TensorLifetime {
  uint64_t size_bytes;
  int32_t first_op;
  int32_t last_op;
};

inline bool lifetimes_overlap(const TensorLifetime& a, const TensorLifetime& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

// Bytes of scratch plan_memory needs for n tensors.
constexpr size_t memory_planner_scratch_bytes(size_t n) { return 2 * n * sizeof(uint32_t); }

// Writes offsets[i] for each tensor (size 0 tensors get offset 0) and the
// arena size. scratch must hold memory_planner_scratch_bytes(n) bytes,
// aligned for uint32_t. O(n^2) in the worst case; n is the number of
// activations, a few hundred for large models.
Status plan_memory(const TensorLifetime* tensors, size_t n, uint64_t* offsets,
                   uint64_t* arena_bytes, void* scratch, size_t scratch_bytes);

// Checks a plan someone else made (a file's): every tensor inside the
// arena and inside the span of all tensors laid side by side, offsets
// aligned, no two tensors alive together overlapping.
// On failure the message names the tensor indices.
Status check_memory_plan(const TensorLifetime* tensors, size_t n, const uint64_t* offsets,
                         uint64_t arena_bytes);

}  // namespace nibble
