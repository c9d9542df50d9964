#include "op_test_util.h"

namespace nibble::test {
namespace {

// Axis 1 of a [2,1,2] = [[[1,2]],[[3,4]]], b [2,2,2] = 10..17,
// c [2,1,2] = 100..103 -> [2,4,2]:
//   out[0] = a[0] | b[0] | c[0] = [1,2] [10,11] [12,13] [100,101]
//   out[1] = a[1] | b[1] | c[1] = [3,4] [14,15] [16,17] [102,103]
TEST(RefConcat, ThreeInputsMiddleAxis) {
  Buf a = iota({2, 1, 2}, 1.0f);
  Buf b = iota({2, 2, 2}, 10.0f);
  Buf c = iota({2, 1, 2}, 100.0f);
  Buf out = tensor({2, 4, 2});
  BoundOp op = make_op(OpCode::kConcat, {&a, &b, &c}, &out, "cat");
  op.params.concat.axis = 1;
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {1, 2, 10, 11, 12, 13, 100, 101,  //
                      3, 4, 14, 15, 16, 17, 102, 103});
}

// Axis 0 and last axis of two [1,2] tensors.
TEST(RefConcat, FirstAndLastAxis) {
  Buf a = tensor({1, 2}, {1, 2});
  Buf b = tensor({1, 2}, {3, 4});
  Buf out0 = tensor({2, 2});
  BoundOp op0 = make_op(OpCode::kConcat, {&a, &b}, &out0, "cat");
  op0.params.concat.axis = 0;
  NIBBLE_CHECK_AND_RUN(op0);
  expect_values(out0, {1, 2, 3, 4});
  Buf out1 = tensor({1, 4});
  BoundOp op1 = make_op(OpCode::kConcat, {&a, &b}, &out1, "cat");
  op1.params.concat.axis = 1;
  NIBBLE_CHECK_AND_RUN(op1);
  expect_values(out1, {1, 2, 3, 4});
}

TEST(RefConcat, Rejects) {
  Buf a = iota({2, 1, 2});
  Buf b = iota({2, 2, 2});
  Buf out = tensor({2, 3, 2});
  {  // axis out of range
    BoundOp op = make_op(OpCode::kConcat, {&a, &b}, &out, "cat");
    op.params.concat.axis = 3;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.params.concat.axis = -1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // other dims differ (concat on axis 0 of [2,1,2] and [2,2,2])
    Buf out0 = tensor({4, 1, 2});
    BoundOp op = make_op(OpCode::kConcat, {&a, &b}, &out0, "cat");
    op.params.concat.axis = 0;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // wrong output
    Buf bad = tensor({2, 4, 2});
    BoundOp op = make_op(OpCode::kConcat, {&a, &b}, &bad, "cat");
    op.params.concat.axis = 1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // rank differs
    Buf r2 = iota({2, 2});
    BoundOp op = make_op(OpCode::kConcat, {&a, &r2}, &out, "cat");
    op.params.concat.axis = 1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // 16 inputs of 2^60 along the axis: the sum overflows
    Buf small = tensor({1});
    std::vector<Buf*> inputs(16, &small);
    BoundOp op = make_op(OpCode::kConcat, inputs, &small, "cat");
    for (int i = 0; i < 16; ++i) op.inputs[i].dims[0] = int64_t{1} << 60;
    op.params.concat.axis = 0;
    NIBBLE_EXPECT_REJECTED(op, kOverflow);
  }
}

}  // namespace
}  // namespace nibble::test
