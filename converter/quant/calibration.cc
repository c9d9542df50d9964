#include "converter/quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "converter/convert.h"

namespace nibble::convert::quant {

namespace {

constexpr double kDefaultPercentile = 99.99;
constexpr double kDefaultMeanStdK = 3;
constexpr double kDefaultEntropyBins = 2048;
constexpr int kMaxEntropyBins = 1 << 16;  // the search is O(bins^2)
constexpr int kMaxBits = 16;
constexpr double kPi = 3.14159265358979323846;
constexpr const char* kValidSpecs =
    "valid: minmax, percentile[:Q] (0 < Q <= 100), entropy[:BINS], meanstd[:K], aciq[:laplace|gauss], mse";

// The statistics every method starts from, exact over the data.
struct Moments {
  double min = 0, max = 0, mean = 0, std = 0;
  double absmax() const { return std::max(std::fabs(min), std::fabs(max)); }
};

Moments moments_of(const float* x, size_t n) {
  Moments m;
  m.min = m.max = x[0];
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw Error("calibration data has a non-finite value (" + std::to_string(x[i]) + ") at index " +
                  std::to_string(i));
    }
    m.min = std::min<double>(m.min, x[i]);
    m.max = std::max<double>(m.max, x[i]);
    sum += x[i];
  }
  m.mean = sum / static_cast<double>(n);
  // Two passes: E[x^2] - mean^2 cancels badly when |mean| >> std.
  double sum_sq = 0;
  for (size_t i = 0; i < n; ++i) sum_sq += (x[i] - m.mean) * (x[i] - m.mean);
  m.std = std::sqrt(sum_sq / static_cast<double>(n));
  return m;
}

// ------------------------------------------------------------ spec parsing

// The parameter with 0 replaced by the method's default.
double resolved_param(const CalibSpec& spec) {
  if (spec.param != 0) return spec.param;
  switch (spec.method) {
    case CalibMethod::kPercentile: return kDefaultPercentile;
    case CalibMethod::kMeanStd: return kDefaultMeanStdK;
    case CalibMethod::kEntropy: return kDefaultEntropyBins;
    default: return 0;
  }
}

std::string spec_text(const CalibSpec& spec);  // for messages, below

void validate(const CalibSpec& spec) {
  const double p = resolved_param(spec);
  const auto fail = [&](const std::string& why) {
    throw Error("calibration '" + spec_text(spec) + "': " + why + " (" + kValidSpecs + ")");
  };
  if (!std::isfinite(p)) fail("parameter is not finite");
  switch (spec.method) {
    case CalibMethod::kMinMax:
    case CalibMethod::kMse:
      if (p != 0) fail("takes no parameter");
      break;
    case CalibMethod::kPercentile:
      if (!(p > 0 && p <= 100)) fail("percentile must be in (0, 100]");
      break;
    case CalibMethod::kMeanStd:
      if (!(p > 0)) fail("K must be positive");
      break;
    case CalibMethod::kEntropy:
      if (p != std::floor(p) || p < 2 || p > kMaxEntropyBins) {
        fail("the bin count must be an integer in 2 .. " + std::to_string(kMaxEntropyBins));
      }
      break;
    case CalibMethod::kAciq:
      if (p != kAciqLaplace && p != kAciqGauss) fail("distribution must be laplace (0) or gauss (1)");
      break;
    default:
      throw Error("calibration: unknown method " + std::to_string(static_cast<int>(spec.method)) + " (" +
                  kValidSpecs + ")");
  }
}

