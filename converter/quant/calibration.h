// Clipping-range calibration for uniform quantizers: given values (the
// weights of a tensor, channel or group, or activations sampled from a
// calibration set), choose the range [lo, hi] the quantizer maps onto its
// integer grid. Clipping a few outliers buys a finer step for everything
// else; the methods differ in how they trade the two errors.
//
//   minmax          exact min / max (symmetric: absmax)
//   percentile[:Q]  the Q-th percentile of |x| (symmetric) or the (100-Q)-th
//                   and Q-th percentiles of x (asymmetric); Q in (0, 100],
//                   default 99.99. Percentiles interpolate linearly between
//                   order statistics: position Q/100 * (n-1) in the sorted
//                   values (numpy's default "linear" rule).
//   meanstd[:K]     mean -+ K * std (population std), clipped to the data
//                   range; symmetric: |mean| + K * std. Default K = 3.
//   aciq[:laplace|gauss]  Banner et al. 2019: alpha = c(bits) * b (Laplace,
//                   b = mean |x - mean|) or c(bits) * sigma (Gaussian),
//                   centred on the mean, clipped to the data range. c(bits)
//                   minimises the analytic clipping + rounding MSE of a
//                   2^bits-level quantizer (computed, so any bit width
//                   works: 4 bits gives 5.03 (Laplace), 2.56 (Gaussian;
//                   the paper rounds it to 2.55)).
//   entropy[:BINS]  TensorRT's KL-divergence threshold search (as MXNet
//                   implements it, smoothing included) on a histogram of
//                   |x| over [0, absmax] with BINS bins (default 2048) and
//                   2^(bits-1) quantized levels; the threshold is the upper
//                   edge of the last kept bin. Costs O(n + BINS^2) (~10 ms
//                   at 2048 bins whatever n): meant for activations and
//                   whole tensors, not per-group weights. Asymmetric: the
//                   same search on |x - midpoint|, midpoint = (min + max)
//                   / 2, giving midpoint -+ threshold clipped to the data
//                   range.
//   mse             the clip minimising the actual quantization MSE of the
//                   values at `bits` bits with nearest rounding: symmetric
//                   levels k * a / (2^(bits-1) - 1), |k| <= 2^(bits-1) - 1;
//                   asymmetric 2^bits levels s * (q - z), s = (hi - lo) /
//                   (2^bits - 1), integer zero point z = round(-lo / s) in
//                   0 .. 2^bits - 1 (so the result always contains 0).
//                   Search: 100 clips 0.3 .. 1 x absmax, refined between
//                   the best one's neighbours (asymmetric: both ends
//                   together, then each end alone); one O(n) pass per
//                   candidate, ~120 (symmetric) or ~280 (asymmetric). At
//                   1 bit the symmetric grid is {-a, 0, a}.
//
// Asymmetric integer quantizers store a zero point in 0 .. 2^bits - 1, which
// needs 0 inside the range; only `mse` ensures that itself (it models that
// quantizer). Callers of the other methods extend the range with
// include_zero() before choosing the zero point, as PyTorch and TFLite do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nibble::convert::quant {

enum class CalibMethod { kMinMax, kPercentile, kEntropy, kMeanStd, kAciq, kMse };

// param: percentile Q, meanstd K, entropy bin count, aciq distribution
// (0 Laplace, 1 Gaussian); unused for minmax and mse. 0 means "the
// method's default" (99.99, 3, 2048, Laplace), so CalibSpec{method} works.
struct CalibSpec {
  CalibMethod method = CalibMethod::kMinMax;
  double param = 0;
};

constexpr double kAciqLaplace = 0;
constexpr double kAciqGauss = 1;

// "minmax", "percentile", "percentile:99.9", "entropy", "entropy:4096",
// "meanstd", "meanstd:2.5", "aciq", "aciq:laplace", "aciq:gauss", "mse".
// The result has its parameter filled in (defaults made explicit). Throws
// Error naming the valid forms for anything else.
CalibSpec parse_calib_spec(const std::string& text);

// The inverse: parse_calib_spec(calib_spec_name(s)) describes the same
// calibration. Default parameters are omitted ("percentile" for 99.99).
std::string calib_spec_name(const CalibSpec& spec);

struct Range {
  float lo, hi;
};

// The clipping range of x[0 .. n) for a `bits`-bit quantizer (bits in
// 1 .. 16); symmetric: [-a, a]. Always non-degenerate (hi > lo, and a > 0
// when symmetric): constant data c widens to [-|c|, |c|] (symmetric) or to
// [min(c, 0), max(c, 0)] (asymmetric), all-zero data to [-1, 1]. Throws
// Error if n == 0, a value is NaN or infinite, or the spec is invalid.
// O(n log n) at worst (percentile uses selection, mse O(n) per candidate).
Range calibrate(const float* x, size_t n, const CalibSpec& spec, int bits, bool symmetric);

// [min(lo, 0), max(hi, 0)]: the range an integer zero point can represent.
Range include_zero(Range range);

// A fixed-size uniform random sample of an activation stream (reservoir
// sampling, Li's "Algorithm L": O(capacity * log(count / capacity)) random
// draws instead of one per value), plus exact running statistics of every
// value added. Deterministic for a given seed and sequence of add() calls.
class ActivationSampler {
 public:
  explicit ActivationSampler(size_t capacity = size_t{1} << 20, uint64_t seed = 1);

  // Throws Error if a value is NaN or infinite (nothing is added then).
  void add(const float* x, size_t n);

  // Exact over all values added; min/max/mean/mean_square throw Error
  // before the first value.
  float min() const;
  float max() const;
  double mean() const;
  double mean_square() const;
  uint64_t count() const { return count_; }

  // min(count, capacity) values, each value added equally likely to be in it.
  const std::vector<float>& sample() const { return sample_; }

 private:
  void check_not_empty(const char* what) const;
  double uniform_open();  // in (0, 1)

  size_t capacity_;
  uint64_t rng_state_;
  std::vector<float> sample_;
  uint64_t count_ = 0;
  float min_ = 0, max_ = 0;
  double sum_ = 0, sum_sq_ = 0;
  double skip_w_ = 0;       // Algorithm L's W
  uint64_t next_pick_ = 0;  // stream index of the next value to keep
};

// calibrate() on an activation stream: the sample gives the distribution;
// the exact statistics replace their sample estimates (minmax uses the
// exact min/max, meanstd the exact mean and std, and every range is
// clipped to the exact data range). Throws Error if nothing was added.
Range calibrate(const ActivationSampler& sampler, const CalibSpec& spec, int bits, bool symmetric);

}  // namespace nibble::convert::quant
