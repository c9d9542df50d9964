// The rows4 repacking of Q4_0 weights (gemv_q8_rows4.h) and its dispatch.
#include "gemv/gemv_q8_rows4.h"

#include <cstring>

#include "gemv/gemv_q8_plan.h"

namespace nibble::gemv {
namespace {

constexpr int64_t kBlockBytes = 18;  // ggml Q4_0: d (f16) + 16 bytes of qs

int64_t blocks_per_row(const codec::PackedWeights& w) { return static_cast<int64_t>(w.segment.row_bytes) / kBlockBytes; }
int64_t units_per_row(const codec::PackedWeights& w) { return (blocks_per_row(w) + 1) / 2; }

}  // namespace

bool can_use_q4_0_rows4(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMV_X86_KERNELS
  return isa == Isa::kAvx512Vnni && isa_available(Isa::kAvx512Vnni) && make_q8_plan(w).shape == Q8Shape::kQ4_0;
#else
  (void)isa;
  (void)w;
  return false;
#endif
}

size_t q4_0_rows4_bytes(const codec::PackedWeights& w) {
  const int64_t row_blocks = (w.layout.rows + 3) / 4;
  return static_cast<size_t>(row_blocks) * static_cast<size_t>(units_per_row(w)) * kRows4UnitBytes;
}

void repack_q4_0_rows4(const codec::PackedWeights& w, uint8_t* out) {
  const int64_t rows = w.layout.rows, blocks = blocks_per_row(w), units = units_per_row(w);
  std::memset(out, 0, q4_0_rows4_bytes(w));
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = w.data + static_cast<uint64_t>(r) * w.segment.row_bytes;
    uint8_t* block = out + static_cast<size_t>(r / 4) * static_cast<size_t>(units) * kRows4UnitBytes;
    const int64_t rr = r % 4;
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t* unit = block + static_cast<size_t>(b / 2) * kRows4UnitBytes;
      const int64_t half = b % 2;
      std::memcpy(unit + 32 * rr + 16 * half, row + b * kBlockBytes + 2, 16);
      std::memcpy(unit + 128 + 2 * (2 * rr + half), row + b * kBlockBytes, 2);
    }
  }
}

void gemv_q8_q4_0_rows4(const Rows4Weights& w, const Q8Activations& x, const float* bias, float* y,
                        int64_t row_begin, int64_t row_end) {
#if NIBBLE_GEMV_X86_KERNELS
  detail::avx512vnni_q4_0_rows4(w, x, bias, y, row_begin, row_end);
#else
  (void)w, (void)x, (void)bias, (void)y, (void)row_begin, (void)row_end;
#endif
}

}  // namespace nibble::gemv