// Shortest decimal that reads back as the same double ("99.9", not
// "99.900000000000006").
std::string shortest_decimal(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string spec_text(const CalibSpec& spec) {
  const std::string param = shortest_decimal(spec.param);
  switch (spec.method) {
    case CalibMethod::kMinMax: return spec.param == 0 ? "minmax" : "minmax:" + param;
    case CalibMethod::kMse: return spec.param == 0 ? "mse" : "mse:" + param;
    case CalibMethod::kPercentile: return "percentile:" + param;
    case CalibMethod::kMeanStd: return "meanstd:" + param;
    case CalibMethod::kEntropy: return "entropy:" + param;
    case CalibMethod::kAciq: return "aciq:" + param;
  }
  return "method " + std::to_string(static_cast<int>(spec.method));
}

double parse_number(const std::string& text, const std::string& whole) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    throw Error("calibration '" + whole + "': '" + text + "' is not a number (" + kValidSpecs + ")");
  }
  return v;
}

// ----------------------------------------------------------- percentiles

// The q-th percentile of v (reordered), interpolating linearly between
// the order statistics around position q/100 * (n - 1). O(n) selection.
double percentile(std::vector<float>& v, double q) {
  const double position = q / 100.0 * static_cast<double>(v.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(below), v.end());
  const double lower = v[below];
  if (below + 1 >= v.size()) return lower;
  // After nth_element everything right of `below` is >= it: the next order
  // statistic is the smallest of them.
  const double upper = *std::min_element(v.begin() + static_cast<ptrdiff_t>(below) + 1, v.end());
  return lower + (position - static_cast<double>(below)) * (upper - lower);
}

// ------------------------------------------------------------------ ACIQ

// c(bits) for Laplace(b = 1): minimises 2 e^-alpha + alpha^2 / (3 * 4^bits)
// (clipping + rounding noise of 2^bits levels over [-alpha, alpha]);
// the minimum solves alpha + ln(alpha) = ln(3 * 4^bits). Newton.
double aciq_laplace_constant(int bits) {
  const double target = std::log(3.0) + bits * std::log(4.0);
  double alpha = target;
  for (int i = 0; i < 50; ++i) alpha -= (alpha + std::log(alpha) - target) / (1 + 1 / alpha);
  return alpha;
}

// c(bits) for N(0, 1): minimises (alpha^2 + 1) erfc(alpha / sqrt 2)
// - sqrt(2 / pi) alpha e^(-alpha^2 / 2) + alpha^2 / (3 * 4^bits), which is
// unimodal on (0, 20): golden-section search.
double aciq_gauss_constant(int bits) {
  const double rounding = 1.0 / (3.0 * std::pow(4.0, bits));
  const auto mse = [&](double a) {
    return (a * a + 1) * std::erfc(a / std::sqrt(2.0)) - std::sqrt(2.0 / kPi) * a * std::exp(-a * a / 2) +
           a * a * rounding;
  };
  const double inv_phi = (std::sqrt(5.0) - 1) / 2;
  double lo = 0.1, hi = 20;
  double x1 = hi - inv_phi * (hi - lo), x2 = lo + inv_phi * (hi - lo);
  double f1 = mse(x1), f2 = mse(x2);
  for (int i = 0; i < 100; ++i) {
    if (f1 < f2) {
      hi = x2, x2 = x1, f2 = f1;
      x1 = hi - inv_phi * (hi - lo), f1 = mse(x1);
    } else {
      lo = x1, x1 = x2, f1 = f2;
      x2 = lo + inv_phi * (hi - lo), f2 = mse(x2);
    }
  }
  return (lo + hi) / 2;
}

// ------------------------------------------------------------- entropy

