// GELU (reference), both forms, against the formulas in double.
#include <cmath>
#include <random>

#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp gelu_op(Buf& x, Buf& out, GeluApproximation a) {
  BoundOp op = make_op(OpCode::kGelu, {&x}, &out, "mlp_act");
  op.params.gelu.approximation = a;
  return op;
}

double gelu_tanh(double x) {
  const double pi = 3.14159265358979323846;
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / pi) * (x + 0.044715 * x * x * x)));
}

double gelu_erf(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

Buf samples() {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  Buf x = tensor({4, 3, 37});
  for (float& v : x.data) v = dist(rng);
  x.data[0] = 0.0f;
  x.data[1] = -20.0f;  // far tails: 0 and x
  x.data[2] = 20.0f;
  return x;
}

void expect_formula(const Buf& x, const Buf& out, double (*f)(double)) {
  for (size_t i = 0; i < x.data.size(); ++i) {
    const double e = f(x.data[i]);
    ASSERT_LE(std::fabs(out.data[i] - e), 1e-6 * (1.0 + std::fabs(e))) << "x = " << x.data[i];
  }
}

TEST(RefGelu, KnownValues) {
  // gelu_erf(1) = Phi(1) = 0.8413447; gelu_tanh(1) = 0.8411920;
  // gelu(-1) = gelu(1) - 1.
  Buf x = tensor({3}, {0, 1, -1});
  Buf out = tensor({3});
  BoundOp e = gelu_op(x, out, GeluApproximation::kErf);
  NIBBLE_CHECK_AND_RUN(e);
  expect_values(out, {0.0f, 0.8413447f, -0.1586553f}, 1e-6f);
  BoundOp t = gelu_op(x, out, GeluApproximation::kTanh);
  NIBBLE_CHECK_AND_RUN(t);
  expect_values(out, {0.0f, 0.8411920f, -0.1588080f}, 1e-6f);
}

TEST(RefGelu, TanhMatchesFormula) {
  Buf x = samples();
  Buf out = tensor(x.dims);
  BoundOp op = gelu_op(x, out, GeluApproximation::kTanh);
  NIBBLE_CHECK_AND_RUN(op);
  expect_formula(x, out, gelu_tanh);
}

TEST(RefGelu, ErfMatchesFormulaInPlace) {
  Buf x = samples();
  const Buf original = x;
  BoundOp op = gelu_op(x, x, GeluApproximation::kErf);
  NIBBLE_CHECK_AND_RUN(op);
  expect_formula(original, x, gelu_erf);
}

TEST(RefGelu, RunsTheRowCountOfTheViews) {
  Buf x = tensor({3, 2}, {1, 1, 1, 1, 1, 1});
  Buf out = tensor({3, 2});
  BoundOp op = gelu_op(x, out, GeluApproximation::kErf);
  ASSERT_TRUE(ref::check_op(op).is_ok());
  op.inputs[0].dims[0] = 1;
  op.outputs[0].dims[0] = 1;
  ref::run_op(op);
  expect_values(out, {0.8413447f, 0.8413447f, 0, 0, 0, 0}, 1e-6f);
}

TEST(RefGelu, Rejects) {
  Buf x = iota({2, 3});
  {
    Buf bad = tensor({3, 2});
    BoundOp op = gelu_op(x, bad, GeluApproximation::kTanh);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf out = tensor({2, 3});
    BoundOp op = gelu_op(x, out, static_cast<GeluApproximation>(7));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
