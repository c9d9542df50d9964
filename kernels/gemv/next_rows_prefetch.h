// Software prefetch of the rows a GEMV kernel will read next, for the x86
// kernel files only (everything here has internal linkage, so each file
// compiled with its own ISA flags gets its own copy).
//
// Why: a kernel reads kRows rows at once, interleaved (row 0's first
// bytes, row 1's, ..., then row 0's next bytes), and the hardware
// prefetchers do not follow that: out of the cache the int8 kernel ran at
// 6.5 GB/s, a third of its in-cache speed. Prefetching the next block of
// rows in address order, a few lines per step at the rate the current
// block is consumed, brought it to 20 GB/s (768x2304, 77% of the
// machine's read bandwidth); the same prefetches in the interleaved order
// gained only a third of that.
#pragma once

#include <xmmintrin.h>

#include <cstdint>

namespace nibble::gemv {
namespace {

class NextRowsPrefetch {
 public:
  // The next `rows` rows start at `first`, `stride` bytes apart; of each,
  // `bytes` bytes from there will be read. Their lines are prefetched over
  // `steps` calls to step().
  NextRowsPrefetch(const uint8_t* first, uint64_t stride, int64_t bytes, int rows, int64_t steps)
      : p_(reinterpret_cast<const char*>(first)), stride_(stride), bytes_(bytes), rows_(rows) {
    const int64_t lines = (bytes + 63) / 64 * rows;
    lines_per_step_ = steps > 0 ? (lines + steps - 1) / steps : 0;
  }

  void step() {
    for (int64_t k = 0; k < lines_per_step_ && row_ < rows_; ++k) {
      _mm_prefetch(p_ + static_cast<uint64_t>(row_) * stride_ + offset_, _MM_HINT_T0);
      offset_ += 64;
      if (offset_ >= bytes_) {
        offset_ = 0;
        ++row_;
      }
    }
  }

 private:
  const char* p_;
  uint64_t stride_;
  int64_t bytes_;
  int rows_;
  int64_t lines_per_step_ = 0;
  int row_ = 0;
  int64_t offset_ = 0;
};

}  // namespace
}  // namespace nibble::gemv
