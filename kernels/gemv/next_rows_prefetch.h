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
//
// Where to: the AVX-512 kernels prefetch the block after next into L2
// (kL2; gemv_avx512_common.h, kAhead), the AVX2 ones the next block into
// L1. With 4096-column rows (2 KiB of 4-bit codes), AVX-512 int4 went
// from ~36% to ~55% of the read bandwidth (q4_0 ~36% -> ~39%; three
// alternated runs each, docs/GEMV.md); 768-column rows did not lose.
// L1 prefetches a block ahead occupy the core's few L1 miss buffers for
// the whole memory latency; L2 has more, and two blocks give it time.
#pragma once

#include <xmmintrin.h>

#include <cstdint>

namespace nibble::gemv {
namespace {

template <bool kL2>
class NextRowsPrefetchTo {
 public:
  // The next `rows` rows start at `first`, `stride` bytes apart; of each,
  // `bytes` bytes from there will be read. Their lines are prefetched over
  // `steps` calls to step().
  NextRowsPrefetchTo(const uint8_t* first, uint64_t stride, int64_t bytes, int rows, int64_t steps)
      : p_(reinterpret_cast<const char*>(first)), stride_(stride), bytes_(bytes), rows_(rows) {
    const int64_t lines = (bytes + 63) / 64 * rows;
    lines_per_step_ = steps > 0 ? (lines + steps - 1) / steps : 0;
  }

  void step() {
    for (int64_t k = 0; k < lines_per_step_ && row_ < rows_; ++k) {
      _mm_prefetch(p_ + static_cast<uint64_t>(row_) * stride_ + offset_, kL2 ? _MM_HINT_T1 : _MM_HINT_T0);
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

using NextRowsPrefetch = NextRowsPrefetchTo<false>;
using NextRowsPrefetchL2 = NextRowsPrefetchTo<true>;

}  // namespace
}  // namespace nibble::gemv
