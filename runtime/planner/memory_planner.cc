#include "planner/memory_planner.h"

#include "core/checked_math.h"
#include "loader/file_layout.h"

namespace nibble {
namespace {

// Insertion sort keeps this freestanding (no <algorithm> allocation
// concerns) and n is small; stable so equal sizes keep graph order.
void sort_by_size_descending(const TensorLifetime* t, uint32_t* order, size_t n) {
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  for (size_t i = 1; i < n; ++i) {
    uint32_t v = order[i];
    size_t j = i;
    while (j > 0 && t[order[j - 1]].size_bytes < t[v].size_bytes) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = v;
  }
}

}  // namespace

Status plan_memory(const TensorLifetime* tensors, size_t n, uint64_t* offsets,
                   uint64_t* arena_bytes, void* scratch, size_t scratch_bytes) {
  if (scratch_bytes < memory_planner_scratch_bytes(n)) {
    return NIBBLE_ERROR(kInvalidArgument, "memory planner: scratch too small for %zu tensors", n);
  }
  uint32_t* order = static_cast<uint32_t*>(scratch);
  // placed[] holds already-placed tensor indices sorted by offset.
  uint32_t* placed = order + n;
  size_t num_placed = 0;
  sort_by_size_descending(tensors, order, n);

  uint64_t arena = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint32_t i = order[k];
    const TensorLifetime& t = tensors[i];
    uint64_t aligned_size = 0;
    if (!checked_align_up(t.size_bytes, kSegmentAlignment, &aligned_size)) {
      return NIBBLE_ERROR(kOverflow, "memory planner: tensor %u size overflows", i);
    }
    if (t.size_bytes == 0) {
      offsets[i] = 0;
      continue;
    }
    // Walk placed tensors in offset order; slide the candidate past every
    // one that is alive at the same time and overlaps it.
    uint64_t candidate = 0;
    for (size_t p = 0; p < num_placed; ++p) {
      const uint32_t j = placed[p];
      if (!lifetimes_overlap(t, tensors[j])) continue;
      const uint64_t j_begin = offsets[j];
      const uint64_t j_end = j_begin + align_up(tensors[j].size_bytes, kSegmentAlignment);
      if (candidate + aligned_size <= j_begin) break;  // fits in the gap before j
      if (j_end > candidate) candidate = j_end;
    }
    offsets[i] = candidate;
    uint64_t end = 0;
    if (!checked_add(candidate, aligned_size, &end)) {
      return NIBBLE_ERROR(kOverflow, "memory planner: arena size overflows at tensor %u", i);
    }
    if (end > arena) arena = end;
    // Insert i into placed[], keeping offset order.
    size_t pos = num_placed;
    while (pos > 0 && offsets[placed[pos - 1]] > candidate) {
      placed[pos] = placed[pos - 1];
      --pos;
    }
    placed[pos] = i;
    ++num_placed;
  }
  *arena_bytes = arena;
  return Status::ok();
}

Status check_memory_plan(const TensorLifetime* tensors, size_t n, const uint64_t* offsets,
                         uint64_t arena_bytes) {
  // Every tensor laid side by side, each 64-aligned: the most any sane
  // plan spans (plan_memory's never does more, since it places a tensor in
  // the lowest gap). Saturates at 2^64 - 1 rather than wrapping.
  uint64_t side_by_side = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t aligned = 0;
    if (!checked_align_up(tensors[i].size_bytes, kSegmentAlignment, &aligned) ||
        !checked_add(side_by_side, aligned, &side_by_side)) {
      side_by_side = UINT64_MAX;
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (tensors[i].size_bytes == 0) continue;
    if (offsets[i] % kSegmentAlignment != 0) {
      return NIBBLE_ERROR(kMisaligned, "memory plan: tensor %zu offset %llu is not %llu-aligned", i,
                          static_cast<unsigned long long>(offsets[i]),
                          static_cast<unsigned long long>(kSegmentAlignment));
    }
    if (offsets[i] > arena_bytes || tensors[i].size_bytes > arena_bytes - offsets[i]) {
      return NIBBLE_ERROR(kOutOfRange, "memory plan: tensor %zu [%llu, +%llu) exceeds arena of %llu bytes",
                          i, static_cast<unsigned long long>(offsets[i]),
                          static_cast<unsigned long long>(tensors[i].size_bytes),
                          static_cast<unsigned long long>(arena_bytes));
    }
    // The session sizes its arena by the furthest tensor end: without this
    // a kilobyte file could place one small tensor at a terabyte offset.
    if (offsets[i] > side_by_side || tensors[i].size_bytes > side_by_side - offsets[i]) {
      return NIBBLE_ERROR(kMalformed,
                          "memory plan: tensor %zu at offset %llu ends past all %zu tensors side by side "
                          "(%llu bytes)",
                          i, static_cast<unsigned long long>(offsets[i]), n,
                          static_cast<unsigned long long>(side_by_side));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (tensors[i].size_bytes == 0) continue;
    for (size_t j = i + 1; j < n; ++j) {
      if (tensors[j].size_bytes == 0 || !lifetimes_overlap(tensors[i], tensors[j])) continue;
      // Both ends are inside the arena (checked above), so no overflow.
      const uint64_t i_end = offsets[i] + tensors[i].size_bytes;
      const uint64_t j_end = offsets[j] + tensors[j].size_bytes;
      if (offsets[i] < j_end && offsets[j] < i_end) {
        return NIBBLE_ERROR(kMalformed, "memory plan: tensors %zu and %zu are alive together but overlap",
                            i, j);
      }
    }
  }
  return Status::ok();
}

}  // namespace nibble
