// The backend's contract outside the numerics: initialize, null-safety,
// and the ops / params that must be reported unsupported (supports() ==
// false and create() == kUnsupported naming the op, *out null), each one a
// valid op by ref::check_op so the session would fall back to it.
#include <cmath>
#include <limits>
#include <random>

#include "xnnpack_test_util.h"

namespace nibble::xnnpack::testing {
namespace {

TEST(XnnpackApi, InitializeIsIdempotent) {
  EXPECT_TRUE(initialize().is_ok());
  EXPECT_TRUE(initialize().is_ok());
}

TEST(XnnpackApi, DestroyIsNullSafe) { destroy(nullptr); }

TEST(XnnpackApi, RunRejectsNull) {
  EXPECT_EQ(run(nullptr, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(XnnpackApi, CreateRejectsNullOut) {
  OpCase c;
  c.op.name = "clamp";
  c.op.params.code = OpCode::kClamp;
  c.op.params.clamp.activation = relu6();
  std::mt19937 rng(1);
  add_input(c, shape({4}), rng);
  c.op.outputs[0] = shape({4});
  std::vector<std::vector<float>> storage;
  std::vector<float> out;
  const BoundOp op = bind_op(c, storage, out);
  EXPECT_EQ(create(op, nullptr, nullptr).code(), StatusCode::kInvalidArgument);
}

OpCase unary(const char* name, OpCode code, TensorView in, TensorView out) {
  OpCase c;
  c.op.name = name;
  c.op.params.code = code;
  std::mt19937 rng(2);
  add_input(c, in, rng);
  c.op.outputs[0] = out;
  return c;
}

TEST(XnnpackUnsupported, Transpose) {
  OpCase c = unary("transpose_op", OpCode::kTranspose, shape({2, 3, 4}), shape({4, 2, 3}));
  c.op.params.transpose.perm[0] = 2;
  c.op.params.transpose.perm[1] = 0;
  c.op.params.transpose.perm[2] = 1;
  expect_unsupported(c);
}

TEST(XnnpackUnsupported, Slice) {
  OpCase c = unary("slice_op", OpCode::kSlice, shape({4, 6}), shape({2, 3}));
  c.op.params.slice.starts[0] = 1;
  c.op.params.slice.starts[1] = 0;
  c.op.params.slice.steps[0] = 2;
  c.op.params.slice.steps[1] = 2;
  expect_unsupported(c);
}

TEST(XnnpackUnsupported, Reshape) {
  expect_unsupported(unary("reshape_op", OpCode::kReshape, shape({2, 6}), shape({3, 4})));
}

TEST(XnnpackUnsupported, Concat) {
  OpCase c = unary("concat_op", OpCode::kConcat, shape({2, 3}), shape({2, 5}));
  std::mt19937 rng(3);
  add_input(c, shape({2, 2}), rng);
  c.op.params.concat.axis = 1;
  expect_unsupported(c);
}

Pool2dParams pool_params(int32_t k, int32_t s, int32_t pad, bool count_include_pad) {
  Pool2dParams p;
  p.window = {k, k, s, s, 1, 1, pad, pad, pad, pad};
  p.count_include_pad = count_include_pad;
  p.activation = no_activation();
  return p;
}

TEST(XnnpackUnsupported, AveragePoolCountIncludePadWithPadding) {
  OpCase c = unary("avgpool_include_pad", OpCode::kAveragePool2d, shape({1, 5, 5, 3}),
                   shape({1, 5, 5, 3}));
  c.op.params.pool2d = pool_params(3, 1, 1, true);
  expect_unsupported(c);
}

TEST(XnnpackUnsupported, SoftmaxAxis0Of2d) {
  OpCase c = unary("softmax_axis0", OpCode::kSoftmax, shape({4, 5}), shape({4, 5}));
  c.op.params.softmax.axis = 0;
  expect_unsupported(c);
}

TEST(XnnpackUnsupported, SoftmaxMiddleAxis) {
  OpCase c = unary("softmax_axis1", OpCode::kSoftmax, shape({2, 4, 5}), shape({2, 4, 5}));
  c.op.params.softmax.axis = 1;
  expect_unsupported(c);
}

TEST(XnnpackUnsupported, PadReflectAndEdge) {
  for (PadMode mode : {PadMode::kReflect, PadMode::kEdge}) {
    OpCase c = unary("pad_reflect_or_edge", OpCode::kPad, shape({1, 4, 4, 2}),
                     shape({1, 6, 6, 2}));
    PadParams& p = c.op.params.pad;
    p.mode = mode;
    p.value = 0.0f;
    for (int d = 0; d < 4; ++d) p.before[d] = p.after[d] = (d == 1 || d == 2) ? 1 : 0;
    expect_unsupported(c);
  }
}

// XNNPACK refuses 1x1 pooling (xnn_status_invalid_parameter).
TEST(XnnpackUnsupported, Pool1x1Kernel) {
  OpCase c = unary("maxpool_1x1", OpCode::kMaxPool2d, shape({1, 6, 6, 2}), shape({1, 3, 3, 2}));
  c.op.params.pool2d = pool_params(1, 2, 0, false);
  expect_unsupported(c);
  c.op.params.code = OpCode::kAveragePool2d;
  c.op.name = "avgpool_1x1";
  expect_unsupported(c);
}

// Windows entirely in the padding: the reference yields -inf (max) or 0
// (average); XNNPACK would read an edge pixel or divide by zero.
TEST(XnnpackUnsupported, PoolWindowEntirelyInPadding) {
  OpCase c = unary("maxpool_pad_ge_kernel", OpCode::kMaxPool2d, shape({1, 3, 3, 2}),
                   shape({1, 8, 8, 2}));
  c.op.params.pool2d = pool_params(2, 1, 3, false);
  expect_unsupported(c);
  c.op.params.code = OpCode::kAveragePool2d;
  c.op.name = "avgpool_pad_ge_kernel";
  expect_unsupported(c);
}

// XNNPACK requires min < max (and no NaN); the reference allows min == max.
TEST(XnnpackUnsupported, DegenerateActivationRange) {
  OpCase c = unary("clamp_min_eq_max", OpCode::kClamp, shape({8}), shape({8}));
  c.op.params.clamp.activation = Activation{0.5f, 0.5f};
  expect_unsupported(c);

  OpCase g = unary("gap_min_eq_max", OpCode::kGlobalAveragePool, shape({1, 2, 2, 3}),
                   shape({1, 1, 1, 3}));
  g.op.params.global_pool.activation = Activation{0.0f, 0.0f};
  expect_unsupported(g);
}

TEST(XnnpackUnsupported, LinearWithDegenerateActivation) {
  OpCase c;
  c.op.name = "linear_min_eq_max";
  c.op.params.code = OpCode::kLinear;
  c.op.params.linear.activation = Activation{1.0f, 1.0f};
  std::mt19937 rng(4);
  add_input(c, shape({2, 3}), rng);
  add_input(c, shape({4, 3}), rng);
  c.op.outputs[0] = shape({2, 4});
  expect_unsupported(c);
}

}  // namespace
}  // namespace nibble::xnnpack::testing
