#include "driver/bandwidth.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "common/timer.h"

namespace nibble::bench {
namespace {

// XOR of every 8-byte word in 8 independent chains (the compiler turns it
// into wide loads; the chains keep it load-bound).
uint64_t read_all(const uint64_t* p, size_t words) {
  uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i + 8 <= words; i += 8) {
    for (int j = 0; j < 8; ++j) a[j] ^= p[i + j];
  }
  uint64_t r = 0;
  for (uint64_t v : a) r ^= v;
  return r;
}

}  // namespace

Bandwidth measure_bandwidth(size_t bytes, int runs) {
  bytes = bytes / 64 * 64;
  auto* a = static_cast<uint64_t*>(std::aligned_alloc(64, bytes));
  auto* b = static_cast<uint64_t*>(std::aligned_alloc(64, bytes));
  Bandwidth bw;
  if (a == nullptr || b == nullptr) {
    std::free(a);
    std::free(b);
    return bw;
  }
  std::memset(a, 1, bytes);  // touch every page before timing
  std::memset(b, 2, bytes);
  volatile uint64_t sink = 0;
  double best_read = 1e30, best_copy = 1e30;
  for (int r = 0; r < runs; ++r) {
    double t = examples::now_seconds();
    sink = sink ^ read_all(a, bytes / 8);
    best_read = std::min(best_read, examples::now_seconds() - t);
    t = examples::now_seconds();
    std::memcpy(b, a, bytes);
    best_copy = std::min(best_copy, examples::now_seconds() - t);
  }
  bw.read_gbps = bytes / best_read / 1e9;
  bw.copy_gbps = 2.0 * bytes / best_copy / 1e9;
  std::free(a);
  std::free(b);
  return bw;
}

}  // namespace nibble::bench
