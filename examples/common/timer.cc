#include "common/timer.h"

#include <algorithm>

namespace nibble::examples {

double median(std::vector<double> samples) {
  if (samples.empty()) return 0.0;
  const size_t mid = samples.size() / 2;
  std::nth_element(samples.begin(), samples.begin() + mid, samples.end());
  double m = samples[mid];
  if (samples.size() % 2 == 0) {
    m = (m + *std::max_element(samples.begin(), samples.begin() + mid)) / 2.0;
  }
  return m;
}

}  // namespace nibble::examples
