// The scalar reference GEMV: decode a chunk of the row with
// codec::decode_range (the definition of every format), then multiply and
// add in column order, starting from the bias, one rounding per operation
// (no FMA; the file is built with -ffp-contract=off). That is the order of
// the reference LINEAR op (runtime/ops/reference/conv2d.cc), so on the
// same weights the two agree bit for bit.
#include "gemv/gemv_kernels.h"

#include "codec/decode_range.h"

namespace nibble::gemv {

void gemv_reference(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
                    int64_t row_end) {
  constexpr int64_t kChunk = 256;  // decoded weights on the stack: 1 KiB
  float decoded[kChunk];
  const int64_t cols = w.layout.cols;
  for (int64_t r = row_begin; r < row_end; ++r) {
    float acc = bias != nullptr ? bias[r] : 0.0f;
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      const int64_t n = cols - c0 < kChunk ? cols - c0 : kChunk;
      codec::decode_range(w, r, c0, n, decoded);
      for (int64_t i = 0; i < n; ++i) acc += decoded[i] * x[c0 + i];
    }
    y[r] = acc;
  }
}

}  // namespace nibble::gemv