// TensorRT's calibration (as MXNet implements it): among thresholds at
// bin edges `edge` = levels .. bins, the one whose clipped histogram P
// (bins 0 .. edge-1, the mass beyond folded into bin edge-1) is closest in
// KL divergence to Q, the kept bins merged into `levels` chunks of
// edge / levels bins (the last chunk takes the remainder) and expanded
// back, each chunk's mass spread evenly over its bins where P is non-zero.
// Empty bins are smoothed as MXNet does (eps = 1e-4 counts moved from the
// non-empty bins) so the divergence stays finite. `abs_values` are >= 0
// with maximum `absmax` > 0. Returns the chosen edge in value units.
//
// P's and Q's totals, bin counts and chunk masses come from prefix sums,
// so each candidate costs one pass over its non-empty bins (one log each)
// and no allocation: O(bins^2) in all, ~10 ms for 2048 bins.
double entropy_threshold(const float* abs_values, size_t n, double absmax, int bins, int levels) {
  if (levels >= bins) return absmax;  // as many levels as bins: clipping cannot help
  const size_t nb = static_cast<size_t>(bins);
  std::vector<double> hist(nb, 0.0);
  const double to_bin = bins / absmax;
  for (size_t i = 0; i < n; ++i) hist[std::min(static_cast<size_t>(abs_values[i] * to_bin), nb - 1)] += 1;
  std::vector<double> mass_before(nb + 1, 0.0);  // sum of hist[0 .. k)
  std::vector<int> nonempty_before(nb + 1, 0);   // count of hist[0 .. k) != 0
  for (size_t k = 0; k < nb; ++k) {
    mass_before[k + 1] = mass_before[k] + hist[k];
    nonempty_before[k + 1] = nonempty_before[k] + (hist[k] != 0);
  }
  constexpr double kEps = 1e-4;
  const double total = static_cast<double>(n);  // = sum of P for every edge
  double best_kl = std::numeric_limits<double>::infinity();
  int best_edge = bins;
  for (int edge = levels; edge <= bins; ++edge) {
    const double p_last = hist[edge - 1] + (total - mass_before[edge]);
    const auto p_of = [&](int k) { return k == edge - 1 ? p_last : hist[k]; };
    const auto p_nonzero_in = [&](int begin, int end) {  // bins of [begin, end) with P != 0
      int count = nonempty_before[end] - nonempty_before[begin];
      if (end == edge) count += (p_last != 0) - (hist[edge - 1] != 0);
      return count;
    };
    const int merged = edge / levels;
    const int last_begin = (levels - 1) * merged;
    const int p_nonzero = p_nonzero_in(0, edge);
    // Q is zero where P is, and in the last chunk if only outliers fill it.
    const bool last_chunk_empty = mass_before[edge] == mass_before[last_begin];
    const int q_nonzero = p_nonzero - (last_chunk_empty ? p_nonzero_in(last_begin, edge) : 0);
    if (q_nonzero == 0) continue;  // Q cannot be smoothed: infinite divergence
    const double take_p = kEps * (edge - p_nonzero) / p_nonzero;
    const double take_q = kEps * (edge - q_nonzero) / q_nonzero;
    const double q_total = mass_before[edge];  // smoothing keeps totals
    // Bins empty in both: eps / total against eps / q_total.
    double kl = (edge - p_nonzero) * (kEps / total) * std::log(q_total / total);
    bool finite = true;
    for (int level = 0; level < levels && finite; ++level) {
      const int begin = level * merged, end = level == levels - 1 ? edge : begin + merged;
      const int nonempty = p_nonzero_in(begin, end);
      if (nonempty == 0) continue;
      const double mass = mass_before[end] - mass_before[begin];
      const double q_smoothed = mass > 0 ? mass / nonempty - take_q : kEps;
      for (int k = begin; k < end; ++k) {
        const double p = p_of(k);
        if (p == 0) continue;
        const double p_smoothed = p - take_p;
        if (!(p_smoothed > 0 && q_smoothed > 0)) {
          finite = false;
          break;
        }
        kl += p_smoothed / total * std::log(p_smoothed / total * q_total / q_smoothed);
      }
    }
    if (finite && kl < best_kl) best_kl = kl, best_edge = edge;
  }
  return best_edge / to_bin;
}

// ------------------------------------------------------------------ MSE

