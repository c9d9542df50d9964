// Software prefetch of the rows an int8-activation kernel reads next, in
// address order (why: next_rows_prefetch.h, the f32 kernels' version),
// into L1 or only L2: the int8 kernels read up to 4 x 4 KiB of q8_0 rows
// per step next to a 16 KiB activation tile, and prefetching as much
// again into L1 evicts what is being read (4096x4096 q8_0: 50% of the
// read bandwidth into L1, 70-83% into L2), while short rows gain from L1
// (768x2304 q4_0: 56% against 33%).
// x86 kernel files only; internal linkage (each ISA file its own copy).
#pragma once

#include <xmmintrin.h>

#include <cstdint>

namespace nibble::gemv {
namespace {

class RowsPrefetch {
 public:
  // `rows` rows start at `first`, `stride` bytes apart; of each, `bytes`
  // bytes will be read. Their lines are prefetched over `steps` calls.
  // to_l2: prefetch into L2 only.
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

}  // namespace
}  // namespace nibble::gemv
