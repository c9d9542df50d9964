// The int8-activation GEMV's definition (gemv_q8.h), and the activation
// quantization every level shares. Built with -ffp-contract=off: one
// rounding per written operation.
#include <cmath>
#include <cstring>

#include "codec/decode_range.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_table.h"
#include "gemm/q8_quantize.h"

namespace nibble::gemv {
namespace {

int64_t padded(int64_t cols) { return (cols + kQ8Padding - 1) / kQ8Padding * kQ8Padding; }

// Offsets inside the buffer: q, then d, then sums, each 64-byte aligned.
struct Q8BufferLayout {
  size_t d_offset, sums_offset, bytes;
};

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

Q8BufferLayout buffer_layout(int64_t cols) {
  const size_t p = static_cast<size_t>(padded(cols));
  const size_t blocks = p / kQ8Block;
  Q8BufferLayout l;
  l.d_offset = align64(p);
  l.sums_offset = l.d_offset + align64(blocks * sizeof(float));
  l.bytes = l.sums_offset + align64(blocks * sizeof(int32_t));
  return l;
}

}  // namespace

size_t q8_activation_bytes(int64_t cols) { return buffer_layout(cols).bytes; }

Q8Activations quantize_activations(Isa isa, const float* x, int64_t cols, void* buffer) {
  // One definition for every level, so every level sees the same q. The
  // AVX-512 version (gemm/q8_quantize.h, tested bit for bit against this
  // loop) does the blocks that hold columns: in a GPT-2 decoding step the
  // scalar loop was 3-4% of the time (fmax and nearbyint are libm calls).
  const Q8BufferLayout l = buffer_layout(cols);
  uint8_t* base = static_cast<uint8_t*>(buffer);
  int8_t* q = reinterpret_cast<int8_t*>(base);
  float* d = reinterpret_cast<float*>(base + l.d_offset);
  int32_t* sums = reinterpret_cast<int32_t*>(base + l.sums_offset);
  const int64_t p = padded(cols);
  int64_t first = 0;  // the first block the loop below quantizes
#if NIBBLE_GEMM_X86_KERNELS
  if (isa_available(isa) && isa_le(Isa::kAvx512, isa)) {
    gemm::detail::avx512_quantize_q8_blocks(x, cols, q, d, sums);
    first = (cols + kQ8Block - 1) / kQ8Block;
  }
#else
  (void)isa;
#endif
  for (int64_t b = first; b * kQ8Block < p; ++b) {
    const int64_t c0 = b * kQ8Block;
    const int64_t n = c0 >= cols ? 0 : (cols - c0 < kQ8Block ? cols - c0 : kQ8Block);
    float amax = 0.0f;
    for (int64_t i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(x[c0 + i]));
    const float scale = amax / 127.0f;
    const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
    int32_t sum = 0;
    for (int64_t i = 0; i < kQ8Block; ++i) {
      int32_t v = 0;
      if (i < n) {
        // x * (1/d) as the SIMD levels would, clamped (x/d can round to
        // 127.00001): |v| <= 127. NaN (a NaN x, or an infinite x times
        // 1/inf = 0) becomes -127: what x86's conversion gives (INT_MIN)
        // after the clamp, said here without converting a NaN to int.
        const float f = x[c0 + i] * inverse;
        if (f != f) {
          v = -127;
        } else {
          const float r = std::nearbyint(f);
          v = r > 127.0f ? 127 : (r < -127.0f ? -127 : static_cast<int32_t>(r));
        }
      }
      q[c0 + i] = static_cast<int8_t>(v);
      sum += v;
    }
    d[b] = scale;
    sums[b] = sum;
  }
  Q8Activations view;
  view.q = q;
  view.d = d;
  view.sums = sums;
  view.cols = cols;
  view.padded_cols = p;
  return view;
}

void gemv_q8_reference(const codec::PackedWeights& w_in, const Q8Activations& x, const float* bias, float* y,
                       int64_t row_begin, int64_t row_end) {
  // Small tables decode through their int8 rounding (gemv_q8_table.h):
  // the same weight, with f * t[code] as its table.
  codec::PackedWeights w = w_in;
  float rounded[1 << kQ8TableMaxBits];
  if (q8_rounds_table(w_in)) {
    int8_t t[1 << kQ8TableMaxBits];
    float f = 0.0f;
    q8_table(w_in, t, &f);
    for (int i = 0; i < (1 << w.layout.bits); ++i) rounded[i] = f * static_cast<float>(t[i]);
    w.table = rounded;
  }
  float decoded[kQ8Block];
  const int64_t cols = w.layout.cols;
  for (int64_t r = row_begin; r < row_end; ++r) {
    float acc = 0.0f;
    for (int64_t c0 = 0; c0 < cols; c0 += kQ8Block) {
      const int64_t n = cols - c0 < kQ8Block ? cols - c0 : kQ8Block;
      codec::decode_range(w, r, c0, n, decoded);
      float block = 0.0f;
      for (int64_t i = 0; i < n; ++i) block += decoded[i] * static_cast<float>(x.q[c0 + i]);
      acc += x.d[c0 / kQ8Block] * block;
    }
    y[r] = (bias != nullptr ? bias[r] : 0.0f) + acc;
  }
}

}  // namespace nibble::gemv
