#include "op_test_util.h"

namespace nibble::test {
namespace {

// [-3, -0.5, 0, 2.5, 6, 7] clamped to [0, 6]
TEST(RefClamp, Relu6) {
  Buf x = tensor({2, 3}, {-3, -0.5f, 0, 2.5f, 6, 7});
  Buf out = tensor({2, 3});
  BoundOp op = make_op(OpCode::kClamp, {&x}, &out, "relu6");
  op.params.clamp.activation = Activation{0.0f, 6.0f};
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0, 0, 0, 2.5f, 6, 6});
}

TEST(RefClamp, InPlaceAndRejects) {
  Buf x = tensor({4}, {-1, 1, 2, 3});
  BoundOp op = make_op(OpCode::kClamp, {&x}, &x, "clip");
  op.params.clamp.activation = Activation{0.0f, 2.0f};
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(x, {0, 1, 2, 2});

  op.params.clamp.activation = Activation{3.0f, 2.0f};
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
  op.params.clamp.activation = Activation{0.0f, std::numeric_limits<float>::quiet_NaN()};
  NIBBLE_EXPECT_REJECTED(op, kMalformed);

  Buf bad = tensor({2, 2});
  BoundOp op2 = make_op(OpCode::kClamp, {&x}, &bad, "clip");
  op2.params.clamp.activation = Activation{0.0f, 2.0f};
  NIBBLE_EXPECT_REJECTED(op2, kMalformed);
}

TEST(RefReshape, CopiesBytes) {
  Buf x = iota({2, 3});
  Buf out = tensor({3, 1, 2});
  BoundOp op = make_op(OpCode::kReshape, {&x}, &out, "flatten");
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0, 1, 2, 3, 4, 5});
}

TEST(RefReshape, SamePointerIsANoOp) {
  Buf x = iota({2, 3});
  BoundOp op = make_op(OpCode::kReshape, {&x}, &x, "view");
  op.outputs[0].rank = 1;
  op.outputs[0].dims[0] = 6;
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(x, {0, 1, 2, 3, 4, 5});
}

TEST(RefReshape, RejectsCountMismatch) {
  Buf x = iota({2, 3});
  Buf out = tensor({7});
  BoundOp op = make_op(OpCode::kReshape, {&x}, &out, "flatten");
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
}

}  // namespace
}  // namespace nibble::test
