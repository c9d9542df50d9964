#pragma once

#include <chrono>
#include <vector>

namespace nibble::examples {

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median of a copy of the samples; 0 for none.
double median(std::vector<double> samples);

}  // namespace nibble::examples
