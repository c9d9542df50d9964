#include "xnnpack_test_util.h"

#include <pthreadpool.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ops/reference/reference_ops.h"

namespace nibble::xnnpack::testing {

TensorView shape(std::initializer_list<int64_t> dims) {
  TensorView t;
  t.rank = static_cast<int32_t>(dims.size());
  int i = 0;
  for (int64_t d : dims) t.dims[i++] = d;
  return t;
}

std::vector<float> random_data(std::mt19937& rng, int64_t count, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> random_away_from_zero(std::mt19937& rng, int64_t count, float lo, float hi) {
  std::uniform_real_distribution<float> mag(lo, hi);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = sign(rng) ? mag(rng) : -mag(rng);
  return v;
}

void add_input(OpCase& c, const TensorView& s, std::vector<float> data) {
  const int i = c.op.num_inputs++;
  c.op.inputs[i] = s;
  c.op.inputs[i].data = nullptr;
  EXPECT_EQ(static_cast<int64_t>(data.size()), s.numel());
  c.inputs.push_back(std::move(data));
}

void add_input(OpCase& c, const TensorView& s, std::mt19937& rng) {
  add_input(c, s, random_data(rng, s.numel()));
}

BoundOp bind_op(const OpCase& c, std::vector<std::vector<float>>& storage,
             std::vector<float>& output) {
  storage = c.inputs;
  // XNNPACK reads up to kInputTailBytes past an input's end (the runtime's
  // arena has that slack); without it a read can cross into an unmapped
  // page (seen once under ASan, whose allocator places blocks at page ends).
  for (std::vector<float>& s : storage) s.resize(s.size() + kInputTailBytes / sizeof(float), 0.0f);
  BoundOp op = c.op;
  if (op.name == nullptr) op.name = "test_op";
  for (int i = 0; i < op.num_inputs; ++i) op.inputs[i].data = storage[i].data();
  op.num_outputs = 1;
  if (c.in_place_input >= 0) {
    op.outputs[0].data = storage[c.in_place_input].data();
  } else {
    output.assign(static_cast<size_t>(op.outputs[0].numel()),
                  std::numeric_limits<float>::quiet_NaN());
    op.outputs[0].data = output.data();
  }
  return op;
}

namespace {

// Returns the number of mismatches; reports the first few.
int64_t compare(const float* got, const float* want, int64_t n, Tolerance tol,
                const std::string& what) {
  int64_t bad = 0;
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got[i];
    const double w = want[i];
    const double err = std::fabs(g - w);
    // Equal values (including equal infinities) always match; NaN never.
    const bool ok = g == w || (std::isfinite(g) && std::isfinite(w) &&
                               err <= tol.atol + tol.rtol * std::fabs(w));
    if (std::isfinite(err) && err > worst) worst = err;
    if (!ok) {
      if (bad < 5) {
        ADD_FAILURE() << what << ": element " << i << " xnnpack " << got[i] << " reference "
                      << want[i] << " (|diff| " << err << ")";
      }
      ++bad;
    }
  }
  if (bad > 0) {
    ADD_FAILURE() << what << ": " << bad << " of " << n << " elements differ; max |diff| "
                  << worst;
  }
  return bad;
}

}  // namespace

void expect_matches_reference(const OpCase& c, Tolerance tol) {
  ASSERT_TRUE(initialize().is_ok());

  std::vector<std::vector<float>> ref_storage;
  std::vector<float> ref_out;
  const BoundOp ref_op = bind_op(c, ref_storage, ref_out);
  const Status check = ref::check_op(ref_op);
  ASSERT_TRUE(check.is_ok()) << "reference rejects the test op: " << check.message();
  ASSERT_TRUE(supports(ref_op)) << "XNNPACK backend does not support " << ref_op.name;
  ref::run_op(ref_op);
  const int64_t n = ref_op.outputs[0].numel();
  const std::vector<float> want(ref_op.outputs[0].data, ref_op.outputs[0].data + n);

  for (int threads : {0, 1, 2}) {
    SCOPED_TRACE(threads == 0 ? std::string("no thread pool")
                              : "pthreadpool_create(" + std::to_string(threads) + ")");
    pthreadpool_t pool = threads == 0 ? nullptr : pthreadpool_create(threads);
    if (threads != 0) {
      ASSERT_NE(pool, nullptr);
    }

    std::vector<std::vector<float>> storage;
    std::vector<float> out;
    const BoundOp op = bind_op(c, storage, out);
    XnnOp* xop = nullptr;
    const Status created = create(op, pool, &xop);
    ASSERT_TRUE(created.is_ok()) << created.message();
    ASSERT_NE(xop, nullptr);
    const Status ran = run(xop, pool);
    EXPECT_TRUE(ran.is_ok()) << ran.message();
    compare(op.outputs[0].data, want.data(), n, tol, "first run");
    if (c.in_place_input < 0) {
      std::fill(out.begin(), out.end(), std::numeric_limits<float>::quiet_NaN());
      EXPECT_TRUE(run(xop, pool).is_ok());
      compare(op.outputs[0].data, want.data(), n, tol, "second run");
    }
    destroy(xop);
    if (pool != nullptr) pthreadpool_destroy(pool);
  }
}

void expect_unsupported(const OpCase& c) {
  ASSERT_TRUE(initialize().is_ok());
  std::vector<std::vector<float>> storage;
  std::vector<float> out;
  BoundOp op = bind_op(c, storage, out);
  const Status check = ref::check_op(op);
  ASSERT_TRUE(check.is_ok()) << "reference rejects the test op: " << check.message();
  EXPECT_FALSE(supports(op));
  XnnOp* xop = reinterpret_cast<XnnOp*>(&op);  // must be overwritten with null
  const Status created = create(op, nullptr, &xop);
  EXPECT_EQ(created.code(), StatusCode::kUnsupported) << created.message();
  EXPECT_NE(std::strstr(created.message(), op.name), nullptr) << created.message();
  EXPECT_EQ(xop, nullptr);
}

Activation no_activation() {
  return {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
}
Activation relu() { return {0.0f, std::numeric_limits<float>::infinity()}; }
Activation relu6() { return {0.0f, 6.0f}; }

}  // namespace nibble::xnnpack::testing