// Sum of squared errors of x[0 .. n) quantized to s * t, t an integer in
// [t_min, t_max] nearest to x / s (ties to even). Lanes keep the float
// accumulation vectorisable without -ffast-math; blocks bound its error.
double quantization_sse(const float* x, size_t n, float s, float t_min, float t_max) {
  constexpr int kLanes = 8;
  constexpr size_t kBlock = 4096;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: (t + kRound) - kRound rounds t to even
  const float inv = 1.0f / s;
  double total = 0;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = std::min(n, start + kBlock);
    float lane[kLanes] = {};
    size_t i = start;
    for (; i + kLanes <= end; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const float t = std::min(std::max(x[i + j] * inv, t_min), t_max);
        const float e = x[i + j] - s * ((t + kRound) - kRound);
        lane[j] += e * e;
      }
    }
    double block = 0;
    for (; i < end; ++i) {
      const float t = std::min(std::max(x[i] * inv, t_min), t_max);
      const float e = x[i] - s * ((t + kRound) - kRound);
      block += static_cast<double>(e) * e;
    }
    for (float v : lane) block += v;
    total += block;
  }
  return total;
}

double symmetric_sse(const float* x, size_t n, double a, int bits) {
  // A 1-bit symmetric grid would be {0} alone: use {-a, 0, a} there.
  const double qmax = std::max(1.0, std::ldexp(1.0, bits - 1) - 1);
  return quantization_sse(x, n, static_cast<float>(a / qmax), static_cast<float>(-qmax), static_cast<float>(qmax));
}

// The quantizer the file stores: 2^bits levels s * (q - z), integer z.
double asymmetric_sse(const float* x, size_t n, double lo, double hi, int bits) {
  const double levels = std::ldexp(1.0, bits) - 1;
  const double s = (hi - lo) / levels;
  if (!(s > 0)) return std::numeric_limits<double>::infinity();
  const double z = std::min(std::max(std::nearbyint(-lo / s), 0.0), levels);
  return quantization_sse(x, n, static_cast<float>(s), static_cast<float>(-z), static_cast<float>(levels - z));
}

double mse_symmetric_clip(const float* x, size_t n, double absmax, int bits) {
  constexpr int kCoarse = 100, kFine = 20;
  constexpr double kLowest = 0.3;  // fraction of absmax
  // Written so that i = kCoarse - 1 is exactly 1 (the min/max clip itself).
  const auto fraction = [&](int i) { return 1 - (1 - kLowest) * (kCoarse - 1 - i) / (kCoarse - 1); };
  int best = kCoarse - 1;
  double best_sse = std::numeric_limits<double>::infinity();
  for (int i = kCoarse - 1; i >= 0; --i) {  // from absmax down: ties keep the wider clip
    const double sse = symmetric_sse(x, n, fraction(i) * absmax, bits);
    if (sse < best_sse) best_sse = sse, best = i;
  }
  // Refine between the coarse neighbours of the best candidate.
  const double lo = fraction(std::max(best - 1, 0)), hi = fraction(std::min(best + 1, kCoarse - 1));
  double best_fraction = fraction(best);
  for (int i = 0; i <= kFine; ++i) {
    const double f = lo + (hi - lo) * i / kFine;
    const double sse = symmetric_sse(x, n, f * absmax, bits);
    if (sse < best_sse) best_sse = sse, best_fraction = f;
  }
  return best_fraction * absmax;
}

// Both ends shrink from [min(lo, 0), max(hi, 0)]: first together, then
// each end on its own (coordinate descent), then a fine local pass.
Range mse_asymmetric_range(const float* x, size_t n, double data_lo, double data_hi, int bits) {
  const double lo0 = std::min(data_lo, 0.0), hi0 = std::max(data_hi, 0.0);
  constexpr double kLowest = 0.3;
  double f_lo = 1, f_hi = 1;
  double best_sse = asymmetric_sse(x, n, lo0, hi0, bits);
  const auto scan = [&](int steps, double from, double to, bool move_lo, bool move_hi) {
    const double base_lo = f_lo, base_hi = f_hi;
    for (int i = steps; i >= 0; --i) {
      const double f = from + (to - from) * i / steps;
      const double c_lo = move_lo ? f : base_lo, c_hi = move_hi ? f : base_hi;
      const double sse = asymmetric_sse(x, n, c_lo * lo0, c_hi * hi0, bits);
      if (sse < best_sse) best_sse = sse, f_lo = c_lo, f_hi = c_hi;
    }
  };
  scan(99, kLowest, 1, true, true);
  for (int round = 0; round < 2; ++round) {
    if (lo0 < 0) scan(40, kLowest, 1, true, false);
    if (hi0 > 0) scan(40, kLowest, 1, false, true);
  }
  const double step = (1 - kLowest) / 40;
  if (lo0 < 0) scan(10, std::max(kLowest, f_lo - step), std::min(1.0, f_lo + step), true, false);
  if (hi0 > 0) scan(10, std::max(kLowest, f_hi - step), std::min(1.0, f_hi + step), false, true);
  return Range{static_cast<float>(f_lo * lo0), static_cast<float>(f_hi * hi0)};
}

