// The machine's memory bandwidth, measured in the same run as the kernels
// it is compared with (a shared VM's bandwidth drifts by 20-30%).
#pragma once

#include <cstddef>

namespace nibble::bench {

struct Bandwidth {
  double read_gbps = 0;  // STREAM-style read: bytes read / s
  double copy_gbps = 0;  // memcpy: bytes read + written / s
};

// One thread, on buffers of `bytes` (far beyond the last-level cache);
// best of `runs`.
Bandwidth measure_bandwidth(size_t bytes, int runs);

}  // namespace nibble::bench
