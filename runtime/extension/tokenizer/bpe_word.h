// BPE on one pre-token, exactly as GPT-2's encoder: start from one token
// per byte; repeatedly take the adjacent pair of lowest merge rank and
// join every occurrence of it, left to right without overlap; stop when
// no pair merges.
//
// Done with a min-heap of candidate pairs keyed (rank, position) over a
// linked list of the word's tokens, so a word of n bytes costs
// O(n log n), not GPT-2's O(n^2) rescans: a 1 MB run of letters takes
// well under a second. Heap entries are checked when popped (the pair at
// that position may have changed since). Pairs a merge creates with a
// rank lower than the one being applied wait until every occurrence of
// the current pair is joined, as in GPT-2's one pass per rank.
#pragma once

#include <cstddef>
#include <cstdint>

#include "extension/tokenizer/merge_table.h"

namespace nibble::tokenizer {

struct PairCandidate {
  int32_t rank;
  int32_t position;  // the pair's left token
};

// Working memory for a word of up to `capacity` bytes.
struct BpeScratch {
  size_t capacity = 0;
  int32_t* token = nullptr;  // per position; -1 once merged into its left neighbour
  int32_t* prev = nullptr;
  int32_t* next = nullptr;
  PairCandidate* heap = nullptr;      // 3 * capacity: n - 1 initial pairs + 2 per merge
  PairCandidate* deferred = nullptr;  // 2 * capacity
};

// Bytes of scratch for a word of `capacity` bytes (0 on overflow): 3
// int32 arrays and 5 candidates (3 heap, 2 deferred) per byte.
constexpr size_t bpe_scratch_bytes(size_t capacity) {
  constexpr size_t per_byte = 3 * sizeof(int32_t) + 5 * sizeof(PairCandidate);
  return capacity > SIZE_MAX / per_byte ? 0 : capacity * per_byte;
}
// Carves the arrays out of `memory` (bpe_scratch_bytes(capacity) bytes,
// aligned for int32_t).
BpeScratch bpe_scratch_in(void* memory, size_t capacity);

// Runs BPE on word[0, n) (1 <= n <= scratch.capacity, n < 2^31). The
// result is the list scratch.token[i] for i = 0, scratch.next[0], ...
// until -1. byte_token[b] is the id of the single-byte token b.
void bpe_word(const uint8_t* word, size_t n, const int32_t* byte_token, const MergeTable& merges,
              BpeScratch* scratch);

}  // namespace nibble::tokenizer
