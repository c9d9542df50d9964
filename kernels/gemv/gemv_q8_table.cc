#include "gemv/gemv_q8_table.h"

#include <cmath>

namespace nibble::gemv {

bool q8_rounds_table(const codec::PackedWeights& w) {
  return w.layout.format == codec::Format::kTable && w.layout.bits <= kQ8TableMaxBits && w.table != nullptr;
}

void q8_table(const codec::PackedWeights& w, int8_t* t, float* factor) {
  const int n = 1 << w.layout.bits;
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(w.table[i]));
  const float f = amax / 127.0f;
  for (int i = 0; i < n; ++i) {
    float v = f != 0.0f ? std::nearbyint(w.table[i] / f) : 0.0f;
    v = v > 127.0f ? 127.0f : (v < -127.0f ? -127.0f : v);
    t[i] = static_cast<int8_t>(v);
  }
  *factor = f;
}

}  // namespace nibble::gemv
