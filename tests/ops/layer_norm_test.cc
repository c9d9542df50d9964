// LAYER_NORM (reference) against the formula in double: (x - mean) /
// sqrt(var + eps) * gamma + beta over the last axis, biased variance.
#include <cmath>
#include <random>

#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp layer_norm_op(Buf& x, Buf& gamma, Buf* beta, Buf& out, float eps = 1e-5f) {
  std::vector<Buf*> inputs = {&x, &gamma};
  if (beta != nullptr) inputs.push_back(beta);
  BoundOp op = make_op(OpCode::kLayerNorm, inputs, &out, "ln_1");
  op.params.layer_norm.epsilon = eps;
  return op;
}

std::vector<double> layer_norm_double(const Buf& x, const Buf& gamma, const Buf* beta, double eps) {
  const int64_t c = x.dims.back();
  const int64_t rows = static_cast<int64_t>(x.data.size()) / c;
  std::vector<double> out(x.data.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < c; ++i) mean += x.data[r * c + i];
    mean /= static_cast<double>(c);
    for (int64_t i = 0; i < c; ++i) var += (x.data[r * c + i] - mean) * (x.data[r * c + i] - mean);
    var /= static_cast<double>(c);
    for (int64_t i = 0; i < c; ++i) {
      out[r * c + i] = (x.data[r * c + i] - mean) / std::sqrt(var + eps) * gamma.data[i] +
                       (beta != nullptr ? beta->data[i] : 0.0);
    }
  }
  return out;
}

Buf random_buf(std::vector<int64_t> dims, uint32_t seed, float mean, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, spread);
  Buf b = tensor(std::move(dims));
  for (float& v : b.data) v = dist(rng);
  return b;
}

// Relative to the output's magnitude (+1 so values near 0 are judged
// absolutely): float rounding of a well-conditioned row stays ~1e-6.
void expect_close(const Buf& actual, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(actual.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_LE(std::fabs(actual.data[i] - expected[i]), tol * (1.0 + std::fabs(expected[i])))
        << "at " << i << ": " << actual.data[i] << " vs " << expected[i];
  }
}

TEST(RefLayerNorm, HandComputedRow) {
  // [1, 2, 3, 4]: mean 2.5, var 1.25; eps 0.75 -> sqrt(2) = 1.4142136.
  Buf x = tensor({1, 4}, {1, 2, 3, 4});
  Buf gamma = tensor({4}, {1, 1, 2, 1});
  Buf beta = tensor({4}, {0, 0, 0, 10});
  Buf out = tensor({1, 4});
  BoundOp op = layer_norm_op(x, gamma, &beta, out, 0.75f);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {-1.0606602f, -0.3535534f, 0.7071068f, 11.0606602f}, 1e-6f);
}

// GPT-2's widths (768) and widths that leave tails of the 16 lanes.
TEST(RefLayerNorm, MatchesDoubleFormula) {
  for (int64_t c : {768, 37, 5, 16, 1}) {
    SCOPED_TRACE(c);
    Buf x = random_buf({6, c}, 10 + static_cast<uint32_t>(c), 0.3f, 2.0f);
    Buf gamma = random_buf({c}, 20, 1.0f, 0.2f);
    Buf beta = random_buf({c}, 30, 0.0f, 0.5f);
    Buf out = tensor({6, c});
    BoundOp op = layer_norm_op(x, gamma, &beta, out);
    NIBBLE_CHECK_AND_RUN(op);
    expect_close(out, layer_norm_double(x, gamma, &beta, 1e-5), 2e-6);
  }
}

// A large mean against a small spread: two passes keep the variance (in
// float, E[x^2] - E[x]^2 at 1e6 has an ulp of 0.06 against a variance of
// 1e-4: every digit lost, even a negative result). What remains is that a
// float mean near 1000 is only good to half an ulp (3e-5), 0.3% of the
// spread; PyTorch's float LayerNorm has the same limit.
TEST(RefLayerNorm, LargeMeanSmallSpread) {
  Buf x = random_buf({3, 768}, 40, 1000.0f, 0.01f);
  Buf gamma = tensor({768}, std::vector<float>(768, 1.0f));
  Buf out = tensor({3, 768});
  BoundOp op = layer_norm_op(x, gamma, nullptr, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_close(out, layer_norm_double(x, gamma, nullptr, 1e-5), 1e-2);
}

TEST(RefLayerNorm, Rank3InPlaceWithoutBeta) {
  Buf x = random_buf({2, 3, 40}, 50, -1.0f, 3.0f);
  Buf gamma = random_buf({40}, 51, 1.0f, 0.3f);
  const std::vector<double> expected = layer_norm_double(x, gamma, nullptr, 1e-5);
  BoundOp op = layer_norm_op(x, gamma, nullptr, x);
  NIBBLE_CHECK_AND_RUN(op);
  expect_close(x, expected, 2e-6);
}

// Checked at the planned maximum, run with fewer rows (dims[0]): rows past
// n stay untouched.
TEST(RefLayerNorm, RunsTheRowCountOfTheViews) {
  Buf x = random_buf({4, 24}, 60, 0.0f, 1.0f);
  Buf gamma = random_buf({24}, 61, 1.0f, 0.3f);
  Buf out = tensor({4, 24}, std::vector<float>(96, 9.0f));
  BoundOp op = layer_norm_op(x, gamma, nullptr, out);
  ASSERT_TRUE(ref::check_op(op).is_ok());
  op.inputs[0].dims[0] = 1;
  op.outputs[0].dims[0] = 1;
  ref::run_op(op);
  const std::vector<double> expected = layer_norm_double(x, gamma, nullptr, 1e-5);
  for (int i = 0; i < 24; ++i) EXPECT_NEAR(out.data[i], expected[i], 2e-6 * (1 + std::fabs(expected[i])));
  for (int i = 24; i < 96; ++i) EXPECT_EQ(out.data[i], 9.0f);
}

TEST(RefLayerNorm, Rejects) {
  Buf x = iota({2, 4});
  Buf gamma = tensor({4});
  Buf out = tensor({2, 4});
  {
    Buf g3 = tensor({3});
    BoundOp op = layer_norm_op(x, g3, nullptr, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf b5 = tensor({5});
    BoundOp op = layer_norm_op(x, gamma, &b5, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf bad = tensor({4, 2});
    BoundOp op = layer_norm_op(x, gamma, nullptr, bad);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  for (float eps : {0.0f, -1.0f, std::nanf("")}) {
    BoundOp op = layer_norm_op(x, gamma, nullptr, out, eps);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    // Output overlapping the input other than exactly in place.
    Buf big = iota({3, 4});
    Buf shifted = tensor({2, 4});
    BoundOp op = layer_norm_op(big, gamma, nullptr, shifted);
    op.inputs[0].dims[0] = 2;
    op.outputs[0].data = big.data.data() + 4;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
