#include "converter/quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "random_data.h"

namespace nibble::convert::quant {
namespace {

using testing::gaussian_vector;
using testing::laplace_vector;

// Independent re-implementations of the quantizers calibrate() models.
double symmetric_quant_mse(const std::vector<float>& x, Range r, int bits) {
  const double qmax = std::ldexp(1.0, bits - 1) - 1, s = r.hi / qmax;
  double sum = 0;
  for (float v : x) {
    const double q = std::min(std::max(std::nearbyint(v / s), -qmax), qmax);
    sum += (v - q * s) * (v - q * s);
  }
  return sum / static_cast<double>(x.size());
}

double asymmetric_quant_mse(const std::vector<float>& x, Range r, int bits) {
  const double levels = std::ldexp(1.0, bits) - 1, s = (static_cast<double>(r.hi) - r.lo) / levels;
  const double z = std::min(std::max(std::nearbyint(-r.lo / s), 0.0), levels);
  double sum = 0;
  for (float v : x) {
    const double q = std::min(std::max(std::nearbyint(v / s) + z, 0.0), levels);
    sum += (v - (q - z) * s) * (v - (q - z) * s);
  }
  return sum / static_cast<double>(x.size());
}

double mean_abs_deviation(const std::vector<float>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double sum = 0;
  for (float v : x) sum += std::fabs(v - mean);
  return sum / static_cast<double>(x.size());
}

float absmax(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

std::vector<float> one_to_hundred() {
  std::vector<float> x(100);
  std::iota(x.begin(), x.end(), 1.0f);
  std::reverse(x.begin(), x.end());  // order must not matter
  return x;
}

Range run(const std::vector<float>& x, const std::string& spec, int bits, bool symmetric) {
  return calibrate(x.data(), x.size(), parse_calib_spec(spec), bits, symmetric);
}

TEST(Calibration, MinMaxIsExact) {
  const std::vector<float> x = {-3.0f, 1.0f, 7.5f, 2.0f};
  const Range asym = run(x, "minmax", 8, false);
  EXPECT_EQ(asym.lo, -3.0f);
  EXPECT_EQ(asym.hi, 7.5f);
  const Range sym = run(x, "minmax", 8, true);
  EXPECT_EQ(sym.lo, -7.5f);
  EXPECT_EQ(sym.hi, 7.5f);
}

// Linear interpolation between order statistics at q/100 * (n - 1):
// for 1..100, q = 99 sits at 98.01, between 99 and 100: 99.01.
TEST(Calibration, PercentileInterpolatesLinearly) {
  const std::vector<float> x = one_to_hundred();
  const Range sym = run(x, "percentile:99", 8, true);
  EXPECT_NEAR(sym.hi, 99.01f, 1e-4f);
  EXPECT_EQ(sym.lo, -sym.hi);
  const Range asym = run(x, "percentile:99", 8, false);
  EXPECT_NEAR(asym.hi, 99.01f, 1e-4f);
  EXPECT_NEAR(asym.lo, 1.99f, 1e-4f);  // the 1st percentile: 1 + 0.99
  const Range all = run(x, "percentile:100", 8, false);
  EXPECT_EQ(all.lo, 1.0f);
  EXPECT_EQ(all.hi, 100.0f);
  // Symmetric uses |x|: a large negative tail counts.
  const std::vector<float> negative = {-100, -1, 0, 1, 2};
  EXPECT_NEAR(run(negative, "percentile:100", 8, true).hi, 100.0f, 1e-6f);
}

TEST(Calibration, PercentileBelowFiftyNeedsSymmetric) {
  const std::vector<float> x = one_to_hundred();
  EXPECT_NEAR(run(x, "percentile:50", 8, true).hi, 50.5f, 1e-4f);  // the median of |x|
  EXPECT_THROW(run(x, "percentile:40", 8, false), Error);
}

// {2,4,4,4,5,5,7,9}: mean 5, population std 2.
TEST(Calibration, MeanStdOnKnownData) {
  const std::vector<float> x = {2, 4, 4, 4, 5, 5, 7, 9};
  const Range one = run(x, "meanstd:1", 8, false);
  EXPECT_NEAR(one.lo, 3.0f, 1e-5f);
  EXPECT_NEAR(one.hi, 7.0f, 1e-5f);
  const Range three = run(x, "meanstd", 8, false);  // 5 -+ 6 clipped to the data range
  EXPECT_EQ(three.lo, 2.0f);
  EXPECT_EQ(three.hi, 9.0f);
  const Range sym = run(x, "meanstd:1", 8, true);  // |5| + 2
  EXPECT_NEAR(sym.hi, 7.0f, 1e-5f);
  EXPECT_NEAR(run(x, "meanstd:3", 8, true).hi, 9.0f, 1e-5f);  // 11 clipped to absmax
}

// Banner et al.: alpha = 2.83 b, 3.89 b, 5.03 b for 2, 3, 4 bits and
// 9.89 b for 8 bits (Laplace); 1.71, 2.15, 2.55 sigma for 2, 3, 4 bits
// (Gaussian). The paper's table is per bit width M of a 2^M-level grid.
TEST(Calibration, AciqLaplaceMatchesThePaper) {
  const std::vector<float> x = laplace_vector(200000, 11, 0.5);
  const double b = mean_abs_deviation(x);
  const float max_abs = absmax(x);
  const std::pair<int, double> expected[] = {{2, 2.83}, {3, 3.89}, {4, 5.03}, {8, 9.89}};
  for (const auto& [bits, c] : expected) {
    const Range r = run(x, "aciq:laplace", bits, true);
    EXPECT_NEAR(r.hi / (b * c), 1.0, 0.01) << bits << " bits";
    EXPECT_LT(r.hi, max_abs) << bits << " bits";
    EXPECT_EQ(r.lo, -r.hi);
  }
  // Asymmetric: centred on the mean, same alpha.
  const Range asym = run(x, "aciq", 4, false);
  EXPECT_NEAR((asym.hi - asym.lo) / 2 / (b * 5.03), 1.0, 0.01);
}

TEST(Calibration, AciqGaussMatchesThePaper) {
  const std::vector<float> x = gaussian_vector(200000, 12, 2.0);
  double sum_sq = 0, mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  for (float v : x) sum_sq += (v - mean) * (v - mean);
  const double sigma = std::sqrt(sum_sq / static_cast<double>(x.size()));
  const std::pair<int, double> expected[] = {{2, 1.71}, {3, 2.15}, {4, 2.55}};
  for (const auto& [bits, c] : expected) {
    EXPECT_NEAR(run(x, "aciq:gauss", bits, true).hi / (sigma * c), 1.0, 0.01) << bits << " bits";
  }
}

TEST(Calibration, EntropyClipsAGaussianTail) {
  const std::vector<float> x = gaussian_vector(200000, 13, 1.0);
  const Range r = run(x, "entropy", 8, true);
  EXPECT_GT(r.hi, 2.0f);
  EXPECT_LT(r.hi, absmax(x));
  EXPECT_EQ(r.lo, -r.hi);
  // Fewer levels: clipping pays more, the threshold moves in.
  EXPECT_LT(run(x, "entropy", 4, true).hi, r.hi);
  // Asymmetric: around the midpoint, inside the data range.
  std::vector<float> shifted = x;
  for (float& v : shifted) v += 10;
  const Range a = run(shifted, "entropy", 8, false);
  EXPECT_GT(a.lo, *std::min_element(shifted.begin(), shifted.end()));
  EXPECT_LT(a.hi, *std::max_element(shifted.begin(), shifted.end()));
  EXPECT_LT(a.lo, 8.0f);
  EXPECT_GT(a.hi, 12.0f);
}

TEST(Calibration, MseBeatsMinMaxOnHeavyTails) {
  const std::vector<float> x = laplace_vector(100000, 14, 1.0);
  const Range minmax = run(x, "minmax", 4, true);
  const Range mse = run(x, "mse", 4, true);
  EXPECT_LT(mse.hi, minmax.hi);
  EXPECT_LT(symmetric_quant_mse(x, mse, 4), 0.8 * symmetric_quant_mse(x, minmax, 4));
  // Also no worse than the other clipping rules on the quantizer it models.
  for (const char* other : {"percentile:99.9", "aciq", "meanstd"}) {
    EXPECT_LE(symmetric_quant_mse(x, mse, 4), symmetric_quant_mse(x, run(x, other, 4, true), 4) * 1.01) << other;
  }

  std::vector<float> skewed = x;
  for (float& v : skewed) v = v > 0 ? 3 * v : v;  // different tails
  const Range amse = run(skewed, "mse", 4, false);
  const Range aminmax = run(skewed, "minmax", 4, false);
  EXPECT_LE(amse.lo, 0.0f);  // the integer zero point needs 0 in range
  EXPECT_GE(amse.hi, 0.0f);
  EXPECT_LT(asymmetric_quant_mse(skewed, amse, 4), 0.8 * asymmetric_quant_mse(skewed, aminmax, 4));
}

TEST(Calibration, DegenerateDataStillGivesAScale) {
  const std::vector<float> threes(10, 3.0f), zeros(10, 0.0f), negative(5, -2.0f);
  for (const char* spec : {"minmax", "percentile", "entropy", "meanstd", "aciq", "aciq:gauss", "mse"}) {
    const Range s = run(threes, spec, 4, true);
    EXPECT_EQ(s.lo, -3.0f) << spec;
    EXPECT_EQ(s.hi, 3.0f) << spec;
    const Range a = run(threes, spec, 4, false);
    EXPECT_EQ(a.lo, 0.0f) << spec;
    EXPECT_EQ(a.hi, 3.0f) << spec;
    const Range n = run(negative, spec, 4, false);
    EXPECT_EQ(n.lo, -2.0f) << spec;
    EXPECT_EQ(n.hi, 0.0f) << spec;
    for (bool symmetric : {true, false}) {
      const Range z = run(zeros, spec, 4, symmetric);
      EXPECT_EQ(z.lo, -1.0f) << spec;
      EXPECT_EQ(z.hi, 1.0f) << spec;
    }
  }
  const std::vector<float> one = {0.25f};
  EXPECT_EQ(run(one, "minmax", 8, true).hi, 0.25f);
}

TEST(Calibration, RejectsBadInput) {
  const std::vector<float> x = {1, 2, 3};
  EXPECT_THROW(calibrate(x.data(), 0, CalibSpec{}, 8, true), Error);
  const std::vector<float> nan = {1, std::nanf(""), 3};
  EXPECT_THROW(calibrate(nan.data(), nan.size(), CalibSpec{}, 8, true), Error);
  const std::vector<float> inf = {1, INFINITY};
  EXPECT_THROW(calibrate(inf.data(), inf.size(), CalibSpec{}, 8, true), Error);
  EXPECT_THROW(calibrate(x.data(), x.size(), CalibSpec{}, 0, true), Error);
  EXPECT_THROW(calibrate(x.data(), x.size(), CalibSpec{}, 17, true), Error);
  EXPECT_THROW(calibrate(x.data(), x.size(), CalibSpec{CalibMethod::kPercentile, 101}, 8, true), Error);
  EXPECT_THROW(calibrate(x.data(), x.size(), CalibSpec{CalibMethod::kAciq, 2}, 8, true), Error);
}

TEST(Calibration, IncludeZero) {
  const Range r = include_zero(Range{2, 5});
  EXPECT_EQ(r.lo, 0.0f);
  EXPECT_EQ(r.hi, 5.0f);
  const Range n = include_zero(Range{-5, -2});
  EXPECT_EQ(n.lo, -5.0f);
  EXPECT_EQ(n.hi, 0.0f);
}

TEST(CalibSpecText, RoundTrips) {
  const std::pair<const char*, const char*> cases[] = {
      {"minmax", "minmax"},         {"percentile", "percentile"},   {"percentile:99.9", "percentile:99.9"},
      {"percentile:99.99", "percentile"}, {"entropy", "entropy"}, {"entropy:4096", "entropy:4096"},
      {"meanstd", "meanstd"},       {"meanstd:2.5", "meanstd:2.5"}, {"aciq", "aciq:laplace"},
      {"aciq:laplace", "aciq:laplace"}, {"aciq:gauss", "aciq:gauss"}, {"mse", "mse"}};
  for (const auto& [text, canonical] : cases) {
    const CalibSpec spec = parse_calib_spec(text);
    EXPECT_EQ(calib_spec_name(spec), canonical) << text;
    const CalibSpec again = parse_calib_spec(calib_spec_name(spec));
    EXPECT_EQ(again.method, spec.method) << text;
    EXPECT_EQ(again.param, spec.param) << text;
  }
  EXPECT_EQ(parse_calib_spec("percentile").param, 99.99);
  EXPECT_EQ(parse_calib_spec("meanstd").param, 3);
  EXPECT_EQ(parse_calib_spec("entropy").param, 2048);
  EXPECT_EQ(parse_calib_spec("aciq:gauss").param, kAciqGauss);
  EXPECT_EQ(calib_spec_name(CalibSpec{CalibMethod::kPercentile, 0}), "percentile");  // 0 = default
}

TEST(CalibSpecText, RejectsUnknownNamesListingTheValidOnes) {
  try {
    parse_calib_spec("bogus");
    FAIL() << "no exception";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bogus"), std::string::npos) << message;
    for (const char* name : {"minmax", "percentile", "entropy", "meanstd", "aciq", "mse"}) {
      EXPECT_NE(message.find(name), std::string::npos) << name << " missing from: " << message;
    }
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  for (const char* bad : {"", "percentile:", "percentile:0", "percentile:150", "percentile:abc", "meanstd:-1",
                          "entropy:1", "entropy:10.5", "aciq:cauchy", "minmax:3", "mse:1", "MinMax"}) {
    EXPECT_THROW(parse_calib_spec(bad), Error) << bad;
  }
}

TEST(ActivationSampler, KeepsExactStatisticsAndAUniformSample) {
  constexpr size_t kCapacity = 1 << 14, kTotal = 1000000;
  ActivationSampler sampler(kCapacity, 5);
  // The stream 0, 1, ..., kTotal-1 (scaled), in uneven batches.
  std::vector<float> batch;
  size_t next = 0, batch_size = 1;
  while (next < kTotal) {
    batch.clear();
    for (size_t i = 0; i < batch_size && next < kTotal; ++i) batch.push_back(static_cast<float>(next++) / kTotal);
    sampler.add(batch.data(), batch.size());
    batch_size = batch_size * 3 % 7919 + 1;
  }
  EXPECT_EQ(sampler.count(), kTotal);
  EXPECT_EQ(sampler.min(), 0.0f);
  EXPECT_EQ(sampler.max(), static_cast<float>(kTotal - 1) / kTotal);
  EXPECT_NEAR(sampler.mean(), 0.5, 1e-6);
  EXPECT_NEAR(sampler.mean_square(), 1.0 / 3, 1e-5);
  ASSERT_EQ(sampler.sample().size(), kCapacity);
  // Uniform over the stream: mean 1/2 and each quarter holds ~1/4 (the
  // standard error of a quarter's share is ~0.0034 here).
  const std::vector<float>& s = sampler.sample();
  EXPECT_NEAR(std::accumulate(s.begin(), s.end(), 0.0) / kCapacity, 0.5, 0.01);
  for (int quarter = 0; quarter < 4; ++quarter) {
    const auto in = std::count_if(s.begin(), s.end(), [&](float v) { return static_cast<int>(v * 4) == quarter; });
    EXPECT_NEAR(static_cast<double>(in) / kCapacity, 0.25, 0.02) << quarter;
  }
}

TEST(ActivationSampler, SameStreamSameSampleWhateverTheBatches) {
  const std::vector<float> x = gaussian_vector(50000, 6);
  ActivationSampler whole(1000, 9), pieces(1000, 9);
  whole.add(x.data(), x.size());
  for (size_t i = 0; i < x.size(); i += 777) pieces.add(x.data() + i, std::min<size_t>(777, x.size() - i));
  EXPECT_EQ(whole.sample(), pieces.sample());
  ActivationSampler other_seed(1000, 10);
  other_seed.add(x.data(), x.size());
  EXPECT_NE(whole.sample(), other_seed.sample());
}

TEST(ActivationSampler, CalibrateUsesTheExactExtremes) {
  std::vector<float> x = gaussian_vector(200000, 7);
  x[123457] = 1000.0f;  // one outlier the sample almost surely misses
  ActivationSampler sampler(256, 3);
  sampler.add(x.data(), x.size());
  ASSERT_EQ(std::count(sampler.sample().begin(), sampler.sample().end(), 1000.0f), 0);
  const Range r = calibrate(sampler, parse_calib_spec("minmax"), 8, false);
  EXPECT_EQ(r.hi, 1000.0f);
  EXPECT_EQ(r.lo, *std::min_element(x.begin(), x.end()));
  // Percentile comes from the sample: the outlier does not matter.
  const Range p = calibrate(sampler, parse_calib_spec("percentile:99"), 8, true);
  EXPECT_GT(p.hi, 2.0f);
  EXPECT_LT(p.hi, 3.5f);
}

TEST(ActivationSampler, RejectsBadUse) {
  EXPECT_THROW(ActivationSampler(0), Error);
  ActivationSampler sampler(16);
  EXPECT_THROW(sampler.min(), Error);
  EXPECT_THROW(sampler.mean(), Error);
  EXPECT_THROW(calibrate(sampler, CalibSpec{}, 8, true), Error);
  const std::vector<float> bad = {1, NAN};
  EXPECT_THROW(sampler.add(bad.data(), bad.size()), Error);
  EXPECT_EQ(sampler.count(), 0u);  // nothing of the bad batch was kept
  EXPECT_TRUE(sampler.sample().empty());
}

}  // namespace
}  // namespace nibble::convert::quant
