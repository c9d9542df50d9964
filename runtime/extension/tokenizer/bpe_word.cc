#include "extension/tokenizer/bpe_word.h"

namespace nibble::tokenizer {
namespace {

bool before(const PairCandidate& a, const PairCandidate& b) {
  return a.rank != b.rank ? a.rank < b.rank : a.position < b.position;
}

class CandidateHeap {
 public:
  explicit CandidateHeap(PairCandidate* storage) : items_(storage) {}
  bool empty() const { return size_ == 0; }
  const PairCandidate& top() const { return items_[0]; }

  void push(PairCandidate c) {
    size_t i = size_++;
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!before(c, items_[parent])) break;
      items_[i] = items_[parent];
      i = parent;
    }
    items_[i] = c;
  }

  PairCandidate pop() {
    const PairCandidate result = items_[0];
    const PairCandidate last = items_[--size_];
    size_t i = 0;
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= size_) break;
      if (child + 1 < size_ && before(items_[child + 1], items_[child])) ++child;
      if (!before(items_[child], last)) break;
      items_[i] = items_[child];
      i = child;
    }
    if (size_ > 0) items_[i] = last;
    return result;
  }

 private:
  PairCandidate* items_;
  size_t size_ = 0;
};

}  // namespace

BpeScratch bpe_scratch_in(void* memory, size_t capacity) {
  BpeScratch s;
  s.capacity = capacity;
  // PairCandidate is two int32s: every array is int32-aligned.
  s.heap = static_cast<PairCandidate*>(memory);
  s.deferred = s.heap + 3 * capacity;
  s.token = reinterpret_cast<int32_t*>(s.deferred + 2 * capacity);
  s.prev = s.token + capacity;
  s.next = s.prev + capacity;
  return s;
}

void bpe_word(const uint8_t* word, size_t n, const int32_t* byte_token, const MergeTable& merges,
              BpeScratch* s) {
  int32_t* token = s->token;
  int32_t* prev = s->prev;
  int32_t* next = s->next;
  const int32_t count = static_cast<int32_t>(n);
  for (int32_t i = 0; i < count; ++i) {
    token[i] = byte_token[word[i]];
    prev[i] = i - 1;
    next[i] = i + 1 < count ? i + 1 : -1;
  }
  CandidateHeap heap(s->heap);
  size_t num_deferred = 0;
  int32_t current_rank = -1;  // the rank whose occurrences are being joined

  // Queues the pair starting at position p, if it merges at all.
  auto offer = [&](int32_t p) {
    if (p < 0 || next[p] < 0) return;
    const MergeSlot* slot = merges.find(token[p], token[next[p]]);
    if (slot == nullptr) return;
    const PairCandidate c{slot->rank, p};
    if (slot->rank < current_rank) {
      s->deferred[num_deferred++] = c;
    } else {
      heap.push(c);
    }
  };

  for (int32_t i = 0; i + 1 < count; ++i) offer(i);
  for (;;) {
    // Pass current_rank is over when the heap offers no more of it.
    if (num_deferred > 0 && (heap.empty() || heap.top().rank != current_rank)) {
      for (size_t k = 0; k < num_deferred; ++k) heap.push(s->deferred[k]);
      num_deferred = 0;
    }
    if (heap.empty()) break;
    const PairCandidate c = heap.pop();
    const int32_t p = c.position;
    if (token[p] < 0 || next[p] < 0) continue;  // merged away, or now last
    const int32_t q = next[p];
    const MergeSlot* slot = merges.find(token[p], token[q]);
    if (slot == nullptr || slot->rank != c.rank) continue;  // the pair changed
    current_rank = c.rank;
    token[p] = slot->result;
    token[q] = -1;
    next[p] = next[q];
    if (next[q] >= 0) prev[next[q]] = p;
    offer(prev[p]);
    offer(p);
  }
}

}  // namespace nibble::tokenizer
