#include "embedding/embedding.h"

namespace nibble::embedding {
namespace {

template <typename Id>
bool lookup_ids(const codec::PackedWeights& w, const Id* ids, int64_t count, float* out, int64_t* first_bad_index) {
  // Check every id first, so a bad one leaves the output as it was.
  for (int64_t i = 0; i < count; ++i) {
    if (ids[i] < 0 || ids[i] >= w.layout.rows) {
      if (first_bad_index != nullptr) *first_bad_index = i;
      return false;
    }
  }
  for (int64_t i = 0; i < count; ++i) codec::decode_row(w, ids[i], out + i * w.layout.cols);
  return true;
}

}  // namespace

bool lookup(const codec::PackedWeights& w, const int64_t* ids, int64_t count, float* out, int64_t* first_bad_index) {
  return lookup_ids(w, ids, count, out, first_bad_index);
}

bool lookup(const codec::PackedWeights& w, const int32_t* ids, int64_t count, float* out, int64_t* first_bad_index) {
  return lookup_ids(w, ids, count, out, first_bad_index);
}

}  // namespace nibble::embedding
