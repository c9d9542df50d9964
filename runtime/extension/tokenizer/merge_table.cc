#include "extension/tokenizer/merge_table.h"

#include "core/allocation.h"

namespace nibble::tokenizer {
namespace {

// splitmix64's finalizer: ids are small and dense, so they need mixing.
size_t hash_pair(int32_t left, int32_t right) {
  uint64_t x = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<size_t>(x);
}

}  // namespace

Status MergeTable::build(const Allocator& allocator, const int32_t* merges, const int32_t* results, size_t count) {
  // Load factor at most 1/2 keeps probe sequences short. count is at most
  // kMaxTokenizerMerges (2^24), so this cannot overflow.
  size_t capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  slots_ = allocate_array<MergeSlot>(allocator, capacity);
  if (slots_ == nullptr) {
    return NIBBLE_ERROR(kOutOfMemory, "no memory for the tokenizer's merge table (%zu slots)", capacity);
  }
  mask_ = capacity - 1;
  for (size_t i = 0; i < capacity; ++i) slots_[i].rank = -1;
  for (size_t r = 0; r < count; ++r) {
    const int32_t left = merges[2 * r];
    const int32_t right = merges[2 * r + 1];
    size_t i = hash_pair(left, right) & mask_;
    while (slots_[i].rank != -1 && !(slots_[i].left == left && slots_[i].right == right)) i = (i + 1) & mask_;
    if (slots_[i].rank != -1) continue;  // listed before, with a lower rank
    slots_[i] = MergeSlot{left, right, static_cast<int32_t>(r), results[r]};
  }
  return Status::ok();
}

void MergeTable::destroy(const Allocator& allocator) {
  free_array(allocator, slots_);
  slots_ = nullptr;
  mask_ = 0;
}

const MergeSlot* MergeTable::find(int32_t left, int32_t right) const {
  size_t i = hash_pair(left, right) & mask_;
  while (slots_[i].rank != -1) {
    if (slots_[i].left == left && slots_[i].right == right) return &slots_[i];
    i = (i + 1) & mask_;
  }
  return nullptr;
}

}  // namespace nibble::tokenizer
