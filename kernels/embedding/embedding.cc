#include "embedding/embedding.h"

namespace nibble::embedding {

bool lookup(const codec::PackedWeights& w, const int64_t* ids, int64_t count, float* out, int64_t* first_bad_index) {
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

}  // namespace nibble::embedding
