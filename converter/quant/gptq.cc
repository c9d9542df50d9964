#include "converter/quant/gptq.h"

#include <cmath>

#include "converter/convert.h"

namespace nibble::convert::quant {

namespace {

// In-place Cholesky of a symmetric positive definite n x n matrix: the
// lower triangle becomes L with A = L L^T. False if not positive definite.
bool cholesky(std::vector<double>& a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (int64_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    a[j * n + j] = d;
    for (int64_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
  }
  return true;
}

// H^-1 from its Cholesky factor L (lower): solve L Y = I, then
// H^-1 = Y^T Y.
std::vector<double> inverse_from_cholesky(const std::vector<double>& l, int64_t n) {
  std::vector<double> y(static_cast<size_t>(n * n), 0.0);  // Y = L^-1 (lower)
  for (int64_t c = 0; c < n; ++c) {
    y[c * n + c] = 1.0 / l[c * n + c];
    for (int64_t i = c + 1; i < n; ++i) {
      double s = 0;
      for (int64_t k = c; k < i; ++k) s += l[i * n + k] * y[k * n + c];
      y[i * n + c] = -s / l[i * n + i];
    }
  }
  std::vector<double> inv(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      double s = 0;
      for (int64_t k = i; k < n; ++k) s += y[k * n + i] * y[k * n + j];
      inv[i * n + j] = inv[j * n + i] = s;
    }
  }
  return inv;
}

}  // namespace

std::vector<float> gptq_quantize(const float* w, int64_t rows, int64_t cols, std::vector<double> h, double damp,
                                 const ElementQuantizer& quantize) {
  const int64_t n = cols;
  if (static_cast<int64_t>(h.size()) != n * n) throw Error("internal error: GPTQ statistics have the wrong size");
  std::vector<double> work(w, w + rows * cols);
  double mean_diag = 0;
  for (int64_t j = 0; j < n; ++j) mean_diag += h[j * n + j];
  mean_diag /= static_cast<double>(n);
  if (!(mean_diag > 0)) mean_diag = 1;
  for (int64_t j = 0; j < n; ++j) {
    if (h[j * n + j] == 0) h[j * n + j] = 1;  // a dead input: nothing to compensate through it
    h[j * n + j] += damp * mean_diag;
  }
  if (!cholesky(h, n)) throw Error("GPTQ: the calibration statistics are not positive definite");
  // U: the upper Cholesky factor of H^-1 (H^-1 = U^T U), as GPTQ uses it.
  std::vector<double> u = inverse_from_cholesky(h, n);
  if (!cholesky(u, n)) throw Error("GPTQ: the inverse statistics are not positive definite");
  // u now holds L' (lower) with H^-1 = L' L'^T; U = L'^T, so U[j][k] = L'[k][j].
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t j = 0; j < n; ++j) {
    const double ujj = u[j * n + j];
    for (int64_t r = 0; r < rows; ++r) {
      double* row = &work[static_cast<size_t>(r * cols)];
      const float q = quantize(r, j, static_cast<float>(row[j]));
      out[static_cast<size_t>(r * cols + j)] = q;
      const double err = (row[j] - q) / ujj;
      for (int64_t k = j + 1; k < n; ++k) row[k] -= err * u[k * n + j];
    }
  }
  return out;
}

}  // namespace nibble::convert::quant
