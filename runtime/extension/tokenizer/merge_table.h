// Merge ranks by token pair: an open-addressing hash table built once per
// Tokenizer, so each BPE step looks a pair up in O(1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nibble/nibble.hpp"

namespace nibble::tokenizer {

struct MergeSlot {
  int32_t left;
  int32_t right;
  int32_t rank;    // -1: empty slot
  int32_t result;  // the joined token
};

class MergeTable {
 public:
  // merges: 2 * count verified ids; results: count ids. A pair listed
  // twice keeps its lowest rank (only that one could ever apply).
  Status build(const Allocator& allocator, const int32_t* merges, const int32_t* results, size_t count);
  void destroy(const Allocator& allocator);

  // The slot of the pair, or nullptr if the pair never merges.
  const MergeSlot* find(int32_t left, int32_t right) const;

 private:
  MergeSlot* slots_ = nullptr;
  size_t mask_ = 0;  // capacity - 1 (capacity a power of two)
};

}  // namespace nibble::tokenizer
