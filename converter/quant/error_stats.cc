#include "converter/quant/error_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nibble::convert::quant {

double ErrorStats::rmse() const { return count == 0 ? 0 : std::sqrt(sum_sq_error / static_cast<double>(count)); }

double ErrorStats::mean_abs() const { return count == 0 ? 0 : sum_abs_error / static_cast<double>(count); }

double ErrorStats::snr_db() const {
  if (sum_sq_error == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(sum_sq_signal / sum_sq_error);
}

void ErrorStats::merge(const ErrorStats& other) {
  count += other.count;
  sum_sq_signal += other.sum_sq_signal;
  sum_sq_error += other.sum_sq_error;
  sum_abs_error += other.sum_abs_error;
  // Written so a NaN on either side survives (std::max could drop it).
  if (other.max_abs_error > max_abs_error || std::isnan(other.max_abs_error)) max_abs_error = other.max_abs_error;
}

ErrorStats measure_error(const float* reference, const float* approx, size_t n) {
  ErrorStats stats;
  stats.count = n;
  for (size_t i = 0; i < n; ++i) {
    const double r = reference[i];
    const double e = static_cast<double>(approx[i]) - r;
    stats.sum_sq_signal += r * r;
    stats.sum_sq_error += e * e;
    stats.sum_abs_error += std::fabs(e);
    if (std::fabs(e) > stats.max_abs_error || std::isnan(e)) stats.max_abs_error = std::fabs(e);  // NaN sticks
  }
  return stats;
}

}  // namespace nibble::convert::quant