// --------------------------------------------------------------- common

// Makes a computed range usable: scale > 0 (see calibrate() in the header).
Range finish(double lo, double hi, bool symmetric) {
  constexpr double kTiny = 1e-30;  // below this a scale would be denormal or zero
  if (symmetric) {
    const float a = static_cast<float>(std::max(std::fabs(lo), std::fabs(hi)));
    if (a > kTiny) return Range{-a, a};
    return Range{-1, 1};
  }
  Range r{static_cast<float>(lo), static_cast<float>(hi)};
  if (static_cast<double>(r.hi) - r.lo > kTiny) return r;
  const float c = r.lo;
  if (std::fabs(c) <= kTiny) return Range{-1, 1};
  return Range{std::min(c, 0.0f), std::max(c, 0.0f)};
}

// The shared implementation: `x` gives the distribution, `m` the exact
// statistics (of x itself, or of the whole stream x was sampled from).
Range calibrate_with(const float* x, size_t n, const Moments& m, const CalibSpec& spec, int bits, bool symmetric) {
  validate(spec);
  if (bits < 1 || bits > kMaxBits) {
    throw Error("calibration: bits must be in 1 .. " + std::to_string(kMaxBits) + ", got " + std::to_string(bits));
  }
  const double param = resolved_param(spec);
  const double absmax = m.absmax();
  switch (spec.method) {
    case CalibMethod::kMinMax:
      return symmetric ? finish(-absmax, absmax, true) : finish(m.min, m.max, false);

    case CalibMethod::kPercentile: {
      if (symmetric) {
        std::vector<float> magnitudes(n);
        for (size_t i = 0; i < n; ++i) magnitudes[i] = std::fabs(x[i]);
        return finish(0, std::min(percentile(magnitudes, param), absmax), true);
      }
      if (param < 50) {
        throw Error("calibration '" + spec_text(spec) +
                    "': an asymmetric range needs a percentile >= 50 (it clips at 100-Q and Q)");
      }
      std::vector<float> values(x, x + n);
      const double hi = percentile(values, param);
      const double lo = percentile(values, 100 - param);
      return finish(std::max(lo, m.min), std::min(hi, m.max), false);
    }

    case CalibMethod::kMeanStd: {
      const double spread = param * m.std;
      if (symmetric) return finish(0, std::min(std::fabs(m.mean) + spread, absmax), true);
      return finish(std::max(m.mean - spread, m.min), std::min(m.mean + spread, m.max), false);
    }

    case CalibMethod::kAciq: {
      double alpha;
      if (param == kAciqLaplace) {
        double sum_abs_dev = 0;  // b of the Laplace fit: mean |x - mean|
        for (size_t i = 0; i < n; ++i) sum_abs_dev += std::fabs(x[i] - m.mean);
        alpha = aciq_laplace_constant(bits) * sum_abs_dev / static_cast<double>(n);
      } else {
        alpha = aciq_gauss_constant(bits) * m.std;
      }
      if (symmetric) return finish(0, std::min(std::fabs(m.mean) + alpha, absmax), true);
      return finish(std::max(m.mean - alpha, m.min), std::min(m.mean + alpha, m.max), false);
    }

    case CalibMethod::kEntropy: {
      const int bins = static_cast<int>(param);
      const int levels = static_cast<int>(std::min<double>(std::ldexp(1.0, std::max(bits - 1, 1)), kMaxEntropyBins));
      const double centre = symmetric ? 0 : (m.min + m.max) / 2;
      const double reach = symmetric ? absmax : (m.max - m.min) / 2;
      if (!(reach > 0)) return symmetric ? finish(0, absmax, true) : finish(m.min, m.max, false);
      std::vector<float> magnitudes(n);
      for (size_t i = 0; i < n; ++i) magnitudes[i] = static_cast<float>(std::fabs(x[i] - centre));
      const double t = std::min(entropy_threshold(magnitudes.data(), n, reach, bins, levels), reach);
      if (symmetric) return finish(0, t, true);
      return finish(std::max(centre - t, m.min), std::min(centre + t, m.max), false);
    }

    case CalibMethod::kMse: {
      if (symmetric) {
        if (!(absmax > 0)) return finish(0, 0, true);
        return finish(0, mse_symmetric_clip(x, n, absmax, bits), true);
      }
      if (!(m.max > m.min)) return finish(m.min, m.max, false);
      const Range r = mse_asymmetric_range(x, n, m.min, m.max, bits);
      return finish(r.lo, r.hi, false);
    }
  }
  throw Error("calibration: unknown method");  // unreachable: validate() checked it
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

// ------------------------------------------------------------ public API

CalibSpec parse_calib_spec(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const bool has_param = colon != std::string::npos;
  const std::string arg = has_param ? text.substr(colon + 1) : "";
  CalibSpec spec;
  if (name == "minmax" || name == "mse") {
    if (has_param) throw Error("calibration '" + text + "': " + name + " takes no parameter (" + kValidSpecs + ")");
    spec.method = name == "minmax" ? CalibMethod::kMinMax : CalibMethod::kMse;
    return spec;
  }
  if (name == "percentile") {
    spec.method = CalibMethod::kPercentile;
  } else if (name == "meanstd") {
    spec.method = CalibMethod::kMeanStd;
  } else if (name == "entropy") {
    spec.method = CalibMethod::kEntropy;
  } else if (name == "aciq") {
    spec.method = CalibMethod::kAciq;
    if (!has_param || arg == "laplace") {
      spec.param = kAciqLaplace;
    } else if (arg == "gauss" || arg == "gaussian") {
      spec.param = kAciqGauss;
    } else {
      throw Error("calibration '" + text + "': aciq takes laplace or gauss (" + kValidSpecs + ")");
    }
    return spec;
  } else {
    throw Error("unknown calibration method '" + text + "' (" + kValidSpecs + ")");
  }
  spec.param = has_param ? parse_number(arg, text) : resolved_param(spec);
  if (spec.param == 0) {
    // 0 would read back as "use the default": reject it as out of range.
    throw Error("calibration '" + text + "': the parameter must be positive (" + kValidSpecs + ")");
  }
  validate(spec);
  return spec;
}

std::string calib_spec_name(const CalibSpec& spec) {
  validate(spec);
  const double param = resolved_param(spec);
  switch (spec.method) {
    case CalibMethod::kMinMax: return "minmax";
    case CalibMethod::kMse: return "mse";
    case CalibMethod::kAciq: return param == kAciqGauss ? "aciq:gauss" : "aciq:laplace";
    case CalibMethod::kPercentile:
      return param == kDefaultPercentile ? "percentile" : "percentile:" + shortest_decimal(param);
    case CalibMethod::kMeanStd: return param == kDefaultMeanStdK ? "meanstd" : "meanstd:" + shortest_decimal(param);
    case CalibMethod::kEntropy:
      return param == kDefaultEntropyBins ? "entropy" : "entropy:" + shortest_decimal(param);
  }
  return spec_text(spec);  // unreachable: validate() checked the method
}

Range calibrate(const float* x, size_t n, const CalibSpec& spec, int bits, bool symmetric) {
  if (n == 0) throw Error("calibration: no values to calibrate on");
  if (x == nullptr) throw Error("calibration: null data");
  return calibrate_with(x, n, moments_of(x, n), spec, bits, symmetric);
}

Range include_zero(Range range) { return Range{std::min(range.lo, 0.0f), std::max(range.hi, 0.0f)}; }

Range calibrate(const ActivationSampler& sampler, const CalibSpec& spec, int bits, bool symmetric) {
  if (sampler.count() == 0) throw Error("calibration: no activations were sampled");
  Moments m;
  m.min = sampler.min();
  m.max = sampler.max();
  m.mean = sampler.mean();
  m.std = std::sqrt(std::max(0.0, sampler.mean_square() - m.mean * m.mean));
  const std::vector<float>& sample = sampler.sample();
  return calibrate_with(sample.data(), sample.size(), m, spec, bits, symmetric);
}

// ------------------------------------------------------ ActivationSampler

ActivationSampler::ActivationSampler(size_t capacity, uint64_t seed) : capacity_(capacity), rng_state_(seed) {
  if (capacity == 0) throw Error("activation sampler: capacity must be positive");
}

double ActivationSampler::uniform_open() {
  return (static_cast<double>(splitmix64(rng_state_) >> 11) + 0.5) * 0x1p-53;
}

void ActivationSampler::add(const float* x, size_t n) {
  if (n == 0) return;
  if (x == nullptr) throw Error("activation sampler: null data");
  float lo = x[0], hi = x[0];
  double sum = 0, sum_sq = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw Error("activation sampler: non-finite value (" + std::to_string(x[i]) + ") at index " +
                  std::to_string(i) + " of a batch of " + std::to_string(n));
    }
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    sum += x[i];
    sum_sq += static_cast<double>(x[i]) * x[i];
  }
  min_ = count_ == 0 ? lo : std::min(min_, lo);
  max_ = count_ == 0 ? hi : std::max(max_, hi);
  sum_ += sum;
  sum_sq_ += sum_sq;

  // Algorithm L (Li 1994): once the reservoir is full, the gap to the next
  // kept value is geometric with parameter W, and W shrinks by u^(1/k)
  // after each pick; each kept value replaces a uniformly chosen slot.
  const uint64_t first = count_;  // stream index of x[0]
  size_t i = 0;
  for (; i < n && sample_.size() < capacity_; ++i) sample_.push_back(x[i]);
  const double k = static_cast<double>(capacity_);
  const auto gap = [&] {
    const double g = std::floor(std::log(uniform_open()) / std::log1p(-skip_w_));
    return g < 0x1p62 ? static_cast<uint64_t>(g) : uint64_t{1} << 62;
  };
  if (sample_.size() == capacity_ && skip_w_ == 0) {
    skip_w_ = std::exp(std::log(uniform_open()) / k);
    next_pick_ = capacity_ + gap();
  }
  if (skip_w_ != 0) {
    while (next_pick_ < first + n) {
      sample_[splitmix64(rng_state_) % capacity_] = x[next_pick_ - first];
      skip_w_ *= std::exp(std::log(uniform_open()) / k);
      next_pick_ += 1 + gap();
    }
  }
  count_ = first + n;
}

void ActivationSampler::check_not_empty(const char* what) const {
  if (count_ == 0) throw Error(std::string("activation sampler: ") + what + " of no values");
}

float ActivationSampler::min() const {
  check_not_empty("min");
  return min_;
}

float ActivationSampler::max() const {
  check_not_empty("max");
  return max_;
}

double ActivationSampler::mean() const {
  check_not_empty("mean");
  return sum_ / static_cast<double>(count_);
}

double ActivationSampler::mean_square() const {
  check_not_empty("mean square");
  return sum_sq_ / static_cast<double>(count_);
}

}  // namespace nibble::convert::quant
