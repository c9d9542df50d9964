// Error statistics of an approximation (a dequantized tensor) against its
// reference: sums, so statistics of layers merge into a model total.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nibble::convert::quant {

struct ErrorStats {
  uint64_t count = 0;
  double sum_sq_signal = 0;  // sum of reference^2
  double sum_sq_error = 0;   // sum of (approx - reference)^2
  double sum_abs_error = 0;
  double max_abs_error = 0;

  // 0 when count == 0.
  double rmse() const;
  double mean_abs() const;
  // 10 log10(sum_sq_signal / sum_sq_error): +inf when the error is 0
  // (lossless), -inf for a zero signal with a non-zero error.
  double snr_db() const;
  // This becomes the statistics of both sets of values together.
  void merge(const ErrorStats& other);
};

// Accumulated in double. A NaN in either input makes the sums (and so
// rmse and SNR) NaN, which the reports show rather than hide.
ErrorStats measure_error(const float* reference, const float* approx, size_t n);

}  // namespace nibble::convert::quant
