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
//
// The int8-activation kernels choose per call (gemv_q8_*): they read up to
// 4 x 4 KiB of q8_0 rows per step next to a 16 KiB activation tile, and
// prefetching as much again into L1 evicts what is being read (4096x4096
// q8_0: 50% of the read bandwidth into L1, 70-83% into L2), while short
// rows gain from L1 (768x2304 q4_0: 56% against 33%).
#pragma once

#include <xmmintrin.h>

#include <cstdint>

namespace nibble::gemv {
namespace {

class RowsPrefetch {
 public:
  // The next `rows` rows start at `first`, `stride` bytes apart; of each,
  // `bytes` bytes from there will be read. Their lines are prefetched over
  // `steps` calls to step(), into L2 only if to_l2. (Objects are local to
  // a kernel: with to_l2 a constant, inlining folds the choice away.)
  RowsPrefetch(const uint8_t* first, uint64_t stride, int64_t bytes, int rows, int64_t steps, bool to_l2)
      : p_(reinterpret_cast<const char*>(first)), stride_(stride), bytes_(bytes), rows_(rows), to_l2_(to_l2) {
    const int64_t lines = (bytes + 63) / 64 * rows;
    lines_per_step_ = steps > 0 ? (lines + steps - 1) / steps : 0;
  }

  void step() {
    for (int64_t k = 0; k < lines_per_step_ && row_ < rows_; ++k) {
      const char* line = p_ + static_cast<uint64_t>(row_) * stride_ + offset_;
      if (to_l2_) {
        _mm_prefetch(line, _MM_HINT_T1);
      } else {
        _mm_prefetch(line, _MM_HINT_T0);
      }
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
  bool to_l2_;
  int64_t lines_per_step_ = 0;
  int row_ = 0;
  int64_t offset_ = 0;
};

// The f32 kernels' fixed choices: AVX2 into L1, AVX-512 into L2.
struct NextRowsPrefetch : RowsPrefetch {
  NextRowsPrefetch(const uint8_t* first, uint64_t stride, int64_t bytes, int rows, int64_t steps)
      : RowsPrefetch(first, stride, bytes, rows, steps, false) {}
};
struct NextRowsPrefetchL2 : RowsPrefetch {
  NextRowsPrefetchL2(const uint8_t* first, uint64_t stride, int64_t bytes, int rows, int64_t steps)
      : RowsPrefetch(first, stride, bytes, rows, steps, true) {}
};

}  // namespace
}  // namespace nibble::gemv
